using System.Text.Json;

namespace Cordon.Server.Rights;

/// <summary>Where portability delivers the Bundle: another processor the subject names (NDSMR Art. 25).</summary>
public sealed record PortabilityDestination(string Name, string Endpoint);

/// <summary>A rights request as the subject (or guardian, or close relative) makes it.</summary>
public sealed record CreateRightsRequest(
    string SubjectId,
    string Kind,
    string? Relation = null,
    string? ProofReference = null,
    IReadOnlyList<string>? Purposes = null,
    string? RecordId = null,
    JsonElement? Resource = null,
    PortabilityDestination? Destination = null,
    string? Reason = null);

/// <summary>An operator closing an open request: the correction made, or a refusal with its reasons (PIPL Art. 50).</summary>
public sealed record ResolveRightsRequest(string Outcome, string Note, string? Rule = null);

/// <summary>One step in a request's life.</summary>
public sealed record TrailEntry(DateTimeOffset Time, string Status, string Actor, string Note);

/// <summary>Why a request was refused: the rule and the reasons, in plain words (PIPL Art. 50).</summary>
public sealed record RefusalView(string Code, string? Rule, string? Citation, IReadOnlyList<string> Reasons);

/// <summary>What a request achieved, reported in plain words and in figures.</summary>
public sealed record RightsOutcome
{
    public IReadOnlyList<string> Summary { get; init; } = [];

    public IReadOnlyList<TypeCount>? Deleted { get; init; }

    public IReadOnlyList<KeptGroup>? Kept { get; init; }

    public IReadOnlyList<string>? Withdrawn { get; init; }

    public ExportSummary? Export { get; init; }

    public string? CorrectedRecordId { get; init; }

    public int? CorrectedVersion { get; init; }

    public string? DeliveredTo { get; init; }

    public Explanation? Explanation { get; init; }
}

/// <summary>What was asked, kept sealed with the request.</summary>
public sealed record RightsAsk(
    string? ProofReference,
    IReadOnlyList<string>? Purposes,
    string? RecordId,
    PortabilityDestination? Destination,
    string? Reason,
    string? ProposedCorrection);

/// <summary>
/// The sealed part of a rights request. <c>ProofVerifiedBy</c>: for a close relative's request, the operator who checked
/// the proof of death and relationship (R24); until then nothing is done.
/// </summary>
public sealed record RightsDetails(RightsAsk Ask, RightsOutcome? Result, RefusalView? Refusal, IReadOnlyList<TrailEntry> Trail, string? ProofVerifiedBy = null);

/// <summary>A rights request as the API shows it.</summary>
public sealed record RightsRequestView(
    string Id,
    string SubjectId,
    string Kind,
    string Status,
    string Relation,
    string RequestedBy,
    DateTimeOffset CreatedAt,
    string DueOn,
    bool Late,
    int? WorkingDaysLeft,
    DateTimeOffset? ClosedAt,
    RightsOutcome? Result,
    RefusalView? Refusal,
    IReadOnlyList<TrailEntry> Trail,
    IReadOnlyDictionary<string, string>? Links,
    string? ProofReference = null);

public sealed record RightsRequestList(IReadOnlyList<RightsRequestView> Requests);

public sealed record CalendarDayView(string Date, bool Working);

public sealed record CalendarView(IReadOnlyList<int> OperatorYears, IReadOnlyList<int> BuiltInYears, IReadOnlyList<CalendarDayView> Days);

public sealed record CalendarYearRequest(IReadOnlyList<CalendarDayView> Days);

/// <summary>
/// The sealed details are Cordon's own JSON, written and read back across versions: members added later are absent from
/// older requests, so this context reads missing members as null instead of refusing them like the request contract does.
/// </summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(RightsDetails))]
internal sealed partial class RightsJson : System.Text.Json.Serialization.JsonSerializerContext;
