namespace Cordon.Storage;

/// <summary>
/// A practitioner of the register as stored: the JSON body of the entry (the use case's model), its suspension as JSON
/// (null while not suspended), and who registered it when. Never patient data.
/// </summary>
public sealed record PractitionerRow
{
    public required string Tenant { get; init; }

    /// <summary>The actor id the practitioner's tokens carry.</summary>
    public required string Id { get; init; }

    public required string Role { get; init; }

    public required DateTimeOffset RegisteredAt { get; init; }

    public required string RegisteredBy { get; init; }

    public required string Body { get; init; }

    public string? Suspension { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// Where a prescription stands (R54): its MedicationRequest record (same id), its state, who proposed, signed, reviewed
/// and dispensed it and when, the signature, and the attendance recorded for a young child (R57: the guardian's
/// relationship and the accompanying physician's actor id, never a name). No drug, dose or diagnosis: those stay sealed
/// in the record.
/// </summary>
public sealed record PrescriptionRow
{
    public required string Tenant { get; init; }

    /// <summary>The MedicationRequest record's id.</summary>
    public required string Id { get; init; }

    public required string SubjectId { get; init; }

    /// <summary>draft, signed, active, rejected or dispensed.</summary>
    public required string State { get; init; }

    public required string ProposedBy { get; init; }

    public bool ProposedAutomated { get; init; }

    /// <summary>The physician who signed it (the author); null while unsigned.</summary>
    public string? Author { get; init; }

    /// <summary>The signature, base64; null while unsigned.</summary>
    public string? Signature { get; init; }

    /// <summary>The record version that was signed.</summary>
    public int? SignedVersion { get; init; }

    public DateTimeOffset? SignedAt { get; init; }

    /// <summary>The guardian's relationship to the child, as recorded by the signing physician (R57).</summary>
    public string? Guardian { get; init; }

    public string? AccompanyingPhysician { get; init; }

    public string? Reviewer { get; init; }

    public DateTimeOffset? ReviewedAt { get; init; }

    public string? DispensedBy { get; init; }

    public DateTimeOffset? DispensedAt { get; init; }

    /// <summary>pharmacy or delivery.</summary>
    public string? Channel { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>A record version an automated agent wrote about a subject (R14): who, under which purpose, of which type, when; whether the record is still on file.</summary>
public sealed record AutomatedRecordRow(string Tenant, string SubjectId, string RecordId, int Version, string ActorId, string Purpose, string Type, DateTimeOffset At, bool OnFile);
