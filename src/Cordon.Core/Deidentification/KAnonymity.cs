using Cordon.Core.Decisions;

namespace Cordon.Core.Deidentification;

/// <summary>k-anonymity of a release: k, the number of equivalence classes, and the records in classes smaller than the minimum.</summary>
public sealed record KAnonymityReport(int K, int Records, int Classes, int MinimumK, IReadOnlyList<string> RecordsBelowMinimum)
{
    public bool MeetsMinimum => Records == 0 || K >= MinimumK;
}

/// <summary>
/// Groups a cohort's records by their quasi-identifier tuple (as written: birth year, gender, province, city and what the
/// rules mark) and measures k, the size of the smallest group. A record is a subject: the quasi-identifiers of all its
/// resources make one tuple. Feed it the results of <see cref="DeidentificationPlan.Apply"/>; not thread-safe.
/// </summary>
public sealed class KAnonymity
{
    private readonly Dictionary<string, SortedDictionary<string, string>> _records = new(StringComparer.Ordinal);

    /// <summary>Adds a resource's quasi-identifiers to its subject's tuple (a resource with none adds nothing).</summary>
    public void Add(DeidentifiedResource resource)
    {
        Guard.NotNull(resource);
        if (resource.Written && resource.QuasiIdentifiers.Count > 0)
        {
            Add(resource.Subject, resource.QuasiIdentifiers);
        }
    }

    /// <summary>Adds quasi-identifiers (name → value) to the tuple of <paramref name="record"/>.</summary>
    public void Add(string record, IEnumerable<KeyValuePair<string, string>> quasiIdentifiers)
    {
        Guard.NotNull(record);
        Guard.NotNull(quasiIdentifiers);
        if (!_records.TryGetValue(record, out var tuple))
        {
            _records[record] = tuple = new SortedDictionary<string, string>(StringComparer.Ordinal);
        }

        foreach (var (name, value) in quasiIdentifiers)
        {
            tuple[name] = tuple.TryGetValue(name, out var before) && before != value ? $"{before}|{value}" : value;
        }
    }

    public int Records => _records.Count;

    public KAnonymityReport Report(int minimumK)
    {
        Guard.That(minimumK >= 1, "the minimum k is at least 1");
        var classes = _records
            .GroupBy(r => string.Join('\u001f', r.Value.Select(q => $"{q.Key}={q.Value}")), StringComparer.Ordinal)
            .Select(g => g.Select(r => r.Key).ToList())
            .ToList();
        var k = classes.Count == 0 ? 0 : classes.Min(c => c.Count);
        var below = classes.Where(c => c.Count < minimumK).SelectMany(c => c).Order(StringComparer.Ordinal).ToList();
        return new KAnonymityReport(k, _records.Count, classes.Count, minimumK, below);
    }

    /// <summary>The report when every record is in a class of at least <paramref name="minimumK"/>; otherwise the refusal <c>deidentify.k-anonymity-too-low</c>.</summary>
    public Result<KAnonymityReport> CheckRelease(int minimumK)
    {
        var report = Report(minimumK);
        if (report.MeetsMinimum)
        {
            return report;
        }

        return Failure.From(Refusals.KAnonymityTooLow, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"k is {report.K}, below the minimum {minimumK}: {report.RecordsBelowMinimum.Count} of {report.Records} records are in classes smaller than {minimumK} ({report.Classes} classes)."));
    }
}
