using Cordon.Core.Consent;
using Cordon.Core.Profiles;
using Cordon.Core.Tests.Decisions;

namespace Cordon.Core.Tests.Consent;

/// <summary>R05 (ask once) and R04 (renewal) as the consent-prompt list states them.</summary>
public sealed class ConsentPromptTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
    private static readonly Profile Profile = TestProfiles.Hospital();

    [Fact]
    public void A_refused_optional_consent_is_not_asked_for_again_within_the_period_R05()
    {
        var history = new[] { Event("newsletter", ConsentAction.Refuse, T0) };

        var within = Prompt(history, "newsletter", T0.AddDays(179));
        Assert.Equal(PromptAdvice.Wait, within.Advice);
        Assert.False(within.MayAsk);
        Assert.Equal(ConsentStatus.Refused, within.Status);
        Assert.Equal(T0.AddDays(180), within.AskAfter);
        Assert.Equal("R05", within.Rule);

        var after = Prompt(history, "newsletter", T0.AddDays(180));
        Assert.Equal(PromptAdvice.Ask, after.Advice);
        Assert.True(after.MayAsk);
    }

    [Fact]
    public void The_period_comes_from_the_profile_and_counts_from_the_latest_withdrawal()
    {
        var history = new[] { Event("newsletter", ConsentAction.Grant, T0), Event("newsletter", ConsentAction.Withdraw, T0.AddDays(10)) };
        Assert.Equal(PromptAdvice.Wait, Prompt(history, "newsletter", T0.AddDays(39), reaskAfterDays: 30).Advice);
        Assert.Equal(T0.AddDays(40), Prompt(history, "newsletter", T0.AddDays(39), reaskAfterDays: 30).AskAfter);
        Assert.Equal(PromptAdvice.Ask, Prompt(history, "newsletter", T0.AddDays(40), reaskAfterDays: 30).Advice);
    }

    [Fact]
    public void Granted_consents_are_not_asked_for_and_never_asked_ones_are()
    {
        var prompts = ConsentPrompts.For([Event("newsletter", ConsentAction.Grant, T0)], Profile.Purposes, Fingerprint, false, T0, 180);
        Assert.Equal(PromptAdvice.Granted, prompts.Single(p => p.Purpose.Key == "newsletter").Advice);
        Assert.Equal(PromptAdvice.Ask, prompts.Single(p => p.Purpose.Key == "consultation").Advice);
    }

    [Fact]
    public void A_grant_under_an_older_purpose_description_may_be_asked_for_at_once_as_a_renewal_R04()
    {
        var prompt = ConsentPrompts.For([Event("newsletter", ConsentAction.Grant, T0) with { PurposeFingerprint = "old" }], Profile.Purposes, Fingerprint, false, T0, 180)
            .Single(p => p.Purpose.Key == "newsletter");
        Assert.Equal(PromptAdvice.Renew, prompt.Advice);
        Assert.True(prompt.MayAsk);
        Assert.Equal("R04", prompt.Rule);
    }

    [Fact]
    public void Purposes_that_need_no_consent_are_not_listed_and_necessary_ones_may_always_be_asked_for()
    {
        var necessary = new PurposeDef
        {
            Key = "registration",
            Name = "registration",
            Description = "d",
            LegalBasis = LegalBasis.Consent,
            Consent = ConsentRequirement.General,
            Necessary = true,
            WriteRoles = new HashSet<Core.Access.Role>(),
            ReadRoles = new HashSet<Core.Access.Role> { Core.Access.Role.App },
            Collect = new Dictionary<string, IReadOnlySet<string>>(),
            Read = new Dictionary<string, IReadOnlySet<string>>(),
            Retention = RetentionPeriod.FromYears(1),
            Notice = new PurposeNotice { Method = "m" },
        };
        var prompts = ConsentPrompts.For([Event("registration", ConsentAction.Refuse, T0)], [.. Profile.Purposes, necessary], Fingerprint, false, T0.AddDays(1), 180);

        Assert.DoesNotContain(prompts, p => p.Purpose.Key is "account" or "record-keeping");
        var registration = prompts.Single(p => p.Purpose.Key == "registration");
        Assert.True(registration.Necessary);
        Assert.Equal(PromptAdvice.Ask, registration.Advice);
    }

    [Fact]
    public void A_childs_own_grant_leaves_the_guardian_to_be_asked_R03()
    {
        var prompt = ConsentPrompts.For([Event("newsletter", ConsentAction.Grant, T0)], Profile.Purposes, Fingerprint, true, T0, 180).Single(p => p.Purpose.Key == "newsletter");
        Assert.Equal(PromptAdvice.Ask, prompt.Advice);
        Assert.Equal("R03", prompt.Rule);
    }

    [Fact]
    public void A_refusal_reads_as_refused_in_the_ledger_and_counts_as_no_consent()
    {
        var history = new[] { Event("newsletter", ConsentAction.Grant, T0), Event("newsletter", ConsentAction.Refuse, T0.AddDays(1)) };
        Assert.Equal(ConsentStatus.Refused, ConsentLedger.StatusOf(history, "newsletter", null, "f1"));
        Assert.Equal(ConsentStatus.Refused, ConsentLedger.Current(history, _ => "f1").Single().Status);
        Assert.Equal("refused", ConsentStatus.Refused.ToKey());
        Assert.Equal("refuse", ConsentAction.Refuse.ToKey());
    }

    private static string? Fingerprint(string purpose) => "f1";

    private static ConsentPrompt Prompt(IReadOnlyList<ConsentEvent> history, string purpose, DateTimeOffset now, int reaskAfterDays = 180)
        => ConsentPrompts.For(history, Profile.Purposes, Fingerprint, false, now, reaskAfterDays).Single(p => p.Purpose.Key == purpose);

    private static ConsentEvent Event(string purpose, ConsentAction action, DateTimeOffset time) => ConsentEvents.Make(purpose, action, time);
}
