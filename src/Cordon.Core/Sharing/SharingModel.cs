namespace Cordon.Core.Sharing;

/// <summary>What giving data to a recipient is in law, by the recipient's kind.</summary>
public enum SharingActivity : byte
{
    /// <summary>To another handler or a joint handler, who decides purposes and means itself (PIPL Art. 20, 23; R10).</summary>
    Provide,

    /// <summary>To a processor, an SDK or a cloud acting for us under a contract (PIPL Art. 21; R11).</summary>
    Entrust,

    /// <summary>To the public (PIPL Art. 25; R12).</summary>
    Disclose,
}

/// <summary>What an impact assessment covers (PIPL Art. 55).</summary>
public static class AssessmentScopes
{
    public const string Sensitive = "sensitive";
    public const string Sharing = "sharing";
    public const string Entrusting = "entrusting";
    public const string Disclosure = "disclosure";
    public const string Export = "export";
    public const string AutomatedDecisions = "automated-decisions";

    public static IReadOnlyList<string> All { get; } = [Sensitive, Sharing, Entrusting, Disclosure, Export, AutomatedDecisions];

    /// <summary>The scope an assessment must cover before data goes to a recipient this way.</summary>
    public static string Of(SharingActivity activity) => activity switch
    {
        SharingActivity.Provide => Sharing,
        SharingActivity.Entrust => Entrusting,
        _ => Disclosure,
    };
}

/// <summary>
/// A contract with a recipient (PIPL Art. 21; R10, R11): what it may do, for which purposes, from when to when, whether it
/// may entrust others, and what happens to the data at its end.
/// </summary>
public sealed record RecipientContract(
    string Reference,
    DateOnly SignedOn,
    DateOnly ValidFrom,
    DateOnly ValidUntil,
    IReadOnlyList<string> Purposes,
    string Permits,
    bool SubEntrustingApproved,
    string AtEnd)
{
    public bool InForce(DateOnly today) => today >= ValidFrom && today <= ValidUntil;
}

/// <summary>A personal-information protection impact assessment (PIPIA, PIPL Art. 55, 56; R25), kept at least three years.</summary>
public sealed record ImpactAssessment(
    string Id,
    string Title,
    IReadOnlyList<string> Covers,
    IReadOnlyList<string> Purposes,
    IReadOnlyList<string> Recipients,
    IReadOnlyList<string> Risks,
    IReadOnlyList<string> Measures,
    string ApprovedBy,
    DateOnly ApprovedOn,
    DateOnly? ValidUntil = null)
{
    /// <summary>Whether it is approved and in force on <paramref name="today"/> and covers this scope, purpose and recipient (an empty list covers all).</summary>
    public bool Allows(string scope, string purpose, string? recipient, DateOnly today)
        => ApprovedOn <= today
            && (ValidUntil is not { } until || today <= until)
            && Covers.Contains(scope, StringComparer.Ordinal)
            && (Purposes.Count == 0 || Purposes.Contains(purpose, StringComparer.Ordinal))
            && (recipient is null || Recipients.Count == 0 || Recipients.Contains(recipient, StringComparer.Ordinal));
}

/// <summary>The mechanisms of a cross-border transfer, weakest first (PIPL Art. 38; the 2024 provisions).</summary>
public enum TransferMechanism : byte
{
    /// <summary>None needed: under the thresholds of R34.</summary>
    None,

    /// <summary>A standard contract filed with the provincial regulator, or a certification (R35).</summary>
    StandardContractOrCertification,

    /// <summary>A security assessment by the national regulator, valid three years (R36).</summary>
    SecurityAssessment,
}

/// <summary>What a tenant holds for transfers to one recipient abroad.</summary>
public sealed record TransferBasis(
    string Kind,
    string Reference,
    DateOnly Since,
    DateOnly? ValidUntil = null,
    string? ExemptBasis = null)
{
    public const string Exempt = "exempt";
    public const string StandardContract = "standard-contract";
    public const string Certification = "certification";
    public const string SecurityAssessment = "security-assessment";

    public static IReadOnlyList<string> Kinds { get; } = [Exempt, StandardContract, Certification, SecurityAssessment];

    /// <summary>The grounds of R37 on which a transfer needs no mechanism (CB Provisions Art. 5).</summary>
    public static IReadOnlyList<string> ExemptBases { get; } = ["contract-with-individual", "human-resources", "emergency"];

    /// <summary>The mechanism it amounts to on <paramref name="today"/> (none once it has lapsed).</summary>
    public TransferMechanism Mechanism(DateOnly today)
    {
        if (today < Since || (ValidUntil is { } until && today > until))
        {
            return TransferMechanism.None;
        }

        return Kind switch
        {
            SecurityAssessment => TransferMechanism.SecurityAssessment,
            StandardContract or Certification => TransferMechanism.StandardContractOrCertification,
            _ => TransferMechanism.None,
        };
    }

    public bool IsExempt(DateOnly today) => Kind == Exempt && today >= Since && (ValidUntil is not { } until || today <= until);
}

/// <summary>The filing with the health authority that lets human genetic resources information go to a foreign party (HGR Regs Art. 28; R39).</summary>
public sealed record GeneticFiling(string Reference, DateOnly FiledOn);

/// <summary>The distinct individuals whose data went abroad since 1 January of <see cref="Year"/>.</summary>
public sealed record CrossBorderCounts(int Year, long NonSensitive, long Sensitive, bool ImportantData);

/// <summary>The thresholds of the 2024 provisions, profile parameters (R34–R36).</summary>
public sealed record CrossBorderThresholds(int ExemptBelow, int AssessmentAt, int SensitiveAssessmentAt)
{
    public static CrossBorderThresholds Default { get; } = new(100_000, 1_000_000, 10_000);
}
