using Cordon.Core.Access;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Server.Auth;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Decisions;

/// <summary>
/// What the decision needs to know about a subject, read fresh for every request (so a withdrawal counts from
/// the very next one): state, age, guardian, consent history and care team.
/// </summary>
public sealed class SubjectFacts
{
    private SubjectFacts(OpenSubject subject, IReadOnlyList<ConsentEvent> consents, IReadOnlyList<CareTeamRow> careTeam)
    {
        Subject = subject;
        Consents = consents;
        CareTeam = careTeam;
    }

    public OpenSubject Subject { get; }

    public IReadOnlyList<ConsentEvent> Consents { get; }

    public IReadOnlyList<CareTeamRow> CareTeam { get; }

    public static async Task<SubjectFacts> LoadAsync(OpenSubject subject, ICordonStore store, bool needsCareTeam, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(store);
        var consents = store.GetHistoryAsync(subject.Row.Tenant, subject.Id, cancellationToken);
        IReadOnlyList<CareTeamRow> care = needsCareTeam ? await store.GetCareTeamAsync(subject.Row.Tenant, subject.Id, cancellationToken) : [];
        return new SubjectFacts(subject, await consents, care);
    }

    /// <summary>How the caller's token relates to this subject.</summary>
    public static SubjectLink LinkOf(Actor actor, OpenSubject subject) => actor.Role switch
    {
        Role.Patient when string.Equals(actor.SubjectId, subject.Id, StringComparison.Ordinal) => SubjectLink.Self,
        Role.Guardian when subject.Row.GuardianId is not null
            && (string.Equals(actor.SubjectId, subject.Row.GuardianId, StringComparison.Ordinal) || string.Equals(actor.SubjectId, subject.Id, StringComparison.Ordinal)) => SubjectLink.Guardian,
        _ => SubjectLink.None,
    };

    public bool UnderGuardianAge(Call call) => Subject.AgeOn(call.Today) < call.Tenant.Profile.Settings.GuardianConsentBelowAge;

    public CareRelation CareOf(Call call)
    {
        var actor = call.Actor;
        if (!actor.Role.IsClinician())
        {
            return CareRelation.None;
        }

        var relation = CareRelation.None;
        foreach (var member in CareTeam)
        {
            if (string.Equals(member.ActorId, actor.Id, StringComparison.Ordinal) && string.Equals(member.Role, actor.RoleKey, StringComparison.Ordinal) && member.Until > call.Now)
            {
                relation = actor.Role == Role.Physician ? CareRelation.TreatingPhysician : CareRelation.Member;
            }
        }

        return relation;
    }

    public ConsentStatus ConsentFor(Call call, int purpose)
    {
        var policy = call.Tenant.Policy;
        var def = policy.Purpose(purpose);
        return AccessPolicy.ConsentRequired(def, UnderGuardianAge(call))
            ? ConsentLedger.StatusOf(Consents, def.Key, null, policy.PurposeFingerprint(purpose))
            : ConsentStatus.NotRequired;
    }

    public AccessRequest Request(Call call, int purpose, int recordType, AccessAction action, Level level) => new()
    {
        Role = call.Actor.Role,
        Automated = call.Actor.Automated,
        Purpose = purpose,
        RecordType = recordType,
        Action = action,
        Level = level,
        SubjectState = Subject.Row.State,
        Link = LinkOf(call.Actor, Subject),
        UnderGuardianAge = UnderGuardianAge(call),
        Consent = ConsentFor(call, purpose),
        Care = CareOf(call),
        HasJustification = call.Justification is not null,
    };
}
