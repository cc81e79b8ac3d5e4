namespace Cordon.Core.Consent;

/// <summary>Derives current consent from the append-only history. The latest event per (purpose, recipient) wins.</summary>
public static class ConsentLedger
{
    /// <summary>
    /// The status for <paramref name="purpose"/> (and <paramref name="recipient"/>) given the ledger's history,
    /// the purpose's current fingerprint, and whether the subject is below the guardian-consent age.
    /// </summary>
    public static ConsentStatus StatusOf(IReadOnlyList<ConsentEvent> history, string purpose, string? recipient, string currentFingerprint)
    {
        ArgumentNullException.ThrowIfNull(history);
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var e = history[i];
            if (!string.Equals(e.Purpose, purpose, StringComparison.Ordinal) || !string.Equals(e.Recipient, recipient, StringComparison.Ordinal))
            {
                continue;
            }

            return StatusOf(e, currentFingerprint);
        }

        return ConsentStatus.None;
    }

    /// <summary>The current state of every (purpose, recipient) that appears in the history.</summary>
    public static IReadOnlyList<ConsentCurrent> Current(IReadOnlyList<ConsentEvent> history, Func<string, string?> fingerprintOf)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(fingerprintOf);
        var latest = new Dictionary<(string, string?), ConsentEvent>();
        foreach (var e in history)
        {
            latest[(e.Purpose, e.Recipient)] = e;
        }

        return latest.Values
            .OrderBy(e => e.Purpose, StringComparer.Ordinal)
            .ThenBy(e => e.Recipient, StringComparer.Ordinal)
            .Select(e => new ConsentCurrent(e.Purpose, e.Recipient, StatusOf(e, fingerprintOf(e.Purpose)), e.Time, e.NoticeVersion, e.GivenBy))
            .ToList();
    }

    /// <summary>What one (latest) event means now: a withdrawal or a refusal is no consent; a grant under another fingerprint needs renewal (R04).</summary>
    public static ConsentStatus StatusOf(ConsentEvent latest, string? currentFingerprint) => Guard.NotNull(latest).Action switch
    {
        ConsentAction.Withdraw => ConsentStatus.Withdrawn,
        ConsentAction.Refuse => ConsentStatus.Refused,
        _ when !string.Equals(latest.PurposeFingerprint, currentFingerprint, StringComparison.Ordinal) => ConsentStatus.NeedsRenewal,
        _ => latest.GivenBy == ConsentGiver.Guardian ? ConsentStatus.GrantedByGuardian : ConsentStatus.Granted,
    };
}
