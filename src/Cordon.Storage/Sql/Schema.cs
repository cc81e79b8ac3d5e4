namespace Cordon.Storage.Sql;

/// <summary>
/// The schema, one list of migrations per engine. Every subject's rows are keyed by (tenant, subject)
/// so tables can later be distributed by that key; times are Unix milliseconds; sealed columns hold
/// ciphertext only.
/// </summary>
internal static class Schema
{
    private const string Tables = """
        CREATE TABLE tenants (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            suite INTEGER NOT NULL,
            lanes INTEGER NOT NULL,
            profile_yaml TEXT NOT NULL,
            profile_hash TEXT NOT NULL,
            created_at BIGINT NOT NULL
        );
        CREATE TABLE tenant_profiles (
            tenant TEXT NOT NULL,
            hash TEXT NOT NULL,
            profile_yaml TEXT NOT NULL,
            published_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, hash)
        );
        CREATE TABLE subjects (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            state INTEGER NOT NULL,
            guardian_id TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            key_version INTEGER NOT NULL,
            sealed {BLOB} NOT NULL,
            PRIMARY KEY (tenant, id)
        );
        CREATE INDEX subjects_guardian ON subjects (tenant, guardian_id);
        CREATE TABLE subject_keys (
            tenant TEXT NOT NULL,
            subject TEXT NOT NULL,
            version INTEGER NOT NULL,
            wrapped {BLOB} NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, subject, version)
        );
        CREATE TABLE lookups (
            tenant TEXT NOT NULL,
            kind TEXT NOT NULL,
            hash {BLOB} NOT NULL,
            subject TEXT NOT NULL,
            record_id TEXT NOT NULL,
            PRIMARY KEY (tenant, kind, hash, subject, record_id)
        );
        CREATE UNIQUE INDEX lookups_external_id ON lookups (tenant, hash) WHERE kind = 'external-id';
        CREATE INDEX lookups_subject ON lookups (tenant, subject);
        CREATE TABLE consent_events (
            n {SERIAL},
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            subject TEXT NOT NULL,
            purpose TEXT NOT NULL,
            recipient TEXT,
            action INTEGER NOT NULL,
            given_by INTEGER NOT NULL,
            notice_version TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            channel TEXT NOT NULL,
            actor TEXT NOT NULL,
            time BIGINT NOT NULL,
            UNIQUE (tenant, id)
        );
        CREATE INDEX consent_events_subject ON consent_events (tenant, subject, n);
        CREATE TABLE care_team (
            tenant TEXT NOT NULL,
            subject TEXT NOT NULL,
            actor TEXT NOT NULL,
            role TEXT NOT NULL,
            until BIGINT NOT NULL,
            added_at BIGINT NOT NULL,
            added_by TEXT NOT NULL,
            PRIMARY KEY (tenant, subject, actor, role)
        );
        CREATE TABLE records (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            subject TEXT NOT NULL,
            type TEXT NOT NULL,
            version INTEGER NOT NULL,
            level INTEGER NOT NULL,
            purpose TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            sealed {BLOB} NOT NULL,
            PRIMARY KEY (tenant, id)
        );
        CREATE INDEX records_subject ON records (tenant, subject, type);
        CREATE TABLE record_versions (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            subject TEXT NOT NULL,
            type TEXT NOT NULL,
            level INTEGER NOT NULL,
            purpose TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            sealed {BLOB} NOT NULL,
            PRIMARY KEY (tenant, id, version)
        );
        CREATE TABLE audit_entries (
            id {SERIAL},
            tenant TEXT NOT NULL,
            lane INTEGER NOT NULL,
            seq BIGINT NOT NULL,
            time BIGINT NOT NULL,
            actor TEXT NOT NULL,
            role TEXT NOT NULL,
            purpose TEXT,
            action TEXT NOT NULL,
            subject TEXT,
            record_ids TEXT NOT NULL,
            outcome INTEGER NOT NULL,
            code TEXT,
            rules TEXT NOT NULL,
            client TEXT,
            request_id TEXT,
            flags INTEGER NOT NULL,
            note {BLOB},
            prev_hash {BLOB} NOT NULL,
            hash {BLOB} NOT NULL,
            UNIQUE (tenant, lane, seq)
        );
        CREATE INDEX audit_subject ON audit_entries (tenant, subject, id);
        CREATE INDEX audit_actor ON audit_entries (tenant, actor, id);
        CREATE INDEX audit_time ON audit_entries (tenant, time);
        CREATE TABLE audit_lanes (
            tenant TEXT NOT NULL,
            lane INTEGER NOT NULL,
            head_seq BIGINT NOT NULL,
            head_hash {BLOB} NOT NULL,
            PRIMARY KEY (tenant, lane)
        );
        CREATE TABLE audit_checkpoints (
            id {SERIAL},
            tenant TEXT NOT NULL,
            time BIGINT NOT NULL,
            heads TEXT NOT NULL,
            suite INTEGER NOT NULL,
            key_id TEXT NOT NULL,
            signature {BLOB} NOT NULL
        );
        CREATE INDEX audit_checkpoints_tenant ON audit_checkpoints (tenant, id);
        """;

