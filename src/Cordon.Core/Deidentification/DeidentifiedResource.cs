namespace Cordon.Core.Deidentification;

/// <summary>What was done to a resource, as the HL7 v3 ObservationValue codes its <c>meta.security</c> carries.</summary>
[Flags]
public enum SecurityLabels : byte
{
    None = 0,

    /// <summary><c>REDACTED</c>: values removed (and free text with parts replaced).</summary>
    Redacted = 1,

    /// <summary><c>PSEUDED</c>: ids, references and identifiers replaced by pseudonyms.</summary>
    Pseudonymised = 2,

    /// <summary><c>MASKED</c>: values encrypted or substituted.</summary>
    Masked = 4,

    /// <summary><c>CRYTOHASH</c> (sic, the code system's spelling): values replaced by their keyed hash.</summary>
    CryptoHashed = 8,

    /// <summary><c>PERTURBED</c>: dates shifted, numbers with noise.</summary>
    Perturbed = 16,

    /// <summary><c>GENERALIZED</c>: dates to a year or month, numbers to a range, strings through a mapping.</summary>
    Generalized = 32,
}

/// <summary>One resource after de-identification: what was done, counted, and the quasi-identifiers it carries for k-anonymity.</summary>
public sealed class DeidentifiedResource
{
    /// <summary>The system of the labels in <c>meta.security</c>.</summary>
    public const string LabelSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

    public required string ResourceType { get; init; }

    /// <summary>The pseudonymised id written (null when the resource had none or it was withheld).</summary>
    public string? Id { get; init; }

    /// <summary>The pseudonym of the subject seed: the subject's Patient id as written, when the seed was that id.</summary>
    public required string Subject { get; init; }

    /// <summary>Why nothing was written (<c>catalog.unknown-type</c>), or null when the resource was written.</summary>
    public string? Withheld { get; init; }

    public SecurityLabels Labels { get; init; }

    /// <summary>Values removed: the catalog's or a rule's redaction, and elements the catalog does not classify.</summary>
    public int Redacted { get; init; }

    /// <summary>Elements the catalog does not classify for this type, removed (part of <see cref="Redacted"/>).</summary>
    public int Unclassified { get; init; }

    public int Pseudonymised { get; init; }

    public int DatesShifted { get; init; }

    public int Generalized { get; init; }

    /// <summary>Hashed, encrypted, substituted or perturbed by an explicit rule.</summary>
    public int Transformed { get; init; }

    /// <summary>Identifying values found in free text and replaced by a placeholder.</summary>
    public int Scrubbed { get; init; }

    /// <summary>The quasi-identifiers (birth year, gender, province, city and what the rules mark), name → value as written; several values joined by <c>|</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> QuasiIdentifiers { get; init; } = [];

    public bool Written => Withheld is null;

    /// <summary>The code of each label set, in a fixed order.</summary>
    public static IEnumerable<string> Codes(SecurityLabels labels)
    {
        foreach (var (label, code) in LabelCodes)
        {
            if ((labels & label) != 0)
            {
                yield return code;
            }
        }
    }

    internal static readonly (SecurityLabels Label, string Code)[] LabelCodes =
    [
        (SecurityLabels.Redacted, "REDACTED"),
        (SecurityLabels.Pseudonymised, "PSEUDED"),
        (SecurityLabels.Masked, "MASKED"),
        (SecurityLabels.CryptoHashed, "CRYTOHASH"),
        (SecurityLabels.Perturbed, "PERTURBED"),
        (SecurityLabels.Generalized, "GENERALIZED"),
    ];
}
