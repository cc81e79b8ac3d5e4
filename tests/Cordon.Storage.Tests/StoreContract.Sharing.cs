using Cordon.Core.Sharing;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract: Sharing: recipient evidence, assessments, the disclosure record and the year's cross-border counts.</summary>
public abstract partial class StoreContract
{
    private static DisclosureRow Disclosure(string id, DisclosureStatus status = DisclosureStatus.Started, int subjects = 1) => new()
    {
        Tenant = Tenant,
        Id = id,
        Recipient = "lab",
        Purpose = "consultation",
        ActorId = "app",
        CreatedAt = T0,
        Status = status,
        Subjects = subjects,
        Records = 2,
        Abroad = true,
        Sensitive = false,
        Deidentified = false,
        Method = "api",
    };

    [Fact]
    public async Task The_latest_evidence_of_each_kind_comes_last_even_when_recorded_in_the_same_millisecond()
    {
        foreach (var (id, kind) in new[] { ("evd_2", RecipientEvidenceRow.Contract), ("evd_1", RecipientEvidenceRow.Contract), ("evd_0", RecipientEvidenceRow.Transfer) })
        {
            await Store.PutRecipientEvidenceAsync(new RecipientEvidenceRow { Tenant = Tenant, Recipient = "lab", Kind = kind, Id = id, RecordedAt = T0, RecordedBy = "dpo", Body = "{\"n\":\"" + id + "\"}" }, Audit("recipient." + kind, null), default);
        }

        await Store.PutRecipientEvidenceAsync(new RecipientEvidenceRow { Tenant = Tenant, Recipient = "other", Kind = RecipientEvidenceRow.Contract, Id = "evd_9", RecordedAt = T0, RecordedBy = "dpo", Body = "{}" }, Audit("recipient.contract", null), default);

        var lab = await Store.ListRecipientEvidenceAsync(Tenant, "lab", default);
        Assert.Equal(["evd_2", "evd_1", "evd_0"], lab.Select(e => e.Id));
        Assert.Equal("evd_1", lab.Last(e => e.Kind == RecipientEvidenceRow.Contract).Id);
        Assert.Equal(4, (await Store.ListRecipientEvidenceAsync(Tenant, null, default)).Count);

        await Store.PutAssessmentAsync(new AssessmentRow { Tenant = Tenant, Id = "pia_b", RecordedAt = T0, RecordedBy = "dpo", Body = "{}" }, Audit("assessment.create", null), default);
        await Store.PutAssessmentAsync(new AssessmentRow { Tenant = Tenant, Id = "pia_a", RecordedAt = T0, RecordedBy = "dpo", Body = "{}" }, Audit("assessment.create", null), default);
        Assert.Equal(["pia_a", "pia_b"], (await Store.ListAssessmentsAsync(Tenant, default)).Select(a => a.Id));
        Assert.True((await VerifyAsync()).Valid);
    }