    /// <summary>Rights requests, legal holds, the working-day calendar; restricted records; the retention scan's index.</summary>
    private const string Rights = """
        ALTER TABLE records ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE record_versions ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX records_retention ON records (tenant, type, purpose, created_at, id);
        CREATE TABLE rights_requests (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            subject TEXT NOT NULL,
            kind INTEGER NOT NULL,
            status INTEGER NOT NULL,
            relation INTEGER NOT NULL,
            requester TEXT NOT NULL,
            requester_role TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            due_on TEXT NOT NULL,
            closed_at BIGINT,
            sealed {BLOB} NOT NULL,
            PRIMARY KEY (tenant, id)
        );
        CREATE INDEX rights_requests_subject ON rights_requests (tenant, subject, created_at);
        CREATE INDEX rights_requests_status ON rights_requests (tenant, status, due_on);
        CREATE TABLE legal_holds (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            subject TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            created_by TEXT NOT NULL,
            reason {BLOB} NOT NULL,
            released_at BIGINT,
            released_by TEXT,
            PRIMARY KEY (tenant, id)
        );
        CREATE INDEX legal_holds_subject ON legal_holds (tenant, subject);
        CREATE TABLE calendar_days (
            tenant TEXT NOT NULL,
            day TEXT NOT NULL,
            working INTEGER NOT NULL,
            PRIMARY KEY (tenant, day)
        );
        """;

    /// <summary>
    /// SQLite keeps the subjects' wrapped data keys in a separate file (<c>cordon.keys.db</c>, attached as <c>keystore</c>),
    /// so that a copy of the database file never holds a key: once a subject's key is destroyed, no copy of
    /// <c>cordon.db</c> — a backup taken before the deletion included — can be opened for that subject.
    /// </summary>
    internal const string MoveKeys = """
        CREATE TABLE IF NOT EXISTS keystore.subject_keys (
            tenant TEXT NOT NULL,
            subject TEXT NOT NULL,
            version INTEGER NOT NULL,
            wrapped BLOB NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, subject, version)
        );
        """;

    /// <summary>
    /// Marketing. <c>consent_current</c> holds the ledger's latest event per (purpose, recipient, subject), written in the
    /// same transaction as the event, with the subject's state and guardian beside it, so that a campaign's audience is one
    /// ordered range scan per purpose instead of a walk through the whole ledger.
    /// </summary>
    private const string Marketing = """
        CREATE TABLE consent_current (
            tenant TEXT NOT NULL,
            purpose TEXT NOT NULL,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            action INTEGER NOT NULL,
            given_by INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            notice_version TEXT NOT NULL,
            time BIGINT NOT NULL,
            subject_active INTEGER NOT NULL,
            has_guardian INTEGER NOT NULL,
            PRIMARY KEY (tenant, purpose, recipient, subject)
        );
        CREATE INDEX consent_current_subject ON consent_current (tenant, subject);
        INSERT INTO consent_current (tenant, purpose, recipient, subject, action, given_by, fingerprint, notice_version, time, subject_active, has_guardian)
            SELECT e.tenant, e.purpose, COALESCE(e.recipient, ''), e.subject, e.action, e.given_by, e.fingerprint, e.notice_version, e.time,
                   CASE WHEN s.state = 0 THEN 1 ELSE 0 END, CASE WHEN s.guardian_id IS NULL THEN 0 ELSE 1 END
            FROM consent_events e JOIN subjects s ON s.tenant = e.tenant AND s.id = e.subject
            WHERE e.n = (SELECT MAX(x.n) FROM consent_events x WHERE x.tenant = e.tenant AND x.subject = e.subject AND x.purpose = e.purpose AND COALESCE(x.recipient, '') = COALESCE(e.recipient, ''));
        CREATE TABLE campaigns (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            channel TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            created_by TEXT NOT NULL,
            send_at BIGINT,
            definition TEXT NOT NULL,
            PRIMARY KEY (tenant, id)
        );
        CREATE TABLE outbox (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            campaign TEXT NOT NULL,
            subject TEXT NOT NULL,
            channel TEXT NOT NULL,
            variant INTEGER NOT NULL,
            status INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            next_at BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            done_at BIGINT,
            last_error TEXT,
            sealed {BLOB} NOT NULL,
            PRIMARY KEY (tenant, id)
        );
        CREATE INDEX outbox_due ON outbox (status, next_at);
        CREATE INDEX outbox_campaign ON outbox (tenant, campaign, status);
        CREATE TABLE subject_tags (
            tenant TEXT NOT NULL,
            subject TEXT NOT NULL,
            id TEXT NOT NULL,
            source TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            sealed {BLOB} NOT NULL,
            PRIMARY KEY (tenant, subject, id)
        );
        CREATE TABLE ad_terms (
            tenant TEXT NOT NULL,
            term TEXT NOT NULL,
            category TEXT NOT NULL,
            pattern INTEGER NOT NULL,
            added_at BIGINT NOT NULL,
            added_by TEXT NOT NULL,
            PRIMARY KEY (tenant, term)
        );
        """;

