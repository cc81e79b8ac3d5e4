using Cordon.Core.Audit;
using Cordon.Core.Consent;

namespace Cordon.Storage;

/// <summary>Tenants and their profiles.</summary>
public interface ITenantStore
{
    Task<TenantRow?> GetTenantAsync(string tenant, CancellationToken cancellationToken);

    Task<IReadOnlyList<TenantRow>> ListTenantsAsync(CancellationToken cancellationToken);

    /// <summary>Creates the tenant or replaces its profile, and appends the audit entry, in one transaction.</summary>
    Task PutTenantAsync(TenantRow tenant, AuditDraft audit, CancellationToken cancellationToken);
}

/// <summary>Data subjects, their wrapped data keys and their blind-index lookups.</summary>
public interface ISubjectStore
{
    /// <summary>Creates a subject with its first data key and lookups; Conflict when a unique lookup (external id) is taken.</summary>
    Task<WriteStatus> CreateSubjectAsync(SubjectRow subject, SubjectKeyRow key, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken);

    Task<SubjectRow?> GetSubjectAsync(string tenant, string subjectId, CancellationToken cancellationToken);

    Task<SubjectKeyRow?> GetSubjectKeyAsync(string tenant, string subjectId, int version, CancellationToken cancellationToken);

    /// <summary>A subject with its current wrapped data key, in one read (every request that opens a subject needs both); null when either is missing.</summary>
    Task<(SubjectRow Subject, SubjectKeyRow Key)?> GetSubjectWithKeyAsync(string tenant, string subjectId, CancellationToken cancellationToken);

    /// <summary>Subjects with a lookup of this kind and hash.</summary>
    Task<IReadOnlyList<string>> FindSubjectsAsync(string tenant, string kind, byte[] hash, CancellationToken cancellationToken);

    Task<long> CountSubjectsAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Changes a subject's state (restricted, deceased …) with its audit entry; NotFound when there is no such subject.</summary>
    Task<WriteStatus> SetSubjectStateAsync(string tenant, string subjectId, Core.Subjects.SubjectState state, DateTimeOffset now, AuditDraft audit, CancellationToken cancellationToken);
}

/// <summary>The append-only consent ledger.</summary>
public interface IConsentLedger
{
    Task AppendAsync(ConsentEvent consentEvent, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>The subject's whole history, oldest first.</summary>
    Task<IReadOnlyList<ConsentEvent>> GetHistoryAsync(string tenant, string subjectId, CancellationToken cancellationToken);

    /// <summary>The latest event for one purpose (and recipient, or none), or null: the only event a decision's consent status depends on.</summary>
    Task<ConsentEvent?> GetLatestConsentAsync(string tenant, string subjectId, string purpose, string? recipient, CancellationToken cancellationToken);
}

/// <summary>Who is in a subject's care team, until when.</summary>
public interface ICareTeamStore
{
    Task PutCareTeamMemberAsync(CareTeamRow member, AuditDraft audit, CancellationToken cancellationToken);

    Task<IReadOnlyList<CareTeamRow>> GetCareTeamAsync(string tenant, string subjectId, CancellationToken cancellationToken);
}

/// <summary>Sealed records and their versions.</summary>
public interface IVault
{
    Task PutRecordAsync(RecordRow record, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>Stores a new version; Stale when the current version is not <paramref name="expectedVersion"/>. The old version is kept.</summary>
    Task<WriteStatus> PutRecordVersionAsync(RecordRow record, int expectedVersion, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken);

    Task<RecordRow?> GetRecordAsync(string tenant, string recordId, CancellationToken cancellationToken);

    /// <summary>A record with its subject and the subject's current wrapped key, in one read (what a single-record read needs); null when any is missing.</summary>
    Task<(RecordRow Record, SubjectRow Subject, SubjectKeyRow Key)?> GetRecordWithSubjectAsync(string tenant, string recordId, CancellationToken cancellationToken);

    /// <summary>
    /// Everything a single-record read decides on, in one statement (one read, one snapshot): the record, its subject and
    /// current wrapped key, the latest consent event of <paramref name="consentPurpose"/> with no recipient (none when the
    /// purpose is null) and, when <paramref name="careTeam"/>, the subject's care team; null when record, subject or key is missing.
    /// </summary>
    Task<(RecordRow Record, SubjectRow Subject, SubjectKeyRow Key, ConsentEvent? Consent, IReadOnlyList<CareTeamRow> CareTeam)?> GetRecordForReadAsync(string tenant, string recordId, string? consentPurpose, bool careTeam, CancellationToken cancellationToken);

    /// <summary>Current versions of a subject's records, optionally of one type, oldest first.</summary>
    Task<IReadOnlyList<RecordRow>> ListRecordsAsync(string tenant, string subjectId, string? type, CancellationToken cancellationToken);

    /// <summary>Every stored version of a record, oldest first (for the audit).</summary>
    Task<IReadOnlyList<RecordRow>> GetRecordVersionsAsync(string tenant, string recordId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores many records and the audit entries that cover them in one transaction (bulk import and seeding:
    /// typically one entry per subject naming its records). Nothing is stored unless every entry is.
    /// </summary>
    Task PutRecordsAsync(IReadOnlyList<(RecordRow Record, IReadOnlyList<LookupRow> Lookups)> records, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken);
}

/// <summary>The audit chain: entries, lane heads and signed checkpoints.</summary>
public interface IAuditLog
{
    /// <summary>Appends an entry on its own (denies and reads); returns once it is durable.</summary>
    Task<AuditEntry> AppendAsync(AuditDraft audit, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditEntry>> QueryAsync(string tenant, AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Every entry of the tenant, lane by lane in sequence order, for verification.</summary>
    IAsyncEnumerable<AuditEntry> ReadChainAsync(string tenant, CancellationToken cancellationToken);

    Task<IReadOnlyList<LaneHead>> GetLaneHeadsAsync(string tenant, CancellationToken cancellationToken);

    Task AppendCheckpointAsync(Checkpoint checkpoint, CancellationToken cancellationToken);

    Task<IReadOnlyList<Checkpoint>> GetCheckpointsAsync(string tenant, CancellationToken cancellationToken);
}

/// <summary>The whole storage contract. SQLite and PostgreSQL both implement it and pass one test suite.</summary>
public interface ICordonStore : ITenantStore, ISubjectStore, IConsentLedger, ICareTeamStore, IVault, IAuditLog, IAsyncDisposable
{
    /// <summary>sqlite or postgres.</summary>
    string Engine { get; }

    /// <summary>Applies pending schema migrations (versioned; safe to run from several processes).</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>True when the store answers a trivial query.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}
