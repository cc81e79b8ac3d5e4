namespace Cordon.Storage;

/// <summary>A piece of evidence recorded for a recipient: its kind (contract, transfer, genetic-filing) and the JSON body of that kind.</summary>
public sealed record RecipientEvidenceRow
{
    public const string Contract = "contract";
    public const string Transfer = "transfer";
    public const string GeneticFiling = "genetic-filing";

    public required string Tenant { get; init; }

    public required string Recipient { get; init; }

    public required string Kind { get; init; }

    public required string Id { get; init; }

    public required DateTimeOffset RecordedAt { get; init; }

    public required string RecordedBy { get; init; }

    /// <summary>The evidence as JSON (the use case's model of its kind); never patient data.</summary>
    public required string Body { get; init; }
}

/// <summary>An impact assessment as stored: the JSON body with the dates it is searched and kept by.</summary>
public sealed record AssessmentRow
{
    public required string Tenant { get; init; }

    public required string Id { get; init; }

    public required DateTimeOffset RecordedAt { get; init; }

    public required string RecordedBy { get; init; }

    public required string Body { get; init; }
}

public enum DisclosureStatus : byte
{
    /// <summary>Recorded and counted; being delivered.</summary>
    Started,
    Delivered,
    Failed,
    /// <summary>The gate refused it; nothing left.</summary>
    Refused,
}

/// <summary>One disclosure through the egress gate, kept at least three years (R10).</summary>
public sealed record DisclosureRow
{
    public required string Tenant { get; init; }

    public required string Id { get; init; }

    public required string Recipient { get; init; }

    public required string Purpose { get; init; }

    public required string ActorId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DisclosureStatus Status { get; init; }

    public required int Subjects { get; init; }

    public required int Records { get; init; }

    public required bool Abroad { get; init; }

    public required bool Sensitive { get; init; }

    public required bool Deidentified { get; init; }

    /// <summary>api or package.</summary>
    public required string Method { get; init; }

    /// <summary>How it ended, or the refusal's code; never patient data.</summary>
    public string Detail { get; init; } = string.Empty;

    /// <summary>SHA-256 (hex) of what left, as it left.</summary>
    public string? PackageHash { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>
/// What a transfer abroad adds to the year's counts, and the most they may reach with the mechanism held: whether this
/// transfer carries important data, and whether the mechanism held allows important data at all (a security assessment).
/// </summary>
public sealed record CrossBorderCharge(int Year, bool Sensitive, long MaxNonSensitive, long MaxSensitive, bool ImportantData = false, bool AllowsImportantData = false);

/// <summary>Whether a disclosure was recorded (and counted), and the year's counts after it.</summary>
public sealed record DisclosureStart(bool Started, Cordon.Core.Sharing.CrossBorderCounts? Counts);
