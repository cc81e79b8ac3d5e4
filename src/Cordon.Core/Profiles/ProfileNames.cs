using Cordon.Core.Crypto;

namespace Cordon.Core.Profiles;

/// <summary>The keys a profile uses for its enumerations, and the fixed vocabularies (services, recipient kinds, rights).</summary>
public static class ProfileNames
{
    private static readonly (OperatorType Value, string Key)[] OperatorTypes =
    [
        (OperatorType.MedicalInstitution, "medical-institution"),
        (OperatorType.InternetHospital, "internet-hospital"),
        (OperatorType.HealthInformationService, "health-information-service"),
    ];

    private static readonly (LegalBasis Value, string Key)[] LegalBases =
    [
        (LegalBasis.Consent, "consent"),
        (LegalBasis.Contract, "contract"),
        (LegalBasis.LegalDuty, "legal-duty"),
        (LegalBasis.HealthEmergency, "health-emergency"),
        (LegalBasis.News, "news"),
        (LegalBasis.PublicInformation, "public-information"),
        (LegalBasis.OtherLaw, "other-law"),
    ];

    private static readonly (ConsentRequirement Value, string Key)[] ConsentKinds =
    [
        (ConsentRequirement.None, "none"),
        (ConsentRequirement.General, "general"),
        (ConsentRequirement.Separate, "separate"),
        (ConsentRequirement.Written, "written"),
    ];

    private static readonly (AfterRetention Value, string Key)[] AfterRetentions =
    [
        (AfterRetention.Delete, "delete"),
        (AfterRetention.Anonymise, "anonymise"),
    ];

    private static readonly (CryptoSuiteId Value, string Key)[] CryptoSuites =
    [
        (CryptoSuiteId.Standard, "standard"),
        (CryptoSuiteId.National, "national"),
    ];

    /// <summary>The services a purpose can belong to.</summary>
    public static IReadOnlyList<string> Services { get; } =
    [
        "account", "appointment", "consultation", "prescription", "test-results", "health-advice",
        "health-information", "payment", "marketing", "research", "security", "record-keeping", "telemedicine",
    ];

    /// <summary>
    /// Services that are diagnosis or treatment, which only a medical institution may offer (R59); telemedicine (a remote
    /// consultation requested by one medical institution of another) among them.
    /// </summary>
    public static IReadOnlyList<string> DiagnosisServices { get; } = ["consultation", "prescription", "telemedicine"];

    public const string MarketingService = "marketing";

    /// <summary>Kinds of recipient (R10, R11).</summary>
    public static IReadOnlyList<string> RecipientKinds { get; } = ["entrusted-processor", "controller", "joint-controller", "sdk", "cloud", "public"];

    /// <summary>Recipient kinds that process on the operator's behalf under a contract (entrusting, R11).</summary>
    public static IReadOnlyList<string> ProcessorKinds { get; } = ["entrusted-processor", "sdk", "cloud"];

    /// <summary>How a recipient receives data through the egress gate.</summary>
    public static IReadOnlyList<string> DeliveryMethods { get; } = ["api", "package", "sdk"];

    /// <summary>Recipient kinds that decide purposes and means themselves: giving them data is a provision under PIPL Art. 23 (R10).</summary>
    public static IReadOnlyList<string> ControllerKinds { get; } = ["controller", "joint-controller"];

    /// <summary>The rights every notice must say how to exercise (PIPL Art. 44–50, NDSMR Art. 21; R09).</summary>
    public static IReadOnlyList<string> Rights { get; } =
    [
        "access", "copy", "portability", "correction", "deletion", "restriction", "withdrawal", "cancellation", "explanation", "complaint",
    ];

    public static string ToKey(this OperatorType value) => KeyOf(OperatorTypes, value);

    public static string ToKey(this LegalBasis value) => KeyOf(LegalBases, value);

    public static string ToKey(this ConsentRequirement value) => KeyOf(ConsentKinds, value);

    public static string ToKey(this AfterRetention value) => KeyOf(AfterRetentions, value);

    public static string ToKey(this CryptoSuiteId value) => KeyOf(CryptoSuites, value);

    public static bool TryParseOperatorType(string? key, out OperatorType value) => TryParse(OperatorTypes, key, out value);

    public static bool TryParseLegalBasis(string? key, out LegalBasis value) => TryParse(LegalBases, key, out value);

    public static bool TryParseConsent(string? key, out ConsentRequirement value) => TryParse(ConsentKinds, key, out value);

    public static bool TryParseAfterRetention(string? key, out AfterRetention value) => TryParse(AfterRetentions, key, out value);

    public static bool TryParseCryptoSuite(string? key, out CryptoSuiteId value) => TryParse(CryptoSuites, key, out value);

    internal static string KeysOf<T>(IReadOnlyList<(T Value, string Key)> table) => string.Join(", ", table.Select(t => t.Key));

    internal static string OperatorTypeKeys => KeysOf(OperatorTypes);

    internal static string LegalBasisKeys => KeysOf(LegalBases);

    internal static string ConsentKeys => KeysOf(ConsentKinds);

    internal static string AfterRetentionKeys => KeysOf(AfterRetentions);

    internal static string CryptoSuiteKeys => KeysOf(CryptoSuites);

    private static string KeyOf<T>((T Value, string Key)[] table, T value)
        where T : struct, Enum
    {
        foreach (var (v, k) in table)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                return k;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, null);
    }

    private static bool TryParse<T>((T Value, string Key)[] table, string? key, out T value)
        where T : struct, Enum
    {
        foreach (var (v, k) in table)
        {
            if (string.Equals(k, key, StringComparison.Ordinal))
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }
}
