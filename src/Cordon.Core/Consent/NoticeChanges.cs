using Cordon.Core.Decisions;

namespace Cordon.Core.Consent;

public enum PurposeChangeKind : byte
{
    /// <summary>What the purpose collects, how, or with whom changed: its consents need renewal (R04).</summary>
    Changed,
    Added,
    Removed,
}

/// <summary>One purpose whose notice content differs between two profiles.</summary>
public sealed record PurposeChange(string Purpose, PurposeChangeKind Kind)
{
    public string KindKey => Kind switch
    {
        PurposeChangeKind.Changed => "changed",
        PurposeChangeKind.Added => "added",
        _ => "removed",
    };
}

/// <summary>
/// Which purposes a new profile changes, by their fingerprints (PIPL Art. 14; R04): a changed purpose's consents need
/// renewal, an unchanged purpose keeps its consents, whatever else the notice rewords.
/// </summary>
public static class NoticeChanges
{
    /// <summary>Changed and added purposes in the new profile's order, then removed ones in the old profile's order.</summary>
    public static IReadOnlyList<PurposeChange> Between(AccessPolicy before, AccessPolicy after)
    {
        Guard.NotNull(before);
        Guard.NotNull(after);
        var changes = new List<PurposeChange>();
        for (var i = 0; i < after.PurposeCount; i++)
        {
            var key = after.Purpose(i).Key;
            var old = before.PurposeFingerprint(key);
            if (old is null)
            {
                changes.Add(new PurposeChange(key, PurposeChangeKind.Added));
            }
            else if (!string.Equals(old, after.PurposeFingerprint(i), StringComparison.Ordinal))
            {
                changes.Add(new PurposeChange(key, PurposeChangeKind.Changed));
            }
        }

        for (var i = 0; i < before.PurposeCount; i++)
        {
            var key = before.Purpose(i).Key;
            if (!after.TryGetPurpose(key, out _))
            {
                changes.Add(new PurposeChange(key, PurposeChangeKind.Removed));
            }
        }

        return changes;
    }
}
