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

/// <summary>A record version an automated agent wrote about a subject (R14): who, under which purpose, of which type, when; whether the record is still on file.</summary>
public sealed record AutomatedRecordRow(string Tenant, string SubjectId, string RecordId, int Version, string ActorId, string Purpose, string Type, DateTimeOffset At, bool OnFile);
