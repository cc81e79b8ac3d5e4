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

/// <summary>An element of a refused resource and what is wrong with it; no path when the resource is refused as a whole. Never a value.</summary>
public sealed record ImportIssue(string? Path, string Reason);

/// <summary>Where a refused resource was (file and line or entry), its type and why: the code, the elements and reasons, what would help. Never a value.</summary>
public sealed record ImportRefusal(string Where, string Type, string Code)
{
    /// <summary>At most this many elements are listed for one refusal (the counts by element hold them all).</summary>
    public const int ListedIssues = 10;

    public IReadOnlyList<ImportIssue> Issues { get; init; } = [];

    /// <summary>What would let the resource in: a flag, a profile change, a fix at the source (<see cref="ImportHints"/>).</summary>
    public string? Hint { get; init; }
}

/// <summary>What would help, per refusal code: the flag, the profile change or the fix at the source.</summary>
public static class ImportHints
{
    private static readonly Dictionary<string, string> Hints = new(StringComparer.Ordinal)
    {
        ["validation.failed"] = "--on-invalid drop-field drops exactly the values that fail their field's format and stores the rest (counted under dropped); or correct the values at the source",
        ["fhir.invalid"] = "correct the resource at its source: Cordon stores valid FHIR R4 only, and no flag stores it as it is",
        ["catalog.unclassified-field"] = "classify the element in the profile's catalog (catalog.<type>.fields, docs/profile.md) and publish the profile, or leave the element out at the source",
        ["minimization.field-not-allowed"] = "import under a purpose that collects these elements (--purpose record-keeping collects every classified element of the medical-record types), or add them to the purpose's collect set in the profile",
        ["minimization.type-not-allowed"] = "import under a purpose that collects the type (--purpose record-keeping), or add the type to the purpose's collect set in the profile",
        ["consent.missing"] = "record the subjects' consent to the purpose first, or import under a purpose that needs none (--purpose record-keeping, the legal duty to keep medical records)",
        ["import.no-patient"] = "import the Patient in the same run or in an earlier one (a later run finds it by its id)",
        ["import.patient-birth-date"] = "give the Patient a full birthDate (YYYY-MM-DD); the resources that refer to it are refused with it",
        ["import.patient-without-id"] = "give the Patient an id or an identifier; the resources that refer to it are refused with it",
        ["import.no-resource-type"] = "name the resource's type in resourceType",
        ["request.malformed"] = "correct the JSON at its source; the rest of the input was imported",
        ["import.subject-conflict"] = "run the import again: the subject exists now and is matched by its external id",
    };

    /// <summary>The hint for a refusal code, or null when the code's entry in docs/api.md is all there is to say.</summary>
    public static string? For(string code) => Hints.GetValueOrDefault(code);
}

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

    /// <summary>
    /// Every refused resource's elements, counted by type, element path, reason and code (<c>Patient.telecom.value: … (validation.failed)</c>);
    /// a refusal that names no element is counted under its type and reason. Never a value.
    /// </summary>
    public SortedDictionary<string, long> RefusedElements { get; } = new(StringComparer.Ordinal);

    /// <summary>Resources stored for their subject by an earlier import (same type and id, or same Bundle entry full URL), by type: not stored again, not audited again.</summary>
    public SortedDictionary<string, long> AlreadyStored { get; } = new(StringComparer.Ordinal);

    /// <summary>Elements dropped under <see cref="InvalidValueHandling.DropField"/>, by type, path and format.</summary>
    public SortedDictionary<string, long> Dropped { get; } = new(StringComparer.Ordinal);

    /// <summary>The first refusals with their place in the input.</summary>
    public List<ImportRefusal> FirstRefusals { get; } = [];

    public TimeSpan Elapsed { get; internal set; }

    public long RecordsStored => Records.Values.Sum();

    public long RefusedTotal => Refused.Values.Sum();

    public long AlreadyStoredTotal => AlreadyStored.Values.Sum();

    public double RecordsPerSecond => Elapsed.TotalSeconds > 0 ? RecordsStored / Elapsed.TotalSeconds : 0;

    internal static void Count(SortedDictionary<string, long> counts, string key, long n = 1) => counts[key] = counts.GetValueOrDefault(key) + n;
}