    [Fact]
    public async Task Cross_border_counts_are_of_distinct_individuals_and_a_disclosure_over_the_limit_writes_nothing()
    {
        var charge = new CrossBorderCharge(2026, Sensitive: false, MaxNonSensitive: 3, MaxSensitive: 0);
        var first = await Store.StartDisclosureAsync(Disclosure("dsc_1", subjects: 2), ["sub_a", "sub_b"], charge, [Audit("disclosure.send", "sub_a"), Audit("disclosure.send", "sub_b")], default);
        Assert.True(first.Started);
        Assert.Equal(new CrossBorderCounts(2026, 2, 0, false), first.Counts);

        // sub_b again and sub_c: one new individual.
        Assert.Equal(1, await Store.CountUncountedAsync(Tenant, 2026, false, ["sub_b", "sub_c", "sub_c"], default));
        var second = await Store.StartDisclosureAsync(Disclosure("dsc_2", subjects: 2), ["sub_b", "sub_c"], charge, [Audit("disclosure.send", "sub_b")], default);
        Assert.Equal(3, second.Counts!.NonSensitive);

        // A fourth would pass the limit: refused inside the transaction, nothing of it written.
        var audits = await ScalarAsync("SELECT COUNT(*) FROM audit_entries");
        var third = await Store.StartDisclosureAsync(Disclosure("dsc_3"), ["sub_d"], charge, [Audit("disclosure.send", "sub_d")], default);
        Assert.False(third.Started);
        Assert.Equal(4, third.Counts!.NonSensitive);
        Assert.Equal(audits, await ScalarAsync("SELECT COUNT(*) FROM audit_entries"));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM disclosures WHERE id = 'dsc_3'"));
        Assert.Equal(new CrossBorderCounts(2026, 3, 0, false), await Store.GetCrossBorderCountsAsync(Tenant, 2026, default));

        // Sensitive individuals are a set of their own, and another year starts from zero.
        var sensitive = await Store.StartDisclosureAsync(Disclosure("dsc_4"), ["sub_a"], charge with { Sensitive = true, MaxSensitive = 10 }, [], default);
        Assert.Equal(new CrossBorderCounts(2026, 3, 1, false), sensitive.Counts);
        Assert.Equal(new CrossBorderCounts(2027, 0, 0, false), await Store.GetCrossBorderCountsAsync(Tenant, 2027, default));
        Assert.Equal(3, await Store.CountUncountedAsync(Tenant, 2027, false, ["sub_a", "sub_b", "sub_c"], default));

        // Important data goes only under a mechanism that allows it (a security assessment), and marks the year.
        var important = new CrossBorderCharge(2027, false, long.MaxValue, long.MaxValue, ImportantData: true);
        Assert.False((await Store.StartDisclosureAsync(Disclosure("dsc_5"), ["sub_x"], important, [], default)).Started);
        Assert.Equal(new CrossBorderCounts(2027, 0, 0, false), await Store.GetCrossBorderCountsAsync(Tenant, 2027, default));
        Assert.True((await Store.StartDisclosureAsync(Disclosure("dsc_6"), ["sub_x"], important with { AllowsImportantData = true }, [], default)).Started);
        Assert.Equal(new CrossBorderCounts(2027, 1, 0, true), await Store.GetCrossBorderCountsAsync(Tenant, 2027, default));
        // …and a later transfer without important data in it still sees that the year has some.
        Assert.False((await Store.StartDisclosureAsync(Disclosure("dsc_7"), ["sub_y"], charge with { Year = 2027 }, [], default)).Started);
    }

    [Fact]
    public async Task Disclosures_are_listed_by_recipient_and_by_subject_and_a_finish_records_how_they_ended()
    {
        await Store.StartDisclosureAsync(Disclosure("dsc_1", subjects: 2), ["sub_a", "sub_b"], null, [Audit("disclosure.send", "sub_a")], default);
        await Store.StartDisclosureAsync(Disclosure("dsc_2", DisclosureStatus.Refused) with { Recipient = "other", Detail = "assessment.required (R25)" }, ["sub_a"], null, [Audit("disclosure.create", "sub_a")], default);
        await Store.FinishDisclosureAsync(Tenant, "dsc_1", DisclosureStatus.Delivered, "delivered (HTTP 202)", "ab12", Audit("disclosure.delivered", null), default);

        var ofA = await Store.ListDisclosuresAsync(Tenant, null, "sub_a", 10, default);
        Assert.Equal(["dsc_1", "dsc_2"], ofA.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["dsc_1"], (await Store.ListDisclosuresAsync(Tenant, null, "sub_b", 10, default)).Select(d => d.Id));
        var lab = Assert.Single(await Store.ListDisclosuresAsync(Tenant, "lab", null, 10, default));
        Assert.Equal(DisclosureStatus.Delivered, lab.Status);
        Assert.Equal("ab12", lab.PackageHash);
        Assert.Equal("delivered (HTTP 202)", lab.Detail);
        Assert.NotNull(lab.FinishedAt);
        Assert.Equal(DisclosureStatus.Refused, Assert.Single(await Store.ListDisclosuresAsync(Tenant, "other", "sub_a", 10, default)).Status);
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM crossborder_subjects"));
    }
}
