using System.Collections.Frozen;
using Cordon.Core.Profiles;
using Cordon.Core.Rules;

namespace Cordon.Core.Retention;

/// <summary>What the retention engine knows of a stored record: no content, only what retention depends on.</summary>
public readonly record struct RecordFacts(string Id, string SubjectId, string Type, string Purpose, DateTimeOffset CreatedAt);

/// <summary>Why a record stays when its subject asked for deletion (or its retention ended).</summary>
public enum KeepReason : byte
{
    /// <summary>Nothing keeps it: delete.</summary>
    None,
    /// <summary>A law sets a minimum retention that has not run out (R58, R10, R44); kept restricted (R19).</summary>
    LegalMinimum,
    /// <summary>A legal hold (litigation, an investigation) keeps it; kept restricted (R19).</summary>
    LegalHold,
}

/// <summary>The retention verdict on one record at one time.</summary>
public readonly record struct RetentionVerdict(KeepReason Keep, DateTimeOffset? KeepUntil, string? Rule, DateTimeOffset Expires, AfterRetention After)
{
    public bool MayDelete => Keep == KeepReason.None;
}

/// <summary>
/// Retention per record type and purpose, from the profile, never below the legal minimums (R18, R58, R10, R44).
/// A record expires at the later of its purpose's period (or its type's override) and its type's legal floor; it may
/// be deleted on request before expiry except while a legal floor or a legal hold runs (R19).
/// </summary>
public sealed class RetentionPolicy
{
    private readonly FrozenDictionary<string, (RetentionPeriod Period, string Rule)> _floors;
    private readonly FrozenDictionary<string, RetentionRule> _typeRules;
    private readonly FrozenDictionary<string, PurposeDef> _purposes;

    public RetentionPolicy(Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var floors = new Dictionary<string, (RetentionPeriod, string)>(StringComparer.Ordinal);
        foreach (var type in profile.Catalog.Types.Values)
        {
            if (LegalMinimums.For(type.RetentionClass) is { } floor)
            {
                floors[type.Name] = floor;
            }
        }

        _floors = floors.ToFrozenDictionary(StringComparer.Ordinal);
        _typeRules = profile.RetentionRules.ToFrozenDictionary(r => r.Type, StringComparer.Ordinal);
        _purposes = profile.Purposes.ToFrozenDictionary(p => p.Key, StringComparer.Ordinal);
    }

    /// <summary>The legal floor of a record type, with its rule; null when no law sets one.</summary>
    public (RetentionPeriod Period, string Rule)? Floor(string type) => _floors.TryGetValue(type, out var floor) ? floor : null;

    /// <summary>The declared period for a record of this type collected under this purpose (before the legal floor).</summary>
    public (RetentionPeriod Period, AfterRetention After) Declared(string type, string purpose)
    {
        if (_typeRules.TryGetValue(type, out var rule))
        {
            return (rule.Period, rule.After);
        }

        return _purposes.TryGetValue(purpose, out var def)
            ? (def.Retention, def.AfterRetention)
            // A purpose that left the profile: its records are kept no longer than the type's floor, or deleted.
            : (default, AfterRetention.Delete);
    }

    /// <summary>When the record's retention ends: the later of the declared period and the legal floor.</summary>
    public DateTimeOffset Expiry(string type, string purpose, DateTimeOffset createdAt)
    {
        var declared = Declared(type, purpose).Period.AddTo(createdAt);
        return Floor(type) is { } floor && floor.Period.AddTo(createdAt) > declared ? floor.Period.AddTo(createdAt) : declared;
    }

    /// <summary>The verdict on one record now: may it be deleted, and if not, why and until when.</summary>
    public RetentionVerdict Judge(in RecordFacts record, DateTimeOffset now, bool onLegalHold)
    {
        var (_, after) = Declared(record.Type, record.Purpose);
        var expires = Expiry(record.Type, record.Purpose, record.CreatedAt);
        if (onLegalHold)
        {
            return new RetentionVerdict(KeepReason.LegalHold, null, "R19", expires, after);
        }

        if (Floor(record.Type) is { } floor)
        {
            var until = floor.Period.AddTo(record.CreatedAt);
            if (until > now)
            {
                return new RetentionVerdict(KeepReason.LegalMinimum, until, floor.Rule, expires, after);
            }
        }

        return new RetentionVerdict(KeepReason.None, null, null, expires, after);
    }

    /// <summary>
    /// The pairs (type, purpose) the retention engine scans, each with the creation time before which its records have
    /// expired at <paramref name="now"/>. Types without a declared rule under a purpose still appear for every purpose
    /// that may collect them.
    /// </summary>
    public IReadOnlyList<(string Type, string Purpose, DateTimeOffset CreatedBefore, AfterRetention After)> Cutoffs(DateTimeOffset now, IEnumerable<(string Type, string Purpose)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var list = new List<(string, string, DateTimeOffset, AfterRetention)>();
        foreach (var (type, purpose) in pairs)
        {
            // Expiry(type, purpose, t) <= now  ⇔  t <= now − max(period, floor): find that creation time by subtraction.
            var (period, after) = Declared(type, purpose);
            var longest = Floor(type) is { } floor && floor.Period > period ? floor.Period : period;
            var cutoff = now.AddYears(-longest.Years).AddMonths(-longest.Months).AddDays(-longest.Days);
            list.Add((type, purpose, cutoff, after));
        }

        return list;
    }
}
