namespace Cordon.Core.Care;

/// <summary>
/// What the care rules compare by, from the profile's <c>care</c> section: the code systems a diagnosis is compared in
/// (R52: "the same diagnosis") and the drug-class catalog (R55, R56).
/// </summary>
public sealed record CareSettings
{
    public const string Icd10 = "http://hl7.org/fhir/sid/icd-10";
    public const string Icd10Cn = "http://hl7.org/fhir/sid/icd-10-cn";
    public const string Snomed = "http://snomed.info/sct";

    /// <summary>ICD-10 (the WHO's and China's national clinical edition) and SNOMED CT.</summary>
    public static IReadOnlySet<string> DefaultDiagnosisCodeSystems { get; } = new HashSet<string>(StringComparer.Ordinal) { Icd10, Icd10Cn, Snomed };

    public static CareSettings Default { get; } = new();

    public IReadOnlySet<string> DiagnosisCodeSystems { get; init; } = DefaultDiagnosisCodeSystems;

    public DrugClasses Drugs { get; init; } = DrugClasses.Default;
}
