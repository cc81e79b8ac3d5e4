using Cordon.Core.Crypto;
using Cordon.Core.Subjects;

namespace Cordon.Storage;

/// <summary>A tenant: one operator, its current profile and its audit lane count.</summary>
public sealed record TenantRow(string Id, string Name, CryptoSuiteId Suite, int Lanes, string ProfileYaml, string ProfileHash, DateTimeOffset CreatedAt);

/// <summary>
/// A data subject. State, guardian and timestamps are clear (decisions need them); everything that
/// identifies the person (external id, birth date, name) is in <see cref="Sealed"/>, under the subject's data key.
/// </summary>
public sealed record SubjectRow
{
    public required string Tenant { get; init; }

    public required string Id { get; init; }

    public required SubjectState State { get; init; }

    public string? GuardianId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public required int KeyVersion { get; init; }

    public required byte[] Sealed { get; init; }
}

/// <summary>A subject's data key, wrapped by the tenant's key-encryption key. Deleting it shreds the subject.</summary>
public sealed record SubjectKeyRow(string Tenant, string SubjectId, int Version, byte[] Wrapped, DateTimeOffset CreatedAt);

/// <summary>A keyed blind index of a searchable value (kind: external-id, cn-resident-id, cn-mobile …).</summary>
public sealed record LookupRow(string Tenant, string Kind, byte[] Hash, string SubjectId, string? RecordId)
{
    /// <summary>
    /// The kind of the lookup that names where a record came from (an imported resource's type and id, or its Bundle
    /// entry's full URL): unique per subject, so the same source resource is stored once for a subject; kept across the
    /// record's versions.
    /// </summary>
    public const string SourceId = "source-id";
}

/// <summary>A stored record version. Type, level and purpose are clear; the resource is sealed.</summary>
public sealed record RecordRow
{
    public required string Tenant { get; init; }

    public required string Id { get; init; }

    public required string SubjectId { get; init; }

    public required string Type { get; init; }

    public required int Version { get; init; }

    public required byte Level { get; init; }

    public required string Purpose { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public required byte[] Sealed { get; init; }

    /// <summary>
    /// Kept only because a law or a legal hold requires it after its subject asked for deletion: stored, protected, served
    /// to no purpose but the legal one (R19).
    /// </summary>
    public bool Restricted { get; init; }

    /// <summary>The automated agent that wrote this version (an automated decision about the subject, R14), or null; not a column of the record.</summary>
    public string? AutomatedBy { get; init; }
}

/// <summary>What a revocation names: one token by its id (<c>jti</c>), or an actor (every token issued to it up to the revocation).</summary>
public enum RevocationKind
{
    Token = 1,
    Actor = 2,
}

/// <summary>A revocation: kept until <see cref="ExpiresAt"/>, when no token it covers can still be valid.</summary>
public sealed record TokenRevocationRow(string Tenant, RevocationKind Kind, string Value, DateTimeOffset RevokedAt, DateTimeOffset ExpiresAt, string RevokedBy, string Reason);

/// <summary>A member of a subject's care team until a time.</summary>
public sealed record CareTeamRow(string Tenant, string SubjectId, string ActorId, string Role, DateTimeOffset Until, DateTimeOffset AddedAt, string AddedBy);

/// <summary>Filter for reading the audit log.</summary>
public sealed record AuditQuery
{
    public string? SubjectId { get; init; }

