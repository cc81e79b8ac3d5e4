using Cordon.Core.Decisions;
using Cordon.Core.Profiles;

namespace Cordon.Core.Consent;

/// <summary>What the app should do about one purpose's consent prompt right now.</summary>
public enum PromptAdvice : byte
{
    /// <summary>Consent is in place: nothing to ask.</summary>
    Granted,

    /// <summary>The app may ask (never asked, or the quiet period after a refusal or withdrawal is over).</summary>
    Ask,

    /// <summary>The app may ask, to renew a consent given under an older description of the purpose (R04).</summary>
    Renew,

    /// <summary>The subject refused or withdrew recently: do not ask again before <see cref="ConsentPrompt.AskAfter"/> (R05).</summary>
    Wait,
}

/// <summary>
/// One purpose on the consent-prompt list: its current state, whether the app may ask now, until when it may not, and
/// the rule that decided. <see cref="Necessary"/> purposes are part of the basic service; the others are optional.
/// </summary>
public sealed record ConsentPrompt(PurposeDef Purpose, ConsentStatus Status, PromptAdvice Advice, DateTimeOffset? AskAfter, string? Rule)
{
    public bool Necessary => Purpose.Necessary;

    public bool MayAsk => Advice is PromptAdvice.Ask or PromptAdvice.Renew;
}

/// <summary>
/// The ask-once rule (R05, NDSMR Art. 22(5)): after a clear refusal, or a withdrawal, of an optional consent the app
/// does not ask again for the profile's <c>consentReaskAfterDays</c>. Necessary purposes may always be asked for, since
/// the basic service cannot run without them (PIPL Art. 16). A grant that needs renewal may be asked for at once (R04).
/// </summary>
public static class ConsentPrompts
{
    /// <summary>
    /// Every purpose that needs this subject's consent, in profile order, with its advice at <paramref name="now"/>.
    /// Only purpose-level consents count (per-recipient consents are asked for when sharing).
    /// </summary>
    public static IReadOnlyList<ConsentPrompt> For(IReadOnlyList<ConsentEvent> history, IEnumerable<PurposeDef> purposes, Func<string, string?> fingerprintOf, bool underGuardianAge, DateTimeOffset now, int reaskAfterDays)
    {
        Guard.NotNull(history);
        Guard.NotNull(purposes);
        Guard.NotNull(fingerprintOf);
        Guard.That(reaskAfterDays > 0, "the re-ask period is at least one day");
        var latest = new Dictionary<string, ConsentEvent>(StringComparer.Ordinal);
        foreach (var e in history)
        {
            if (e.Recipient is null)
            {
                latest[e.Purpose] = e;
            }
        }

        var prompts = new List<ConsentPrompt>();
        foreach (var purpose in purposes)
        {
            if (!AccessPolicy.ConsentRequired(purpose, underGuardianAge))
            {
                continue;
            }

            var last = latest.GetValueOrDefault(purpose.Key);
            var status = last is null ? ConsentStatus.None : ConsentLedger.StatusOf(last, fingerprintOf(purpose.Key));
            prompts.Add(Advise(purpose, status, last, underGuardianAge, now, reaskAfterDays));
        }

        return prompts;
    }

    private static ConsentPrompt Advise(PurposeDef purpose, ConsentStatus status, ConsentEvent? last, bool underGuardianAge, DateTimeOffset now, int reaskAfterDays)
    {
        if (status == ConsentStatus.NeedsRenewal)
        {
            return new(purpose, status, PromptAdvice.Renew, null, "R04");
        }

        if (AccessPolicy.ConsentRefusal(purpose, status, underGuardianAge) is null)
        {
            return new(purpose, status, PromptAdvice.Granted, null, null);
        }

        if (status is ConsentStatus.Refused or ConsentStatus.Withdrawn && !purpose.Necessary)
        {
            var askAfter = last!.Time.AddDays(reaskAfterDays);
            return now < askAfter
                ? new(purpose, status, PromptAdvice.Wait, askAfter, "R05")
                : new(purpose, status, PromptAdvice.Ask, null, "R05");
        }

        // Never asked; a necessary purpose; or a child's own grant, which only a guardian's can replace (R03).
        return new(purpose, status, PromptAdvice.Ask, null, underGuardianAge && status == ConsentStatus.Granted ? "R03" : null);
    }

    public static string ToKey(this PromptAdvice advice) => advice switch
    {
        PromptAdvice.Granted => "granted",
        PromptAdvice.Ask => "ask",
        PromptAdvice.Renew => "renew",
        PromptAdvice.Wait => "wait",
        _ => throw new ArgumentOutOfRangeException(nameof(advice)),
    };
}
