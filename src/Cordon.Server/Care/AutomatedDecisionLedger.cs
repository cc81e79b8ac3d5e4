using Cordon.Core.Care;
using Cordon.Core.Decisions;
using Cordon.Server.Decisions;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Care;

/// <summary>One automated decision about a subject: the record an automated agent wrote, and why it counts as one (R14).</summary>
public sealed record AutomatedDecisionView(string RecordId, int Version, string Type, string Purpose, string PurposeName, string Actor, DateTimeOffset Time, bool OnFile, bool Used, string Why);

/// <summary>The subject's automated decisions and whether they refused them (PIPL Art. 24, 48).</summary>
public sealed record AutomatedDecisionsSummary(bool Refused, DateTimeOffset? RefusedSince, IReadOnlyList<AutomatedDecisionView> Decisions);

/// <summary>What a read must withhold for a subject who refused automated decisions: the automated agent altogether, or the records automated agents wrote.</summary>
public readonly record struct AutomatedWithholding(Refusal? Refusal, IReadOnlySet<(string RecordId, int Version)>? Records)
{
    public static AutomatedWithholding None => default;

    /// <summary>Whether this version of a record was written by an automated agent for a subject who refused that.</summary>
    public bool Withholds(RecordRow row) => Records is { } records && records.Contains((row.Id, row.Version));
}

/// <summary>The subject's automated decisions as a read and the explanation see them, from the ledger and the records automated agents wrote.</summary>
public static class AutomatedDecisionLedger
{
    /// <summary>
    /// What a read by the call's actor must withhold (R14): nothing for the subject or their guardian, or when no refusal is in
    /// force; an automated agent is refused; any other reader does not see the versions automated agents wrote.
    /// <paramref name="refusedForAutomatedActor"/> is the refusal already read with the subject's facts (automated actors only).
    /// </summary>
    public static async Task<AutomatedWithholding> WithheldAsync(Call call, OpenSubject subject, bool? refusedForAutomatedActor)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(subject);
        var link = SubjectFacts.LinkOf(call.Actor, subject);
        if (!call.Actor.Automated && AutomatedDecisions.MayServeAutomatedRecord(refused: true, link))
        {
            return AutomatedWithholding.None;
        }

        var refused = call.Actor.Automated && refusedForAutomatedActor is { } known
            ? known
            : AutomatedDecisions.Refused(await call.Store.GetLatestAutomatedDecisionEventAsync(call.Tenant.Id, subject.Id, call.Aborted));
        if (AutomatedDecisions.CheckActor(call.Actor.Automated, refused) is { } refusal)
        {
            return new AutomatedWithholding(refusal, null);
        }

        if (!refused)
        {
            return AutomatedWithholding.None;
        }

        var rows = await call.Store.ListAutomatedRecordsAsync(call.Tenant.Id, subject.Id, call.Aborted);
        return new AutomatedWithholding(null, rows.Select(r => (r.RecordId, r.Version)).ToHashSet());
    }

    /// <summary>The subject's automated decisions, oldest first, and whether a refusal is in force.</summary>
    public static async Task<AutomatedDecisionsSummary> SummarizeAsync(IAutomatedDecisionStore store, Tenancy.TenantContext tenant, string subjectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(tenant);
        var history = await store.GetAutomatedDecisionHistoryAsync(tenant.Id, subjectId, cancellationToken);
        var latest = history.Count == 0 ? null : history[^1];
        var refused = AutomatedDecisions.Refused(latest);
        var rows = await store.ListAutomatedRecordsAsync(tenant.Id, subjectId, cancellationToken);
        var decisions = rows.Select(r => View(tenant, r, refused)).ToList();
        return new AutomatedDecisionsSummary(refused, refused ? latest!.Time : null, decisions);
    }

    private static AutomatedDecisionView View(Tenancy.TenantContext tenant, AutomatedRecordRow r, bool refused)
    {
        var purpose = tenant.Profile.Purposes.FirstOrDefault(p => string.Equals(p.Key, r.Purpose, StringComparison.Ordinal));
        var name = purpose is null ? r.Purpose : purpose.NameEn is { } en ? $"{purpose.Name} / {en}" : purpose.Name;
        var why = $"Written by the automated agent '{r.ActorId}' (its token carries the ai claim, no human took part in writing it) under the purpose {name}"
            + (purpose?.Service is { } service ? $" (service {service})" : string.Empty)
            + (purpose is null ? "." : $": {purpose.Description}");
        return new AutomatedDecisionView(r.RecordId, r.Version, r.Type, r.Purpose, name, r.ActorId, r.At, r.OnFile, Used: r.OnFile && !refused, why);
    }
}
