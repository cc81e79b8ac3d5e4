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
public sealed record LookupRow(string Tenant, string Kind, byte[] Hash, string SubjectId, string? RecordId);

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
}

/// <summary>A member of a subject's care team until a time.</summary>
public sealed record CareTeamRow(string Tenant, string SubjectId, string ActorId, string Role, DateTimeOffset Until, DateTimeOffset AddedAt, string AddedBy);

/// <summary>Filter for reading the audit log.</summary>
public sealed record AuditQuery
{
    public string? SubjectId { get; init; }

    public string? ActorId { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    /// <summary>Return entries with an id greater than this (paging).</summary>
    public long? After { get; init; }

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