    public string? ActorId { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    /// <summary>Only entries whose action starts with this (e.g. <c>disclosure.</c>).</summary>
    public string? ActionPrefix { get; init; }

    /// <summary>Only entries of exactly this action (e.g. <c>record.read</c>).</summary>
    public string? Action { get; init; }

    /// <summary>Only entries with this outcome.</summary>
    public Core.Audit.AuditOutcome? Outcome { get; init; }

    /// <summary>Return entries with an id greater than this (paging oldest first).</summary>
    public long? After { get; init; }

    /// <summary>Return entries with an id less than this (paging newest first).</summary>
    public long? Before { get; init; }

    /// <summary>Newest first (descending id) instead of oldest first.</summary>
    public bool NewestFirst { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>The outcome of a write that can conflict with what is stored.</summary>
public enum WriteStatus
{
    Done,
    /// <summary>A unique value (such as an external id) is already taken.</summary>
    Conflict,
    /// <summary>The row changed since it was read (optimistic concurrency).</summary>
    Stale,
    NotFound,
}

/// <summary>
/// A rights request. Kind, status, requester and dates are clear (queues and deadlines need them); the details — what was
/// asked, the proof reference, the reasons of a refusal, the evidence of completion, the trail — are sealed under the
/// tenant's audit key, so they outlive the subject's data key when the subject's data is erased.
/// </summary>
public sealed record RightsRequestRow
{
    public required string Tenant { get; init; }

    public required string Id { get; init; }

    public required string SubjectId { get; init; }

    public required Core.Rights.RightsKind Kind { get; init; }

    public required Core.Rights.RightsStatus Status { get; init; }

    public required Core.Rights.RequesterRelation Relation { get; init; }

    public required string RequesterId { get; init; }

    public required string RequesterRole { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The last day to complete it, in China's working days from receipt (R21/R22).</summary>
    public required DateOnly DueOn { get; init; }

    public DateTimeOffset? ClosedAt { get; init; }

    public required byte[] Sealed { get; init; }
}

/// <summary>Filter for listing rights requests.</summary>
public sealed record RightsRequestQuery
{
    public string? SubjectId { get; init; }

    public Core.Rights.RightsStatus? Status { get; init; }

    /// <summary>Only requests still open whose due day is before this day (late ones).</summary>
    public DateOnly? OpenAndDueBefore { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>A legal hold on a subject: nothing of the subject is deleted while it is active (R19).</summary>
public sealed record LegalHoldRow(string Tenant, string Id, string SubjectId, DateTimeOffset CreatedAt, string CreatedBy, byte[] SealedReason, DateTimeOffset? ReleasedAt = null, string? ReleasedBy = null)
{
    public bool Active => ReleasedAt is null;
}

/// <summary>
/// Erasing part or all of a subject's data in one transaction (crypto-shredding). With <see cref="NewKey"/>, what is kept
/// was re-sealed under the new data key and every older key is destroyed, so copies of the deleted records — in backups
/// too — can no longer be opened. Without it, every key of the subject is destroyed and its records become unreadable at
/// once; <see cref="IVault.PurgeShreddedRecordsAsync"/> removes their rows afterwards.
/// </summary>
public sealed record SubjectErasure
{
    public required string Tenant { get; init; }

    public required string SubjectId { get; init; }

    /// <summary>The key version the plan was made with; the erasure is Stale when the subject was re-keyed since.</summary>
    public required int ExpectedKeyVersion { get; init; }

    public required Core.Subjects.SubjectState State { get; init; }

    /// <summary>The subject's identity re-sealed under <see cref="NewKey"/>; ignored (emptied) when the subject is shredded.</summary>
    public byte[] SubjectSealed { get; init; } = [];

    public SubjectKeyRow? NewKey { get; init; }

    /// <summary>Current versions kept (re-sealed, restricted where a law keeps them), with their version number unchanged.</summary>
    public IReadOnlyList<RecordRow> Kept { get; init; } = [];

    /// <summary>Older versions of kept records, re-sealed.</summary>
    public IReadOnlyList<RecordRow> KeptVersions { get; init; } = [];

    /// <summary>Records removed with their versions and lookups. With <see cref="NewKey"/>, Kept and Deleted together must be every record of the subject.</summary>
    public IReadOnlyList<string> Deleted { get; init; } = [];

    /// <summary>Remove the subject's own lookups (its external id): a cancelled account can no longer be found.</summary>
    public bool RemoveSubjectLookups { get; init; }

    public bool RemoveCareTeam { get; init; }
}

/// <summary>
/// A write was sealed under a data key the subject no longer has (it was re-keyed or erased meanwhile). Nothing was
/// stored; the caller may open the subject again and retry. Carries no patient data.
/// </summary>
/// <summary>A write found its unique key taken by another writer meanwhile (another node, usually); nothing was stored.</summary>
public sealed class WriteConflictException : Exception
{
    public WriteConflictException()
        : base("Another write took the same unique key first; nothing was stored.")
    {
    }

    public WriteConflictException(Exception inner)
        : base("Another write took the same unique key first; nothing was stored.", inner)
    {
    }

    public WriteConflictException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

public sealed class SubjectKeyChangedException : Exception
{
    public SubjectKeyChangedException()
        : base("The subject's data key changed while the write was prepared; nothing was stored.")
    {
    }

    /// <summary>The subject whose key changed (an id, never personal data), for the audit entry of the refusal.</summary>
    public string? SubjectId { get; private init; }

    public static SubjectKeyChangedException ForSubject(string subjectId) => new() { SubjectId = subjectId };

    public SubjectKeyChangedException(string message)
        : base(message)
    {
    }

    public SubjectKeyChangedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A subject in a campaign's audience: active, with the push consent granted under the current notice. Whether it may
/// get the personalised variant, and who gave the push consent (a child's must come from the guardian).
/// </summary>
public readonly record struct AudienceMember(string SubjectId, bool Personalised, Core.Consent.ConsentGiver GivenBy, bool HasGuardian);

/// <summary>The current consent of one subject for one purpose (the ledger's latest event, kept beside the ledger).</summary>
public sealed record ConsentCurrentRow(string Tenant, string SubjectId, string Purpose, string? Recipient, Core.Consent.ConsentAction Action, Core.Consent.ConsentGiver GivenBy, string Fingerprint, string NoticeVersion, DateTimeOffset Time);

/// <summary>A campaign: its definition (content variants, channel, sender) as JSON, its status and counts.</summary>
public sealed record CampaignRow
{
    public required string Tenant { get; init; }

    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Channel { get; init; }

    /// <summary>draft, queued, sent, cancelled.</summary>
    public required string Status { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public DateTimeOffset? SendAt { get; init; }

    /// <summary>The campaign as submitted (no personal data: content templates, sender, channel, approval number).</summary>
    public required string Definition { get; init; }
}

/// <summary>The state of one outbox message.</summary>
public enum OutboxStatus
{
    Pending = 0,
    /// <summary>Claimed by a dispatcher until <see cref="OutboxRow.NextAt"/> (a lease: if the process dies, it is claimed again).</summary>
    Sending = 1,
    Sent = 2,
    /// <summary>Gave up after the last retry.</summary>
    Failed = 3,
    /// <summary>Not sent: the subject withdrew consent, unsubscribed or was restricted after it was queued.</summary>
    Excluded = 4,
}

/// <summary>One message of a campaign to one subject. The rendered message and address are sealed under the subject's key.</summary>
public sealed record OutboxRow
{
    public required string Tenant { get; init; }

    public required string Id { get; init; }

    public required string CampaignId { get; init; }

    public required string SubjectId { get; init; }

    public required string Channel { get; init; }

    /// <summary>0 non-personalised, 1 personalised.</summary>
    public required int Variant { get; init; }

    public required OutboxStatus Status { get; init; }

    public required int Attempts { get; init; }

    public required DateTimeOffset NextAt { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? DoneAt { get; init; }

    public string? LastError { get; init; }

    public required byte[] Sealed { get; init; }
}

/// <summary>A user tag (an interest derived for personalisation, NDSMR Art. 42): its text sealed under the subject's key.</summary>
public sealed record SubjectTagRow(string Tenant, string SubjectId, string Id, string Source, DateTimeOffset CreatedAt, byte[] Sealed);

/// <summary>An operator's addition to the advertising-content rules (R17): a phrase, or a regular expression.</summary>
public sealed record AdTermRow(string Tenant, string Term, string Category, bool Pattern, DateTimeOffset AddedAt, string AddedBy);