    /// <summary>
    /// Deleting a record deletes its lookups by record id: without this index every deletion scanned the whole lookups
    /// table (a retention run over 100,000 records with 17,000 lookup rows deleted 550 records/s).
    /// </summary>
    private const string LookupsByRecord = "CREATE INDEX lookups_record ON lookups (tenant, record_id);";

    /// <summary>
    /// The audience as index-only scans: every column the audience filters on is an equality ahead of the subject, and
    /// what it returns follows, so a million consents are read in subject order without touching the table.
    /// </summary>
    private const string AudienceIndex = """
        CREATE INDEX consent_current_audience ON consent_current (tenant, purpose, recipient, action, fingerprint, subject_active, subject{COLLATE}, given_by, has_guardian);
        """;

    /// <summary>
    /// SQLite: the audit entries' subject index moves behind the chain. Entries for reads name random subjects, so as an
    /// index on the entries every group commit wrote one more page per entry (half the writer's pages under audited reads).
    /// <c>audit_subjects</c> is filled by the writer a few times a second, inside one of its transactions, from the entries
    /// after <c>audit_subjects_mark.upto</c>; queries by subject read it and the entries after the mark, in one snapshot,
    /// so nothing is missed. PostgreSQL keeps the index: several processes may write there, and their identities can
    /// commit out of order.
    /// </summary>
    private const string AuditSubjectsBehindChain = """
        CREATE TABLE audit_subjects (
            tenant TEXT NOT NULL,
            subject TEXT NOT NULL,
            id INTEGER NOT NULL,
            PRIMARY KEY (tenant, subject, id)
        ) WITHOUT ROWID;
        CREATE TABLE audit_subjects_mark (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            upto INTEGER NOT NULL
        );
        INSERT INTO audit_subjects (tenant, subject, id) SELECT tenant, subject, id FROM audit_entries WHERE subject IS NOT NULL;
        INSERT INTO audit_subjects_mark (singleton, upto) VALUES (1, COALESCE((SELECT MAX(id) FROM audit_entries), 0));
        DROP INDEX audit_subject;
        """;

    /// <summary>Revoked bearer tokens: every node reads the revocations recorded since its last look, once a second.</summary>
    private const string TokenRevocations = """
        CREATE TABLE token_revocations (
            tenant TEXT NOT NULL,
            kind INTEGER NOT NULL,
            value TEXT NOT NULL,
            revoked_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            revoked_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (tenant, kind, value)
        );
        CREATE INDEX token_revocations_time ON token_revocations (revoked_at);
        """;

    /// <summary>
    /// State every node shares: a version per tenant and kind (its profile, its calendar) bumped in the same transaction as
    /// the change, which every node reads once a second (and, on PostgreSQL, is told of at once); and the periodic jobs'
    /// runs, so that each job runs once per interval across all nodes, under a lease another node takes over when it lapses.
    /// </summary>
    private const string SharedState = """
        CREATE TABLE tenant_state (
            tenant TEXT NOT NULL,
            kind TEXT NOT NULL,
            version BIGINT NOT NULL,
            PRIMARY KEY (tenant, kind)
        );
        CREATE TABLE job_runs (
            job TEXT PRIMARY KEY,
            started_at BIGINT NOT NULL,
            lease_until BIGINT NOT NULL,
            node TEXT NOT NULL,
            runs BIGINT NOT NULL
        );
        """;

