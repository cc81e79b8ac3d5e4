using Cordon.Core.Consent;

namespace Cordon.Core.Tests.Consent;

public sealed class ConsentLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_latest_event_for_a_purpose_decides()
    {
        var history = new[] { Event("consultation", ConsentAction.Grant, 0), Event("consultation", ConsentAction.Withdraw, 1) };
        Assert.Equal(ConsentStatus.Withdrawn, ConsentLedger.StatusOf(history, "consultation", null, "f1"));
        Assert.Equal(ConsentStatus.Granted, ConsentLedger.StatusOf([.. history, Event("consultation", ConsentAction.Grant, 2)], "consultation", null, "f1"));
    }

    [Fact]
    public void Events_for_other_purposes_or_recipients_do_not_count()
    {
        var history = new[] { Event("marketing.push", ConsentAction.Grant, 0), Event("consultation", ConsentAction.Grant, 1) with { Recipient = "lab" } };
        Assert.Equal(ConsentStatus.None, ConsentLedger.StatusOf(history, "consultation", null, "f1"));
        Assert.Equal(ConsentStatus.Granted, ConsentLedger.StatusOf(history, "consultation", "lab", "f1"));
    }

    [Fact]
    public void A_grant_under_another_purpose_fingerprint_needs_renewal()
    {
        Assert.Equal(ConsentStatus.NeedsRenewal, ConsentLedger.StatusOf([Event("consultation", ConsentAction.Grant, 0)], "consultation", null, "f2"));
    }

    [Fact]
    public void A_guardians_grant_is_distinguished()
    {
        Assert.Equal(ConsentStatus.GrantedByGuardian, ConsentLedger.StatusOf([Event("consultation", ConsentAction.Grant, 0) with { GivenBy = ConsentGiver.Guardian }], "consultation", null, "f1"));
    }

    [Fact]
    public void Current_state_lists_each_purpose_once()
    {
        var history = new[] { Event("a", ConsentAction.Grant, 0), Event("b", ConsentAction.Grant, 1), Event("a", ConsentAction.Withdraw, 2) };
        var current = ConsentLedger.Current(history, _ => "f1");
        Assert.Equal(["a", "b"], current.Select(c => c.Purpose));
        Assert.Equal(ConsentStatus.Withdrawn, current[0].Status);
        Assert.Equal(T0.AddMinutes(2), current[0].Since);
    }

    private static ConsentEvent Event(string purpose, ConsentAction action, int minute) => ConsentEvents.Make(purpose, action, T0.AddMinutes(minute)) with { Id = $"con_{minute}" };
}
