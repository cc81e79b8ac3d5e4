using Cordon.Core.Care;
using Cordon.Core.Consent;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract: automated decisions (R14): the refusal ledger and the records automated agents wrote.</summary>
public abstract partial class StoreContract
{
    private static AutomatedDecisionEvent AutomatedEvent(string id, string subject, AutomatedDecisionAction action, DateTimeOffset at) => new()
    {
        Id = id,
        Tenant = Tenant,
        SubjectId = subject,
        Action = action,
        GivenBy = ConsentGiver.Self,
        Channel = "app",
        ActorId = "app-backend",
        Time = at,
    };

    [Fact]
    public async Task A_refusal_and_its_withdrawal_are_appended_with_their_audit_entries_and_the_latest_decides_even_at_the_same_instant()
    {
        var subject = await CreateSubjectAsync("sub_adr");
        Assert.Null(await Store.GetLatestAutomatedDecisionEventAsync(Tenant, subject, default));
        var audited = await CountAuditAsync();

        await Store.AppendAutomatedDecisionEventAsync(AutomatedEvent("adr_2", subject, AutomatedDecisionAction.Refuse, T0), Audit("automated-decision.refuse", subject), default);
        Assert.Equal(AutomatedDecisionAction.Refuse, (await Store.GetLatestAutomatedDecisionEventAsync(Tenant, subject, default))!.Action);
        await Store.AppendAutomatedDecisionEventAsync(AutomatedEvent("adr_1", subject, AutomatedDecisionAction.Withdraw, T0), Audit("automated-decision.withdraw", subject), default);

        var latest = await Store.GetLatestAutomatedDecisionEventAsync(Tenant, subject, default);
        Assert.Equal("adr_1", latest!.Id);
        Assert.Equal(AutomatedDecisionAction.Withdraw, latest.Action);
        Assert.Equal(T0, latest.Time);
        Assert.Equal(["adr_2", "adr_1"], (await Store.GetAutomatedDecisionHistoryAsync(Tenant, subject, default)).Select(e => e.Id));
        Assert.Equal(audited + 2, await CountAuditAsync());
        Assert.Null(await Store.GetLatestAutomatedDecisionEventAsync("other-tenant", subject, default));
    }

    [Fact]
    public async Task A_record_an_automated_agent_writes_is_noted_with_it_per_version_and_a_human_write_is_not()
    {
        var subject = await CreateSubjectAsync("sub_adw");
        await Store.PutRecordAsync(Record("rec_ai", subject, "Observation", 1) with { AutomatedBy = "triage-bot" }, [], Audit("record.write", subject), default);
        await Store.PutRecordAsync(Record("rec_human", subject, "Observation", 1), [], Audit("record.write", subject), default);
        Assert.Equal(WriteStatus.Done, await Store.PutRecordVersionAsync(Record("rec_human", subject, "Observation", 2) with { AutomatedBy = "triage-bot" }, 1, [], Audit("record.correct", subject), default));

        var rows = await Store.ListAutomatedRecordsAsync(Tenant, subject, default);

        Assert.Equal([("rec_ai", 1), ("rec_human", 2)], rows.Select(r => (r.RecordId, r.Version)).Order());
        Assert.All(rows, r => Assert.Equal("triage-bot", r.ActorId));
        Assert.All(rows, r => Assert.True(r.OnFile));
        Assert.All(rows, r => Assert.Equal("Observation", r.Type));
        Assert.Empty(await Store.ListAutomatedRecordsAsync(Tenant, "sub_none", default));
    }
}
