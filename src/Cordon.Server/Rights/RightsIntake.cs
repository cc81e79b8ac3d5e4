using Cordon.Core;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Rights;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Rights;

/// <summary>Who makes a rights request: the role and the subject their token names (a patient's own, a guardian's).</summary>
public sealed record Requester(Role Role, string? TokenSubjectId);

/// <summary>
/// Receives a rights request: checks the requester (R22, R03, R24), puts the request on record with its due date in
/// working days from the day received (Beijing time), then carries it out, or leaves it open for the operator to verify
/// a close relative's proof. The API and the demo seeding receive requests through here, so a request's due date and
/// lateness are the workflow's, whoever made it.
/// </summary>
public static class RightsIntake
{
    public static async Task<Result<RightsRequestRow>> ReceiveAsync(
        Operation op,
        Requester requester,
        RightsKind kind,
        RequesterRelation relation,
        CreateRightsRequest request,
        OpenSubject subject,
        WorkingCalendar calendar,
        PortabilityClient portability,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(requester);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(calendar);
        var facts = new RequesterFacts(
            requester.Role, requester.TokenSubjectId, relation, request.ProofReference is not null, subject.Id, subject.Row.GuardianId, subject.Row.State,
            subject.AgeOn(op.Today) < op.Tenant.Profile.Settings.GuardianConsentBelowAge);
        if (RequesterRules.Check(kind, facts) is { } refusal)
        {
            return Failure.From(refusal);
        }

        var id = SubjectVault.NewId("rr");
        var row = new RightsRequestRow
        {
            Tenant = op.Tenant.Id,
            Id = id,
            SubjectId = subject.Id,
            Kind = kind,
            Status = RightsStatus.Open,
            Relation = relation,
            RequesterId = op.ActorId,
            RequesterRole = op.ActorRole,
            CreatedAt = op.Now,
            UpdatedAt = op.Now,
            DueOn = calendar.AddWorkingDays(op.Today, op.Tenant.Profile.Settings.RightsRequestDueWorkingDays),
            Sealed = [],
        };
        string? proposal = null;
        if (kind == RightsKind.Correction && request.Resource is { } resource)
        {
            var json = System.Text.Encoding.UTF8.GetBytes(resource.GetRawText());
            proposal = Convert.ToBase64String(subject.Cipher.Seal(RightsWorkflow.ProposalBinding(op, row, subject), json));
        }

        // Free text may speak of health: it is sealed under the subject's key, so an erasure shreds it with the rest.
        var reason = request.Reason is null ? null : Convert.ToBase64String(subject.Cipher.Seal(new Core.Crypto.RecordBinding(op.Tenant.Id, subject.Id, id, "reason", 1), System.Text.Encoding.UTF8.GetBytes(request.Reason)));
        var ask = new RightsAsk(request.ProofReference, request.Purposes, request.RecordId, request.Destination, reason, proposal);
        var details = new RightsDetails(ask, null, null, [new TrailEntry(op.Now, "received", op.ActorId, $"{kind.ToKey()} request received from the {relation.ToKey()}")]);
        row = row with { Sealed = RightsWorkflow.Seal(op, id, details) };
        var flags = relation == RequesterRelation.Guardian ? AuditFlags.Guardian : AuditFlags.None;
        await op.Store.PutRightsRequestAsync(row, op.Audit("rights.request", AuditOutcome.Done, subject.Id, [id], RightsWorkflow.RulesOf(kind), flags: flags), cancellationToken);

        // A close relative's proof reference is only a claim: nothing of the deceased's data is served or changed until an
        // operator has checked the recorded proof (POST …/verify-proof).
        if (relation == RequesterRelation.CloseRelative)
        {
            return await RightsWorkflow.SaveAsync(op, row, details, RightsStatus.Open, "waiting for the operator to verify the proof of death and relationship (R24)", CancellationToken.None);
        }

        // The request is on record before anything is done: if the work stops half-way it stays open, and late if it stays so.
        return await RightsWorkflow.CarryOutAsync(op, row, details, subject, portability, CancellationToken.None);
    }
}
