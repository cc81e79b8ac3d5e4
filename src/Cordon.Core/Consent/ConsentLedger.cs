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

            if (e.Action == ConsentAction.Withdraw)
            {
                return ConsentStatus.Withdrawn;
            }

            if (!string.Equals(e.PurposeFingerprint, currentFingerprint, StringComparison.Ordinal))
            {
                return ConsentStatus.NeedsRenewal;
            }

            return e.GivenBy == ConsentGiver.Guardian ? ConsentStatus.GrantedByGuardian : ConsentStatus.Granted;
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
            .Select(e =>
            {
                var status = e.Action == ConsentAction.Withdraw ? ConsentStatus.Withdrawn
                    : !string.Equals(fingerprintOf(e.Purpose), e.PurposeFingerprint, StringComparison.Ordinal) ? ConsentStatus.NeedsRenewal
                    : e.GivenBy == ConsentGiver.Guardian ? ConsentStatus.GrantedByGuardian
                    : ConsentStatus.Granted;
                return new ConsentCurrent(e.Purpose, e.Recipient, status, e.Time, e.NoticeVersion, e.GivenBy);
            })
            .ToList();
    }
}
