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

    public static IReadOnlyList<Migration> Sqlite { get; } =
    [
        new(1, "initial schema", Tables.Replace("{BLOB}", "BLOB", StringComparison.Ordinal).Replace("{SERIAL}", "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal)),
    ];

    public static IReadOnlyList<Migration> Postgres { get; } =
    [
        new(1, "initial schema", Tables.Replace("{BLOB}", "BYTEA", StringComparison.Ordinal).Replace("{SERIAL}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", StringComparison.Ordinal)),
    ];
}
