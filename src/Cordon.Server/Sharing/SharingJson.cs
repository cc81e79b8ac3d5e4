using System.Text.Json.Serialization;
using Cordon.Core.Sharing;
using Cordon.Server.Http;

namespace Cordon.Server.Sharing;

/// <summary>A contract with a recipient, as recorded (R10, R11).</summary>
public sealed record ContractRequest(string Reference, DateOnly SignedOn, DateOnly ValidFrom, DateOnly ValidUntil, IReadOnlyList<string> Purposes, string Permits, bool SubEntrustingApproved, string AtEnd);

/// <summary>The mechanism held for transfers to a recipient abroad: exempt (with its R37 basis), standard-contract, certification or security-assessment.</summary>
public sealed record TransferRequest(string Kind, string Reference, DateOnly Since, DateOnly? ValidUntil = null, string? ExemptBasis = null);

/// <summary>The filing with the health authority for human genetic resources information (R39).</summary>
public sealed record GeneticFilingRequest(string Reference, DateOnly FiledOn);

/// <summary>An impact assessment (PIPIA, R25): what it covers, the risks found, the measures, who approved it and when.</summary>
public sealed record AssessmentRequest(
    string Title,
    IReadOnlyList<string> Covers,
    IReadOnlyList<string> Risks,
    IReadOnlyList<string> Measures,
    string ApprovedBy,
    DateOnly ApprovedOn,
    IReadOnlyList<string>? Purposes = null,
    IReadOnlyList<string>? Recipients = null,
    DateOnly? ValidUntil = null);

/// <summary>A disclosure: to a registered recipient, one subject's records or a cohort's (up to 10,000), optionally only some record types.</summary>
public sealed record DisclosureRequest(string Recipient, IReadOnlyList<string> SubjectIds, IReadOnlyList<string>? Types = null);

public sealed record RecipientView(
    string Key,
    string Name,
    string Kind,
    string Activity,
    string Jurisdiction,
    bool Abroad,
    bool ForeignControlled,
    string Contact,
    string? Receives,
    string? Description,
    string Method,
    string? Endpoint,
    bool Deidentify,
    IReadOnlyList<string> Purposes,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Fields,
    RecipientContract? Contract,
    TransferBasis? Transfer,
    GeneticFiling? GeneticFiling,
    IReadOnlyList<string> Missing);

public sealed record RecipientList(IReadOnlyList<RecipientView> Recipients);

public sealed record AssessmentView(string Id, ImpactAssessment Assessment, DateTimeOffset RecordedAt, string RecordedBy, DateOnly KeepUntil);

public sealed record AssessmentList(IReadOnlyList<AssessmentView> Assessments);

public sealed record DisclosureView(
    string Id,
    string Recipient,
    string Purpose,
    string Status,
    int Subjects,
    int Records,
    bool Abroad,
    bool Sensitive,
    bool Deidentified,
    string Method,
    string Detail,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string? PackageSha256,
    IReadOnlyDictionary<string, int>? Excluded = null,
    string? Package = null);

public sealed record DisclosureList(IReadOnlyList<DisclosureView> Disclosures);

public sealed record CrossBorderRecipient(string Key, string Name, string Jurisdiction, string? Held, string? Reference, DateOnly? ValidUntil, DateOnly? RenewFrom, bool RenewalDue, bool Sufficient);

public sealed record CrossBorderView(
    int Year,
    long NonSensitive,
    long Sensitive,
    bool ImportantData,
    string Required,
    string Rule,
    CrossBorderThresholds Thresholds,
    IReadOnlyList<CrossBorderRecipient> Recipients);

/// <summary>The JSON contract of sharing's requests, responses and stored evidence, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(ContractRequest))]
[JsonSerializable(typeof(TransferRequest))]
[JsonSerializable(typeof(GeneticFilingRequest))]
[JsonSerializable(typeof(AssessmentRequest))]
[JsonSerializable(typeof(DisclosureRequest))]
[JsonSerializable(typeof(RecipientView))]
[JsonSerializable(typeof(RecipientList))]
[JsonSerializable(typeof(AssessmentView))]
[JsonSerializable(typeof(AssessmentList))]
[JsonSerializable(typeof(DisclosureView))]
[JsonSerializable(typeof(DisclosureList))]
[JsonSerializable(typeof(CrossBorderView))]
[JsonSerializable(typeof(RecipientContract))]
[JsonSerializable(typeof(TransferBasis))]
[JsonSerializable(typeof(GeneticFiling))]
[JsonSerializable(typeof(ImpactAssessment))]
public sealed partial class SharingJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static SharingJson Strict { get; } = new(ApiJsonOptions.Create());
}
