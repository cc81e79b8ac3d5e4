using Cordon.Core.Access;
using Cordon.Core.Decisions;
using Cordon.Server.Decisions;
using Cordon.Server.Http;

namespace Cordon.Server.Subjects;

/// <summary>The subject an endpoint's path names, opened for the call that names it.</summary>
public static class SubjectOfCall
{
    /// <summary>
    /// Opens the subject and makes the call about it (under <paramref name="purpose"/> when given); not found, or not
    /// the subject (R46) when <paramref name="mayAct"/> refuses the caller, as a problem. The caller disposes the subject.
    /// </summary>
    public static async Task<Outcome<OpenSubject>> OpenAsync(Call call, string id, Func<Call, OpenSubject, bool> mayAct, string? purpose = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(mayAct);
        var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id, purpose);
        if (!mayAct(call, subject))
        {
            subject.Dispose();
            return Problem.From(Refusals.NotTheSubject);
        }

        return subject;
    }

    /// <summary>Staff reach any subject; a patient or guardian only a subject they are linked to.</summary>
    public static bool StaffOrLinked(Call call, OpenSubject subject)
    {
        ArgumentNullException.ThrowIfNull(call);
        return !call.Actor.Role.IsSubjectSide() || SubjectFacts.LinkOf(call.Actor, subject) != SubjectLink.None;
    }
}
