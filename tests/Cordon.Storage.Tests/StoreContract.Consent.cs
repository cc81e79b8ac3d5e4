using Cordon.Core.Consent;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract: The consent ledger.</summary>
public abstract partial class StoreContract
{
    [Fact]
    public async Task The_consent_ledger_returns_history_in_order()
    {
        var subject = await CreateSubjectAsync("sub_c");
        await Store.AppendAsync(Consent("c1", subject, ConsentAction.Grant), Audit("consent.grant", subject), default);
        await Store.AppendAsync(Consent("c2", subject, ConsentAction.Withdraw), Audit("consent.withdraw", subject), default);
        await Store.AppendAsync(Consent("c3", subject, ConsentAction.Grant), Audit("consent.grant", subject), default);

        var history = await Store.GetHistoryAsync(Tenant, subject, default);

        Assert.Equal(["c1", "c2", "c3"], history.Select(e => e.Id));
        Assert.Equal(ConsentAction.Withdraw, history[1].Action);
        Assert.Equal("consultation", history[0].Purpose);
    }

    [Fact]
    public async Task The_latest_consent_event_of_a_purpose_and_recipient_is_the_one_decisions_read()
    {
        var subject = await CreateSubjectAsync("sub_l");
        Assert.Null(await Store.GetLatestConsentAsync(Tenant, subject, "consultation", null, default));
        await Store.AppendAsync(Consent("l1", subject, ConsentAction.Grant), Audit("consent.grant", subject), default);
        await Store.AppendAsync(Consent("l2", subject, ConsentAction.Grant) with { Purpose = "marketing.push" }, Audit("consent.grant", subject), default);
        await Store.AppendAsync(Consent("l3", subject, ConsentAction.Withdraw), Audit("consent.withdraw", subject), default);
        await Store.AppendAsync(Consent("l4", subject, ConsentAction.Grant) with { Recipient = "partner-pharmacy" }, Audit("consent.grant", subject), default);

        Assert.Equal("l3", (await Store.GetLatestConsentAsync(Tenant, subject, "consultation", null, default))!.Id);
        Assert.Equal("l2", (await Store.GetLatestConsentAsync(Tenant, subject, "marketing.push", null, default))!.Id);
        Assert.Equal("l4", (await Store.GetLatestConsentAsync(Tenant, subject, "consultation", "partner-pharmacy", default))!.Id);
        Assert.Null(await Store.GetLatestConsentAsync(Tenant, subject, "payment", null, default));
    }
}