    /// <summary>
    /// An imported resource is stored once per subject: its source id (a blind index of its type and id, or its Bundle
    /// entry's full URL) is a lookup that is unique per subject, so a re-run of an import, or two imports racing, cannot
    /// store it twice. The subject comes first so that the index also serves the list of a subject's source ids.
    /// </summary>
    private const string SourceIds = "CREATE UNIQUE INDEX lookups_source_id ON lookups (tenant, subject, hash) WHERE kind = 'source-id';";

    /// <summary>
    /// Sharing: evidence per recipient (contracts, transfer mechanisms, genetic-data filings) and impact assessments as
    /// JSON bodies; every disclosure and the subjects whose data it carried (kept three years, R10); the distinct
    /// individuals counted abroad per year, split sensitive and not, with a running total per year so that the mechanism
    /// check reads one row and one index probe per subject, never a count from scratch (R34–R36).
    /// </summary>
    private const string Sharing = """
        CREATE TABLE recipient_evidence (
            tenant TEXT NOT NULL,
            recipient TEXT NOT NULL,
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            recorded_at BIGINT NOT NULL,
            recorded_by TEXT NOT NULL,
            body TEXT NOT NULL,
            seq BIGINT NOT NULL,
            PRIMARY KEY (tenant, recipient, kind, id)
        );
        CREATE TABLE assessments (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            recorded_at BIGINT NOT NULL,
            recorded_by TEXT NOT NULL,
            body TEXT NOT NULL,
            seq BIGINT NOT NULL,
            PRIMARY KEY (tenant, id)
        );
        CREATE TABLE disclosures (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            purpose TEXT NOT NULL,
            actor TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            status INTEGER NOT NULL,
            subjects INTEGER NOT NULL,
            records INTEGER NOT NULL,
            abroad INTEGER NOT NULL,
            sensitive INTEGER NOT NULL,
            deidentified INTEGER NOT NULL,
            method TEXT NOT NULL,
            detail TEXT NOT NULL,
            package_hash TEXT,
            finished_at BIGINT,
            PRIMARY KEY (tenant, id)
        );
        CREATE INDEX disclosures_recipient ON disclosures (tenant, recipient, created_at);
        CREATE INDEX disclosures_time ON disclosures (tenant, created_at);
        CREATE TABLE disclosure_subjects (
            tenant TEXT NOT NULL,
            subject TEXT NOT NULL,
            disclosure TEXT NOT NULL,
            PRIMARY KEY (tenant, subject, disclosure)
        );
        CREATE TABLE crossborder_subjects (
            tenant TEXT NOT NULL,
            year INTEGER NOT NULL,
            sensitive INTEGER NOT NULL,
            subject TEXT NOT NULL,
            PRIMARY KEY (tenant, year, sensitive, subject)
        );
        CREATE TABLE crossborder_counts (
            tenant TEXT NOT NULL,
            year INTEGER NOT NULL,
            non_sensitive BIGINT NOT NULL,
            sensitive BIGINT NOT NULL,
            important INTEGER NOT NULL,
            PRIMARY KEY (tenant, year)
        );
        """;

    /// <summary>
    /// The practitioner register (R53): one row per practitioner, keyed by the actor id their tokens carry; the entry as a
    /// JSON body and its suspension beside it, so that suspending touches one column.
    /// </summary>
    private const string Practitioners = """
        CREATE TABLE practitioners (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            role TEXT NOT NULL,
            registered_at BIGINT NOT NULL,
            registered_by TEXT NOT NULL,
            body TEXT NOT NULL,
            suspension TEXT,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, id)
        );
        """;

    private const string Prescriptions = """
        CREATE TABLE prescriptions (
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            subject TEXT NOT NULL,
            state TEXT NOT NULL,
            proposed_by TEXT NOT NULL,
            proposed_automated INTEGER NOT NULL,
            author TEXT,
            signature TEXT,
            signed_version INTEGER,
            signed_at BIGINT,
            guardian TEXT,
            accompanying TEXT,
            reviewer TEXT,
            reviewed_at BIGINT,
            dispensed_by TEXT,
            dispensed_at BIGINT,
            channel TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, id)
        );
        CREATE INDEX prescriptions_by_subject ON prescriptions (tenant, subject, created_at);
        """;

