namespace Cordon.Core.Audit;

/// <summary>The outcome an audit entry records.</summary>
public enum AuditOutcome : byte
{
    Permit = 1,
    PermitMasked = 2,
    Deny = 3,
    /// <summary>A change that was made (subject created, consent recorded, record written …).</summary>
    Done = 4,
}

/// <summary>Things the security team filters on.</summary>
[Flags]
public enum AuditFlags : ushort
{
    None = 0,
    /// <summary>A clinician read outside a care relationship with a justification.</summary>
    BreakGlass = 1,
    /// <summary>L5 data was served.</summary>
    HighestLevel = 2,
    /// <summary>A guardian acted for a ward.</summary>
    Guardian = 4,
    /// <summary>What was served was masked.</summary>
    Masked = 8,
    /// <summary>The actor is an automated agent.</summary>
    Automated = 16,
    /// <summary>The subject's data is restricted (R19); only the legal purpose was served.</summary>
    Restricted = 32,
}

/// <summary>
/// What the caller knows about an audited event. The store assigns lane, sequence and hashes when it
/// appends it in the same transaction as the change.
/// </summary>
public sealed record AuditDraft
{
    public required string Tenant { get; init; }

    public required DateTimeOffset Time { get; init; }

    public required string ActorId { get; init; }

    public required string ActorRole { get; init; }

    public string? Purpose { get; init; }

    /// <summary>What happened, e.g. <c>record.write</c>, <c>record.read</c>, <c>consent.grant</c>.</summary>
    public required string Action { get; init; }

    public string? SubjectId { get; init; }

    public IReadOnlyList<string> RecordIds { get; init; } = [];

    public required AuditOutcome Outcome { get; init; }

    /// <summary>Problem code of a deny (e.g. <c>consent.missing</c>), or null.</summary>
    public string? Code { get; init; }

    /// <summary>Rule ids that decided the outcome.</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    public string? ClientAddress { get; init; }

    public string? RequestId { get; init; }

    public AuditFlags Flags { get; init; }

    /// <summary>A justification or note, sealed with the tenant's audit key (it may describe health data).</summary>
    public byte[]? SealedNote { get; init; }
}

/// <summary>An entry of the audit chain: the draft plus its lane, sequence and hash links.</summary>
public sealed record AuditEntry
{
    public required AuditDraft Draft { get; init; }

    /// <summary>The lane this entry is chained in (subjects are spread over lanes by a stable hash).</summary>
    public required int Lane { get; init; }

    /// <summary>1-based position in its lane.</summary>
    public required long Seq { get; init; }

    public required byte[] PrevHash { get; init; }

    public required byte[] Hash { get; init; }

    /// <summary>Store-wide id for paging; not part of the chain.</summary>
    public long Id { get; init; }

    /// <summary>The entry's stored bytes (<see cref="AuditChain.EncodeBody(AuditDraft)"/>), which the hash covers; null when only the draft is known.</summary>
    public byte[]? Body { get; init; }

    /// <summary>The store's search columns as read back, for verification to compare with the entry; null when not read.</summary>
    public AuditIndex? Indexed { get; init; }

    /// <summary>The stored bytes are not an entry's encoding (the draft then holds what the search columns say).</summary>
    public bool Unreadable { get; init; }
}
