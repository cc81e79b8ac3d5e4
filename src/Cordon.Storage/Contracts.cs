using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Sharing;

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

    /// <summary>
    /// Stores a new data key for a subject ahead of the re-keying that will use it, in its own transaction: on SQLite the
    /// key store is a separate file, committed after <c>cordon.db</c>, so the key must be durable before records are
    /// re-sealed under it. An unused key is removed by <see cref="ICordonStore.ReconcileKeysAsync"/>.
    /// </summary>
    Task PutSubjectKeyAsync(SubjectKeyRow key, CancellationToken cancellationToken);

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

/// <summary>The practitioner register: the tenant's physicians, pharmacists and nurses (R53).</summary>
public interface ICareStore
{
    /// <summary>Registers a practitioner with its audit entry in one transaction; Conflict (and nothing written) when the id is registered.</summary>
    Task<WriteStatus> RegisterPractitionerAsync(PractitionerRow practitioner, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>Suspends (a suspension body) or reinstates (null) a practitioner with its audit entry; NotFound (and nothing written) when there is none.</summary>
    Task<WriteStatus> SetPractitionerSuspensionAsync(string tenant, string id, string? suspension, DateTimeOffset now, AuditDraft audit, CancellationToken cancellationToken);

    Task<PractitionerRow?> GetPractitionerAsync(string tenant, string id, CancellationToken cancellationToken);

    /// <summary>The register, by id.</summary>
    Task<IReadOnlyList<PractitionerRow>> ListPractitionersAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Stores a draft prescription: its MedicationRequest record (version 1), its lookups, its state row and its audit entry in one transaction.</summary>
    Task PutPrescriptionDraftAsync(RecordRow record, IReadOnlyList<LookupRow> lookups, PrescriptionRow prescription, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a prescription on: its new state row and, when given, a new version of its record, with the audit entry, in
    /// one transaction. Stale (and nothing written) when the prescription is no longer in <paramref name="expectedState"/>
    /// or the record no longer at the version expected; NotFound when there is no such prescription.
    /// </summary>
    Task<WriteStatus> UpdatePrescriptionAsync(PrescriptionRow prescription, string expectedState, RecordVersionChange? record, AuditDraft audit, CancellationToken cancellationToken);

    Task<PrescriptionRow?> GetPrescriptionAsync(string tenant, string id, CancellationToken cancellationToken);

    /// <summary>A subject's prescriptions, oldest first.</summary>
    Task<IReadOnlyList<PrescriptionRow>> ListPrescriptionsAsync(string tenant, string subjectId, CancellationToken cancellationToken);
}

/// <summary>A new version of a record written with another change: the row, the version it replaces, its lookups.</summary>
public sealed record RecordVersionChange(RecordRow Record, int ExpectedVersion, IReadOnlyList<LookupRow> Lookups);

/// <summary>
/// Automated decisions (R14): the append-only ledger of a subject's refusals of decisions made solely by automated means,
/// and the records automated agents wrote about them (a row per version, written with the record when
/// <see cref="RecordRow.AutomatedBy"/> is set).
/// </summary>
public interface IAutomatedDecisionStore
{
    /// <summary>Appends a refusal or its withdrawal with its audit entry in one transaction.</summary>
    Task AppendAutomatedDecisionEventAsync(Core.Care.AutomatedDecisionEvent automatedEvent, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>The subject's refusals and withdrawals, oldest first.</summary>
    Task<IReadOnlyList<Core.Care.AutomatedDecisionEvent>> GetAutomatedDecisionHistoryAsync(string tenant, string subjectId, CancellationToken cancellationToken);

    /// <summary>The subject's latest refusal or withdrawal, or null: whether a refusal is in force.</summary>
    Task<Core.Care.AutomatedDecisionEvent?> GetLatestAutomatedDecisionEventAsync(string tenant, string subjectId, CancellationToken cancellationToken);

    /// <summary>The record versions automated agents wrote about the subject, oldest first, each saying whether the record is still on file.</summary>
    Task<IReadOnlyList<AutomatedRecordRow>> ListAutomatedRecordsAsync(string tenant, string subjectId, CancellationToken cancellationToken);
}

/// <summary>A stored segment of the network access log (R44): its place in the chain, its time span, its entries' count and its body.</summary>
public sealed record AccessSegmentRow(long Seq, DateTimeOffset FirstAt, DateTimeOffset LastAt, int Entries, byte[] PreviousHash, byte[] Hash, byte[] Body);

/// <summary>
/// The network access log (R44): append-only, hash-chained segments of entries. The chain is extended in the write's
/// transaction, after the last segment is read under a lock, so two nodes never fork it.
/// </summary>
public interface IAccessLogStore
{
    /// <summary>Appends a segment (its body from <see cref="Core.Security.AccessLogSegment.Encode"/>) at the end of the chain; returns it with its place and hash.</summary>
    Task<AccessSegmentRow> AppendAccessSegmentAsync(DateTimeOffset firstAt, DateTimeOffset lastAt, int entries, byte[] body, CancellationToken cancellationToken);

    /// <summary>The segments that overlap [<paramref name="from"/>, <paramref name="to"/>], oldest first.</summary>
    Task<IReadOnlyList<AccessSegmentRow>> ListAccessSegmentsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>Every segment in chain order, for verification.</summary>
    IAsyncEnumerable<AccessSegmentRow> ReadAccessChainAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the segments that end before <paramref name="before"/>; the first one kept then starts the verified chain. Returns how many went.</summary>
    Task<int> PruneAccessSegmentsAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

/// <summary>Sealed records and their versions.</summary>
public interface IVault
{
    Task PutRecordAsync(RecordRow record, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>Stores a new version; Stale when the current version is not <paramref name="expectedVersion"/>. The old version is kept.</summary>
    Task<WriteStatus> PutRecordVersionAsync(RecordRow record, int expectedVersion, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken);

    Task<RecordRow?> GetRecordAsync(string tenant, string recordId, CancellationToken cancellationToken);


    /// <summary>
    /// Everything a single-record read decides on, in one statement (one read, one snapshot): the record, its subject and
    /// current wrapped key, the latest consent event of <paramref name="consentPurpose"/> with no recipient (none when the
    /// purpose is null) and, when <paramref name="careTeam"/>, the subject's care team; null when record, subject or key is missing.
    /// </summary>
    Task<(RecordRow Record, SubjectRow Subject, SubjectKeyRow Key, ConsentEvent? Consent, IReadOnlyList<CareTeamRow> CareTeam)?> GetRecordForReadAsync(string tenant, string recordId, string? consentPurpose, bool careTeam, CancellationToken cancellationToken);

    /// <summary>
    /// The source ids of a subject's records (the hashes of its <see cref="LookupRow.SourceId"/> lookups): what an import
    /// has stored for the subject before. A second record with a source id the subject has fails its write
    /// (<see cref="WriteConflictException"/>).
    /// </summary>
    Task<IReadOnlyList<byte[]>> ListSourceIdsAsync(string tenant, string subjectId, CancellationToken cancellationToken);

    /// <summary>Current versions of a subject's records, optionally of one type, oldest first.</summary>
    Task<IReadOnlyList<RecordRow>> ListRecordsAsync(string tenant, string subjectId, string? type, CancellationToken cancellationToken);

    /// <summary>Every stored version of a record, oldest first (for the audit).</summary>
    Task<IReadOnlyList<RecordRow>> GetRecordVersionsAsync(string tenant, string recordId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores many records and the audit entries that cover them in one transaction (bulk import and seeding:
    /// typically one entry per subject naming its records). Nothing is stored unless every entry is.
    /// </summary>
    Task PutRecordsAsync(IReadOnlyList<(RecordRow Record, IReadOnlyList<LookupRow> Lookups)> records, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken);

    /// <summary>A page of a subject's current records in (created, id) order after <paramref name="after"/>: exports stream large subjects page by page.</summary>
    Task<IReadOnlyList<RecordRow>> ListRecordsPageAsync(string tenant, string subjectId, (DateTimeOffset CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken);

    /// <summary>What retention and erasure need of a subject's current records: no content.</summary>
    Task<IReadOnlyList<Core.Retention.RecordFacts>> ListRecordFactsAsync(string tenant, string subjectId, CancellationToken cancellationToken);

    /// <summary>
    /// Erases a subject's data as planned, with its audit entry, in one transaction. Stale when the subject's key or its
    /// set of records changed since the plan was made (plan again); NotFound when there is no such subject or key.
    /// </summary>
    Task<WriteStatus> EraseAsync(SubjectErasure erasure, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>Removes up to <paramref name="limit"/> record rows of a subject whose keys were destroyed; returns how many. Zero when the subject still has a key.</summary>
    Task<int> PurgeShreddedRecordsAsync(string tenant, string subjectId, int limit, CancellationToken cancellationToken);

    /// <summary>Cancelled subjects that still have a key and an identity but no record left (what a law kept has expired): to be shredded.</summary>
    Task<IReadOnlyList<string>> ListCancelledWithoutRecordsAsync(string tenant, int limit, CancellationToken cancellationToken);

    /// <summary>Subjects whose keys were destroyed but whose record rows are not all removed yet (an interrupted purge).</summary>
    Task<IReadOnlyList<string>> ListUnpurgedSubjectsAsync(string tenant, int limit, CancellationToken cancellationToken);

    /// <summary>Records of this type and purpose created before <paramref name="createdBefore"/>, oldest first, after <paramref name="after"/> (keyset paging).</summary>
    Task<IReadOnlyList<Core.Retention.RecordFacts>> FindRecordsCreatedBeforeAsync(string tenant, string type, string purpose, DateTimeOffset createdBefore, (DateTimeOffset CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken);

    /// <summary>Every (type, purpose) under which the tenant holds records — including purposes a later profile dropped.</summary>
    Task<IReadOnlyList<(string Type, string Purpose)>> ListStoredTypePurposesAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Deletes these records (current and older versions, lookups) with the audit entries that name them, in one transaction; returns how many existed.</summary>
    Task<int> DeleteRecordsAsync(string tenant, IReadOnlyList<string> recordIds, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken);
}

/// <summary>Rights requests, legal holds and the working-day calendar their deadlines are counted on.</summary>
public interface IRightsStore
{
    /// <summary>Creates the request or replaces it (a status change), with its audit entry.</summary>
    Task PutRightsRequestAsync(RightsRequestRow request, AuditDraft audit, CancellationToken cancellationToken);

    Task<RightsRequestRow?> GetRightsRequestAsync(string tenant, string id, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<RightsRequestRow>> ListRightsRequestsAsync(string tenant, RightsRequestQuery query, CancellationToken cancellationToken);

    /// <summary>Creates the hold or records its release, with its audit entry.</summary>
    Task PutLegalHoldAsync(LegalHoldRow hold, AuditDraft audit, CancellationToken cancellationToken);

    Task<IReadOnlyList<LegalHoldRow>> ListLegalHoldsAsync(string tenant, string? subjectId, bool activeOnly, CancellationToken cancellationToken);

    /// <summary>The operator's calendar exceptions (empty until the operator sets a year).</summary>
    Task<IReadOnlyList<Core.Rights.CalendarDay>> GetCalendarAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Replaces one year's exceptions, with the audit entry.</summary>
    Task PutCalendarYearAsync(string tenant, int year, IReadOnlyList<Core.Rights.CalendarDay> days, AuditDraft audit, CancellationToken cancellationToken);
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

/// <summary>Marketing: the consent state campaigns are computed from, campaigns, the outbox, user tags, advertising rules.</summary>
public interface IMarketingStore
{
    /// <summary>
    /// The audience of a campaign, in subject order: active subjects whose latest <paramref name="pushPurpose"/> event is a
    /// grant under <paramref name="pushFingerprint"/>; Personalised when the latest <paramref name="personalisationPurpose"/>
    /// event is a grant under its fingerprint too. Streams: a million subjects never sit in memory.
    /// </summary>
    IAsyncEnumerable<AudienceMember> ReadAudienceAsync(string tenant, string pushPurpose, string pushFingerprint, string personalisationPurpose, string personalisationFingerprint, CancellationToken cancellationToken);

    /// <summary>Subjects whose current consent for <paramref name="purpose"/> is a grant under another fingerprint (R04: they must be asked again), after <paramref name="afterSubject"/>.</summary>
    Task<IReadOnlyList<ConsentCurrentRow>> ListRenewalsAsync(string tenant, string purpose, string currentFingerprint, string? afterSubject, int limit, CancellationToken cancellationToken);


    Task PutCampaignAsync(CampaignRow campaign, AuditDraft audit, CancellationToken cancellationToken);

    Task<CampaignRow?> GetCampaignAsync(string tenant, string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<CampaignRow>> ListCampaignsAsync(string tenant, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a campaign from <paramref name="fromStatus"/> to <paramref name="toStatus"/> only if it is still in
    /// <paramref name="fromStatus"/>, with the audit entry in the same transaction; true when this caller made the change.
    /// </summary>
    Task<bool> ClaimCampaignAsync(string tenant, string id, string fromStatus, string toStatus, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>Queues messages and sets the campaign's status, with the audit entries, in one transaction.</summary>
    Task EnqueueAsync(string tenant, string campaignId, string status, IReadOnlyList<OutboxRow> messages, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken);

    /// <summary>Claims up to <paramref name="limit"/> due messages (pending, or sending with an expired lease), of every tenant, leased until <paramref name="leaseUntil"/>.</summary>
    Task<IReadOnlyList<OutboxRow>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken);

    /// <summary>Records what happened to claimed messages (sent, retry later, failed, excluded) with their audit entries.</summary>
    Task CompleteAsync(IReadOnlyList<OutboxRow> messages, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken);

    /// <summary>
    /// Puts a campaign's failed messages back in the queue, due at <paramref name="now"/> with their attempts reset, and
    /// appends <paramref name="audit"/> when there was any, in one transaction; returns how many.
    /// </summary>
    Task<int> RetryFailedAsync(string tenant, string campaignId, DateTimeOffset now, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>How many messages of a campaign are in each status.</summary>
    Task<IReadOnlyDictionary<OutboxStatus, int>> CountOutboxAsync(string tenant, string campaignId, CancellationToken cancellationToken);

    Task PutTagAsync(SubjectTagRow tag, AuditDraft audit, CancellationToken cancellationToken);

    Task<IReadOnlyList<SubjectTagRow>> ListTagsAsync(string tenant, string subjectId, CancellationToken cancellationToken);

    /// <summary>Deletes one tag, or all of the subject's tags when <paramref name="tagId"/> is null; returns how many.</summary>
    Task<int> DeleteTagsAsync(string tenant, string subjectId, string? tagId, AuditDraft audit, CancellationToken cancellationToken);

    Task PutAdTermAsync(AdTermRow term, AuditDraft audit, CancellationToken cancellationToken);

    Task<bool> DeleteAdTermAsync(string tenant, string term, AuditDraft audit, CancellationToken cancellationToken);

    Task<IReadOnlyList<AdTermRow>> ListAdTermsAsync(string tenant, CancellationToken cancellationToken);
}

/// <summary>The whole storage contract. SQLite and PostgreSQL both implement it and pass one test suite.</summary>
/// <summary>Bearer tokens revoked before they expire: single tokens by id, or every token of an actor issued up to a time.</summary>
public interface ITokenRevocations
{
    /// <summary>Records a revocation with its audit entry; revoking the same token or actor again moves its time forward.</summary>
    Task RevokeTokensAsync(TokenRevocationRow revocation, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>Revocations of every tenant recorded at or after <paramref name="since"/> that have not expired by <paramref name="now"/>.</summary>
    Task<IReadOnlyList<TokenRevocationRow>> GetTokenRevocationsAsync(DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>What a tenant-wide change bumps, so that every node sharing the store picks it up.</summary>
public static class StateKinds
{
    public const string Profile = "profile";
    public const string Calendar = "calendar";
}

/// <summary>
/// State every node sharing the store agrees on: a version per tenant and kind (bumped with the change, in its
/// transaction), and the periodic jobs' leases.
/// </summary>
public interface ISharedState
{
    /// <summary>Every tenant's state versions.</summary>
    Task<IReadOnlyDictionary<(string Tenant, string Kind), long>> GetStateVersionsAsync(CancellationToken cancellationToken);

    /// <summary>Returns when another node has changed shared state (PostgreSQL tells at once) or when <paramref name="timeout"/> has passed.</summary>
    Task WaitForStateChangeAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Claims this interval's run of <paramref name="job"/> for <paramref name="node"/>: true when no node ran it within
    /// <paramref name="interval"/> and no unexpired lease is held, in one conditional write, so exactly one node wins. The
    /// lease lasts until <paramref name="leaseUntil"/> or until <see cref="FinishJobAsync"/>.
    /// </summary>
    Task<bool> TryStartJobAsync(string job, string node, DateTimeOffset now, TimeSpan interval, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>Ends this node's lease on <paramref name="job"/>.</summary>
    Task FinishJobAsync(string job, string node, DateTimeOffset now, CancellationToken cancellationToken);

}

/// <summary>
/// Sharing: the evidence recorded for recipients (contracts, transfer mechanisms, genetic-data filings), impact
/// assessments, the disclosure record (kept at least three years, R10) and the year's cross-border counts.
/// </summary>
public interface ISharingStore
{
    /// <summary>Records a piece of evidence for a recipient, with its audit entry; the latest of each kind is the one in force.</summary>
    Task PutRecipientEvidenceAsync(RecipientEvidenceRow evidence, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>The evidence recorded for the tenant's recipients (or one of them), oldest first.</summary>
    Task<IReadOnlyList<RecipientEvidenceRow>> ListRecipientEvidenceAsync(string tenant, string? recipient, CancellationToken cancellationToken);

    Task PutAssessmentAsync(AssessmentRow assessment, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>The tenant's impact assessments, newest first.</summary>
    Task<IReadOnlyList<AssessmentRow>> ListAssessmentsAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>The distinct individuals counted abroad in <paramref name="year"/> (zero when none).</summary>
    Task<CrossBorderCounts> GetCrossBorderCountsAsync(string tenant, int year, CancellationToken cancellationToken);

    /// <summary>How many of <paramref name="subjects"/> are not yet counted in the year's sensitive (or non-sensitive) set.</summary>
    Task<int> CountUncountedAsync(string tenant, int year, bool sensitive, IReadOnlyList<string> subjects, CancellationToken cancellationToken);

    /// <summary>
    /// Records a disclosure before anything leaves: the row, its subjects, the audit entries and, for a transfer abroad,
    /// the subjects added to the year's counts — refused, with nothing written, when the counts would pass the charge's
    /// limits (checked inside the transaction, so two disclosures racing cannot both cross).
    /// </summary>
    Task<DisclosureStart> StartDisclosureAsync(DisclosureRow disclosure, IReadOnlyList<string> subjects, CrossBorderCharge? charge, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken);

    /// <summary>Records how a started disclosure ended (delivered or failed), with its audit entry.</summary>
    Task FinishDisclosureAsync(string tenant, string id, DisclosureStatus status, string detail, string? packageHash, AuditDraft audit, CancellationToken cancellationToken);

    /// <summary>Disclosures, newest first, of one recipient or to which one subject's data went.</summary>
    Task<IReadOnlyList<DisclosureRow>> ListDisclosuresAsync(string tenant, string? recipient, string? subject, int limit, CancellationToken cancellationToken);
}

public interface ICordonStore : IAccessLogStore, ITenantStore, ISubjectStore, IConsentLedger, ICareTeamStore, ICareStore, IAutomatedDecisionStore, IVault, IAuditLog, IRightsStore, IMarketingStore, ISharingStore, ITokenRevocations, ISharedState, IAsyncDisposable
{
    /// <summary>sqlite or postgres.</summary>
    string Engine { get; }

    /// <summary>Applies pending schema migrations (versioned; safe to run from several processes).</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Finishes what an interrupted erasure left in the key store (SQLite commits cordon.db and cordon.keys.db one after
    /// the other): destroys the keys of shredded subjects and keys older than the subject's current one, and removes new
    /// keys an erasure stored but never used (older than an hour). Runs at start and with every retention run.
    /// Returns how many key rows it removed.
    /// </summary>
    Task<int> ReconcileKeysAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>True when the store answers a trivial query.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}