    /// <summary>
    /// Automated decisions (R14): the ledger of a subject's refusals of decisions made solely by automated means (append-only,
    /// like consent events), and one row per record version an automated agent wrote, beside the record.
    /// </summary>
    private const string AutomatedDecisions = """
        CREATE TABLE automated_refusals (
            n {SERIAL},
            tenant TEXT NOT NULL,
            id TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            action TEXT NOT NULL,
            given_by TEXT NOT NULL,
            channel TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            at BIGINT NOT NULL,
            UNIQUE (tenant, id)
        );
        CREATE INDEX automated_refusals_by_subject ON automated_refusals (tenant, subject_id, n);
        CREATE TABLE automated_records (
            tenant TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            record_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            actor_id TEXT NOT NULL,
            purpose TEXT NOT NULL,
            type TEXT NOT NULL,
            at BIGINT NOT NULL,
            PRIMARY KEY (tenant, record_id, version)
        );
        CREATE INDEX automated_records_by_subject ON automated_records (tenant, subject_id);
        """;

    private const string AccessLog = """
        CREATE TABLE access_segments (
            seq BIGINT PRIMARY KEY,
            first_at BIGINT NOT NULL,
            last_at BIGINT NOT NULL,
            entries INTEGER NOT NULL,
            prev_hash {BLOB} NOT NULL,
            hash {BLOB} NOT NULL,
            body {BLOB} NOT NULL
        );
        CREATE INDEX access_segments_by_time ON access_segments (last_at, first_at);
        """;

    public static IReadOnlyList<Migration> Sqlite { get; } =
    [
        new(1, "initial schema", Tables.Replace("{BLOB}", "BLOB", StringComparison.Ordinal).Replace("{SERIAL}", "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal)),
        new(2, "rights requests, legal holds, calendar, restricted records", Rights.Replace("{BLOB}", "BLOB", StringComparison.Ordinal)),
        new(3, "subject keys in their own file", MoveKeys),
        new(4, "marketing: current consents, campaigns, outbox, user tags, advertising rules", Marketing.Replace("{BLOB}", "BLOB", StringComparison.Ordinal)),
        new(5, "lookups by record", LookupsByRecord),
        new(6, "marketing: covering index for audiences", AudienceIndex.Replace("{COLLATE}", string.Empty, StringComparison.Ordinal)),
        new(7, "audit: subject index kept behind the chain", AuditSubjectsBehindChain),
        new(8, "audit: entries stored as their own bytes", "ALTER TABLE audit_entries ADD COLUMN body BLOB;", (c, t, ct) => AuditBodies.MigrateAsync(c, t, notNull: false, ct)),
        new(9, "revoked bearer tokens", TokenRevocations),
        new(10, "state every node shares: tenant versions, job runs", SharedState),
        new(11, "imported records: one per subject and source id", SourceIds),
        new(12, "sharing: recipient evidence, assessments, disclosures, cross-border counts", Sharing),
        new(13, "care: the practitioner register", Practitioners),
        new(14, "care: prescriptions and their lifecycle", Prescriptions),
        new(15, "care: automated decisions and their refusals", AutomatedDecisions.Replace("{SERIAL}", "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal)),
        new(16, "security: the network access log", AccessLog.Replace("{BLOB}", "BLOB", StringComparison.Ordinal)),
    ];

    public static IReadOnlyList<Migration> Postgres { get; } =
    [
        new(1, "initial schema", Tables.Replace("{BLOB}", "BYTEA", StringComparison.Ordinal).Replace("{SERIAL}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", StringComparison.Ordinal)),
        new(2, "rights requests, legal holds, calendar, restricted records", Rights.Replace("{BLOB}", "BYTEA", StringComparison.Ordinal)),
        new(3, "marketing: current consents, campaigns, outbox, user tags, advertising rules", Marketing.Replace("{BLOB}", "BYTEA", StringComparison.Ordinal)),
        new(4, "lookups by record", LookupsByRecord),
        new(5, "marketing: covering index for audiences", AudienceIndex.Replace("{COLLATE}", " COLLATE \"C\"", StringComparison.Ordinal)),
        new(6, "audit: entries stored as their own bytes", "ALTER TABLE audit_entries ADD COLUMN body BYTEA;", (c, t, ct) => AuditBodies.MigrateAsync(c, t, notNull: true, ct)),
        new(7, "revoked bearer tokens", TokenRevocations),
        new(8, "state every node shares: tenant versions, job runs", SharedState),
        new(9, "imported records: one per subject and source id", SourceIds),
        new(10, "sharing: recipient evidence, assessments, disclosures, cross-border counts", Sharing),
        new(11, "care: the practitioner register", Practitioners),
        new(12, "care: prescriptions and their lifecycle", Prescriptions),
        new(13, "care: automated decisions and their refusals", AutomatedDecisions.Replace("{SERIAL}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", StringComparison.Ordinal)),
        new(14, "security: the network access log", AccessLog.Replace("{BLOB}", "BYTEA", StringComparison.Ordinal)),
    ];
}
