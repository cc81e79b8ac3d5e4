namespace Cordon.Server.Import;

/// <summary>What to do with a value that does not have its field's declared format (a US phone number where the catalog expects a mainland mobile).</summary>
public enum InvalidValueHandling
{
    /// <summary>Refuse the whole resource, as the API would (the default: nothing is silently changed).</summary>
    Refuse,

    /// <summary>Drop only the offending element (the value itself), count it, and store the rest of the resource.</summary>
    DropField,
}

/// <summary>How an import runs.</summary>
public sealed record ImportOptions
{
    /// <summary>The purpose the records are written under (its collect sets and consent apply).</summary>
    public string Purpose { get; init; } = "record-keeping";

    public InvalidValueHandling OnInvalid { get; init; } = InvalidValueHandling.Refuse;

    /// <summary>Records per storage transaction (each with its audit entry).</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>The actor named in the audit entries.</summary>
    public string Actor { get; init; } = "cordon-import";
}

/// <summary>Where an import stands: for progress bars.</summary>
public readonly record struct ImportProgress(string File, int FileNumber, int Files, long BytesDone, long BytesTotal, long Records, long Refused);

/// <summary>Where a refused resource was (file and line or entry), its type and why: never a value.</summary>
public sealed record ImportRefusal(string Where, string Type, string Code);

/// <summary>The outcome of an import: counts only, never values.</summary>
public sealed class ImportReport
{
    public const int ListedRefusals = 20;

    public int Files { get; internal set; }

    /// <summary>Resources read (Bundles count their entries, not themselves).</summary>
    public long Resources { get; internal set; }

    public int SubjectsCreated { get; internal set; }

    /// <summary>Patients whose external id was already a subject of the tenant (their records are added to it).</summary>
    public int SubjectsMatched { get; internal set; }

    /// <summary>Subjects below the guardian-consent age created without a guardian (link one before any consent-based processing).</summary>
    public int MinorsWithoutGuardian { get; internal set; }

    /// <summary>Stored records by type.</summary>
    public SortedDictionary<string, long> Records { get; } = new(StringComparer.Ordinal);

    /// <summary>Resources of types the catalog does not declare, by type: not stored.</summary>
    public SortedDictionary<string, long> Skipped { get; } = new(StringComparer.Ordinal);

    /// <summary>Catalogued resources that belong to no patient (no subject or patient reference, not in a one-patient Bundle), by type: not stored.</summary>
    public SortedDictionary<string, long> Unlinked { get; } = new(StringComparer.Ordinal);

    /// <summary>Refused resources by reason (the problem code): nothing of them is stored.</summary>
    public SortedDictionary<string, long> Refused { get; } = new(StringComparer.Ordinal);

    /// <summary>Elements dropped under <see cref="InvalidValueHandling.DropField"/>, by type, path and format.</summary>
    public SortedDictionary<string, long> Dropped { get; } = new(StringComparer.Ordinal);

    /// <summary>The first refusals with their place in the input.</summary>
    public List<ImportRefusal> FirstRefusals { get; } = [];

    public TimeSpan Elapsed { get; internal set; }

    public long RecordsStored => Records.Values.Sum();

    public long RefusedTotal => Refused.Values.Sum();

    public double RecordsPerSecond => Elapsed.TotalSeconds > 0 ? RecordsStored / Elapsed.TotalSeconds : 0;

    internal static void Count(SortedDictionary<string, long> counts, string key, long n = 1) => counts[key] = counts.GetValueOrDefault(key) + n;
}
