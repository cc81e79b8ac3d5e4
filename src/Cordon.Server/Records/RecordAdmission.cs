using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Core.Decisions;
using Cordon.Server.Audit;
using Cordon.Server.Auth;
using Cordon.Server.Decisions;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Records;

/// <summary>
/// What admitting a record gave: the sealed row with its lookups and its audit entry, or a refusal with the audit entry
/// of the denial. Either way <see cref="Audit"/> is the entry to write.
/// </summary>
public sealed record Admission(Decision Decision, RecordRow? Row, IReadOnlyList<LookupRow> Lookups, AuditDraft Audit)
{
    /// <summary>A refusal's detail made specific to this write (the roles or purposes that would be admitted).</summary>
    public string? Detail { get; init; }

    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Row))]
    public bool Admitted => Row is not null;

    public Refusal? Refusal => Decision.Refusal;
}

/// <summary>
/// The one admission path for an audited record write — the API's writes and corrections, the import, the demo, a
/// rights correction: the record (classified and checked against the purpose by <see cref="RecordWriter.Prepare(TenantContext, int, byte[], DateOnly)"/>)
/// is decided for the actor and the subject's facts (state, age, consent, care team), then sealed under the subject's
/// key, with the audit entry naming the rules the permit rests on and its flags. Nothing here knows about HTTP.
/// </summary>
public static class RecordAdmission
{
    /// <summary>Admits a new record (version 1) or a new version of one (<paramref name="version"/> &gt; 1, keeping <paramref name="createdAt"/>).</summary>
    public static Admission Admit(
        TenantContext tenant,
        AuditContext audit,
        Actor actor,
        SubjectFacts facts,
        int purpose,
        PreparedRecord record,
        string action,
        string? recordId = null,
        int version = 1,
        DateTimeOffset? createdAt = null,
        bool hasJustification = false)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(record);
        var purposeKey = tenant.Policy.Purpose(purpose).Key;
        var request = facts.Request(tenant, actor, audit.Now, hasJustification, purpose, record.TypeIndex, AccessAction.Write, record.Classification.Level);
        var decision = tenant.Policy.Decide(request);
        var subject = facts.Subject;
        if (!decision.IsPermitted)
        {
            return new Admission(decision, null, [], audit.Draft(action, AuditOutcome.Deny, purposeKey, subject.Id, code: decision.Refusal!.Code, rules: decision.RuleIds, flags: decision.Flags))
            {
                Detail = tenant.Policy.DetailOf(decision.Refusal, request),
            };
        }

        // After the access decision, the care scope: an automated agent for a subject who refused automated decisions (R14),
        // then the record's content against what the operator may write (R59).
        var scope = AutomatedDecisions.CheckActor(actor.Automated, facts.AutomatedDecisionsRefused) is { } refusedAutomated
            ? new ScopeVerdict(refusedAutomated, refusedAutomated.Detail)
            : ServiceScope.Check(tenant.Profile.Operator.Type, tenant.Policy.Purpose(purpose).Service, actor.Role, record.Type.Definition.Name, record.Json);
        if (scope is { } refused)
        {
            var denied = Decision.Deny(refused.Refusal, decision.Flags);
            return new Admission(denied, null, [], audit.Draft(action, AuditOutcome.Deny, purposeKey, subject.Id, code: refused.Refusal.Code, rules: denied.RuleIds, flags: denied.Flags))
            {
                Detail = refused.Detail,
            };
        }

        var id = recordId ?? SubjectVault.NewId("rec");
        var (sealedRow, lookups) = RecordWriter.Seal(tenant, subject, record, id, version, purposeKey, createdAt ?? audit.Now, audit.Now);
        // What an automated agent writes about a subject is an automated decision about them (R14): noted with the record.
        var row = actor.Automated ? sealedRow with { AutomatedBy = actor.Id } : sealedRow;
        return new Admission(decision, row, lookups, audit.Draft(action, AuditOutcome.Done, purposeKey, subject.Id, [id], rules: decision.RuleIds, flags: decision.Flags));
    }
}
