using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Crypto;
using Cordon.Core.Subjects;

namespace Cordon.Storage.Sql;

/// <summary>
/// The storage contract over SQL shared by SQLite and PostgreSQL. Writes go through the
/// <see cref="WriteBatcher"/> (change and audit entry in one transaction, group-committed);
/// reads use their own pooled connections.
/// </summary>
internal sealed partial class SqlStore : ICordonStore
{
    /// <summary>An entry's position, its search columns, its bytes and its links (<see cref="ReadAudit"/> reads them in this order).</summary>
    private const string AuditColumns = "id, tenant, lane, seq, time, actor, role, purpose, action, subject, outcome, code, body, prev_hash, hash";
    private const string RecordColumns = "tenant, id, subject, type, version, level, purpose, created_at, updated_at, sealed, restricted";

    /// <summary><see cref="AuditColumns"/> of the entries joined to <c>audit_subjects</c> as <c>e</c>.</summary>
    private static readonly string JoinedAuditColumns = string.Join(", ", AuditColumns.Split(", ").Select(c => "e." + c));

    private readonly Dialect _dialect;
    private readonly WriteBatcher _writer;
    private readonly ConcurrentDictionary<string, TenantInfo> _tenants = new(StringComparer.Ordinal);

    public SqlStore(Dialect dialect)
    {
        _dialect = dialect;
        _writer = new WriteBatcher(this, dialect);
    }

    public string Engine => _dialect.Engine;

    internal readonly record struct TenantInfo(CryptoSuiteId Suite, int Lanes);

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(forWrites: true, cancellationToken);
        await using var transaction = await _dialect.BeginAsync(connection, cancellationToken);
        if (_dialect.MigrationLockSql is { } lockSql)
        {
            await Exec(connection, transaction, lockSql, cancellationToken);
        }

        await Exec(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)", cancellationToken);
        var applied = new HashSet<int>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = transaction;
            cmd.CommandText = "SELECT version FROM schema_migrations";
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        var newest = _dialect.Migrations.Max(m => m.Version);
        if (applied.Count > 0 && applied.Max() > newest)
        {
            throw new InvalidOperationException($"The database schema is version {applied.Max()}, newer than this Cordon ({newest}); upgrade Cordon.");
        }

        foreach (var migration in _dialect.Migrations.OrderBy(m => m.Version))
        {
            if (applied.Contains(migration.Version))
            {
                continue;
            }

            await Exec(connection, transaction, migration.Sql, cancellationToken);
            if (migration.Then is { } then)
            {
                await then(connection, transaction, cancellationToken);
            }

            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, description, applied_at) VALUES (@v, @d, @t)";
            record.Add("v", migration.Version).Add("d", migration.Description).Add("t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        await _dialect.AfterMigrationsAsync(connection, cancellationToken);
        await ReconcileKeysAsync(DateTimeOffset.UtcNow, cancellationToken);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            var rows = await QueryAsync("SELECT COUNT(*) FROM schema_migrations", _ => { }, r => r.GetInt64(0), cancellationToken);
            return rows[0] > 0;
        }
        catch (DbException)
        {
            return false;
        }
    }

    // ---- tenants

    public async Task<TenantRow?> GetTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("SELECT id, name, suite, lanes, profile_yaml, profile_hash, created_at FROM tenants WHERE id = @id", c => c.Add("id", tenant), ReadTenant, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<TenantRow>> ListTenantsAsync(CancellationToken cancellationToken)
        => QueryAsync("SELECT id, name, suite, lanes, profile_yaml, profile_hash, created_at FROM tenants ORDER BY id", _ => { }, ReadTenant, cancellationToken);

    public Task PutTenantAsync(TenantRow tenant, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var exists = ctx.Command("SELECT suite, lanes FROM tenants WHERE id = @id").Add("id", tenant.Id);
            TenantInfo? existing = null;
            await using (var reader = await exists.ExecuteReaderAsync())
            {
                if (await reader.ReadAsync())
                {
                    existing = new TenantInfo((CryptoSuiteId)reader.GetInt32(0), reader.GetInt32(1));
                }
            }

            if (existing is null)
            {
                await ctx.Command("INSERT INTO tenants (id, name, suite, lanes, profile_yaml, profile_hash, created_at) VALUES (@id, @name, @suite, @lanes, @yaml, @hash, @created)")
                    .Add("id", tenant.Id).Add("name", tenant.Name).Add("suite", (int)tenant.Suite).Add("lanes", tenant.Lanes)
                    .Add("yaml", tenant.ProfileYaml).Add("hash", tenant.ProfileHash).Add("created", tenant.CreatedAt.ToUnixTimeMilliseconds())
                    .ExecuteNonQueryAsync();
                for (var lane = 0; lane < tenant.Lanes; lane++)
                {
                    await ctx.Command("INSERT INTO audit_lanes (tenant, lane, head_seq, head_hash) VALUES (@tenant, @lane, 0, @hash)")
                        .Add("tenant", tenant.Id).Add("lane", lane).Add("hash", AuditChain.Genesis(CryptoSuite.For(tenant.Suite), tenant.Id, lane))
                        .ExecuteNonQueryAsync();
                }

                _tenants[tenant.Id] = new TenantInfo(tenant.Suite, tenant.Lanes);
            }
            else
            {
                // The lane count and chain suite are fixed at creation: the chain stays verifiable.
                await ctx.Command("UPDATE tenants SET name = @name, profile_yaml = @yaml, profile_hash = @hash WHERE id = @id")
                    .Add("name", tenant.Name).Add("yaml", tenant.ProfileYaml).Add("hash", tenant.ProfileHash).Add("id", tenant.Id)
                    .ExecuteNonQueryAsync();
            }

            await ctx.Command("INSERT INTO tenant_profiles (tenant, hash, profile_yaml, published_at) VALUES (@tenant, @hash, @yaml, @time) ON CONFLICT (tenant, hash) DO NOTHING")
                .Add("tenant", tenant.Id).Add("hash", tenant.ProfileHash).Add("yaml", tenant.ProfileYaml).Add("time", audit.Time.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            await ctx.BumpStateAsync(tenant.Id, StateKinds.Profile);
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    internal async ValueTask<TenantInfo> TenantInfoAsync(string tenant, WriteContext ctx)
    {
        if (_tenants.TryGetValue(tenant, out var info))
        {
            return info;
        }

        var cmd = ctx.Command("SELECT suite, lanes FROM tenants WHERE id = @id").Add("id", tenant);
        await using var reader = await cmd.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException($"Tenant {tenant} does not exist.");
        }

        info = new TenantInfo((CryptoSuiteId)reader.GetInt32(0), reader.GetInt32(1));
        _tenants[tenant] = info;
        return info;
    }

    // ---- subjects

    public Task<WriteStatus> CreateSubjectAsync(SubjectRow subject, SubjectKeyRow key, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunStatusAsync(cancellationToken, async ctx =>
        {
            foreach (var lookup in lookups)
            {
                if (lookup.Kind == "external-id")
                {
                    var taken = ctx.Command("SELECT COUNT(*) FROM lookups WHERE tenant = @tenant AND kind = 'external-id' AND hash = @hash")
                        .Add("tenant", lookup.Tenant).Add("hash", lookup.Hash);
                    if (Convert.ToInt64(await taken.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) > 0)
                    {
                        return WriteStatus.Conflict;
                    }
                }
            }

            await ctx.Command("INSERT INTO subjects (tenant, id, state, guardian_id, created_at, updated_at, key_version, sealed) VALUES (@tenant, @id, @state, @guardian, @created, @updated, @kv, @sealed)")
                .Add("tenant", subject.Tenant).Add("id", subject.Id).Add("state", (int)subject.State).Add("guardian", subject.GuardianId)
                .Add("created", subject.CreatedAt.ToUnixTimeMilliseconds()).Add("updated", subject.UpdatedAt.ToUnixTimeMilliseconds())
                .Add("kv", subject.KeyVersion).Add("sealed", subject.Sealed)
                .ExecuteNonQueryAsync();
            await ctx.Command("INSERT INTO subject_keys (tenant, subject, version, wrapped, created_at) VALUES (@tenant, @subject, @version, @wrapped, @created)")
                .Add("tenant", key.Tenant).Add("subject", key.SubjectId).Add("version", key.Version).Add("wrapped", key.Wrapped).Add("created", key.CreatedAt.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            await InsertLookupsAsync(ctx, lookups);
            await ctx.AppendAuditAsync(audit);
            return WriteStatus.Done;
        });

    public async Task<SubjectRow?> GetSubjectAsync(string tenant, string subjectId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT tenant, id, state, guardian_id, created_at, updated_at, key_version, sealed FROM subjects WHERE tenant = @tenant AND id = @id",
            c => c.Add("tenant", tenant).Add("id", subjectId),
            r => new SubjectRow
            {
                Tenant = r.GetString(0),
                Id = r.GetString(1),
                State = (SubjectState)r.GetInt32(2),
                GuardianId = r.IsDBNull(3) ? null : r.GetString(3),
                CreatedAt = Time(r.GetInt64(4)),
                UpdatedAt = Time(r.GetInt64(5)),
                KeyVersion = r.GetInt32(6),
                Sealed = (byte[])r.GetValue(7),
            },
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<SubjectKeyRow?> GetSubjectKeyAsync(string tenant, string subjectId, int version, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT wrapped, created_at FROM subject_keys WHERE tenant = @tenant AND subject = @subject AND version = @version",
            c => c.Add("tenant", tenant).Add("subject", subjectId).Add("version", version),
            r => new SubjectKeyRow(tenant, subjectId, version, (byte[])r.GetValue(0), Time(r.GetInt64(1))),
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<(SubjectRow Subject, SubjectKeyRow Key)?> GetSubjectWithKeyAsync(string tenant, string subjectId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT s.state, s.guardian_id, s.created_at, s.updated_at, s.key_version, s.sealed, k.wrapped, k.created_at FROM subjects s JOIN subject_keys k ON k.tenant = s.tenant AND k.subject = s.id AND k.version = s.key_version WHERE s.tenant = @tenant AND s.id = @id",
            c => c.Add("tenant", tenant).Add("id", subjectId),
            r =>
            {
                var subject = new SubjectRow
                {
                    Tenant = tenant,
                    Id = subjectId,
                    State = (SubjectState)r.GetInt32(0),
                    GuardianId = r.IsDBNull(1) ? null : r.GetString(1),
                    CreatedAt = Time(r.GetInt64(2)),
                    UpdatedAt = Time(r.GetInt64(3)),
                    KeyVersion = r.GetInt32(4),
                    Sealed = (byte[])r.GetValue(5),
                };
                return (subject, new SubjectKeyRow(tenant, subjectId, subject.KeyVersion, (byte[])r.GetValue(6), Time(r.GetInt64(7))));
            },
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<string>> FindSubjectsAsync(string tenant, string kind, byte[] hash, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT DISTINCT subject FROM lookups WHERE tenant = @tenant AND kind = @kind AND hash = @hash ORDER BY subject",
            c => c.Add("tenant", tenant).Add("kind", kind).Add("hash", hash),
            r => r.GetString(0),
            cancellationToken);

    public async Task<long> CountSubjectsAsync(string tenant, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("SELECT COUNT(*) FROM subjects WHERE tenant = @tenant", c => c.Add("tenant", tenant), r => r.GetInt64(0), cancellationToken);
        return rows[0];
    }

    public Task<WriteStatus> SetSubjectStateAsync(string tenant, string subjectId, SubjectState state, DateTimeOffset now, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunStatusAsync(cancellationToken, async ctx =>
        {
            var changed = await ctx.Command("UPDATE subjects SET state = @state, updated_at = @now WHERE tenant = @tenant AND id = @id")
                .Add("state", (int)state).Add("now", now.ToUnixTimeMilliseconds()).Add("tenant", tenant).Add("id", subjectId)
                .ExecuteNonQueryAsync();
            if (changed == 0)
            {
                return WriteStatus.NotFound;
            }

            await SetConsentSubjectActiveAsync(ctx, tenant, subjectId, state);

            await ctx.AppendAuditAsync(audit);
            return WriteStatus.Done;
        });

    // ---- consent

    public Task AppendAsync(ConsentEvent consentEvent, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var e = consentEvent;
            await ctx.Command("INSERT INTO consent_events (tenant, id, subject, purpose, recipient, action, given_by, notice_version, fingerprint, channel, actor, time) VALUES (@tenant, @id, @subject, @purpose, @recipient, @action, @givenBy, @notice, @fingerprint, @channel, @actor, @time)")
                .Add("tenant", e.Tenant).Add("id", e.Id).Add("subject", e.SubjectId).Add("purpose", e.Purpose).Add("recipient", e.Recipient)
                .Add("action", (int)e.Action).Add("givenBy", (int)e.GivenBy).Add("notice", e.NoticeVersion).Add("fingerprint", e.PurposeFingerprint)
                .Add("channel", e.Channel).Add("actor", e.ActorId).Add("time", e.Time.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            await UpsertCurrentConsentAsync(ctx, e);
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<ConsentEvent>> GetHistoryAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT id, purpose, recipient, action, given_by, notice_version, fingerprint, channel, actor, time FROM consent_events WHERE tenant = @tenant AND subject = @subject ORDER BY n",
            c => c.Add("tenant", tenant).Add("subject", subjectId),
            r => ReadConsent(r, tenant, subjectId),
            cancellationToken);

    public async Task<ConsentEvent?> GetLatestConsentAsync(string tenant, string subjectId, string purpose, string? recipient, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            recipient is null
                ? "SELECT id, purpose, recipient, action, given_by, notice_version, fingerprint, channel, actor, time FROM consent_events WHERE tenant = @tenant AND subject = @subject AND purpose = @purpose AND recipient IS NULL ORDER BY n DESC LIMIT 1"
                : "SELECT id, purpose, recipient, action, given_by, notice_version, fingerprint, channel, actor, time FROM consent_events WHERE tenant = @tenant AND subject = @subject AND purpose = @purpose AND recipient = @recipient ORDER BY n DESC LIMIT 1",
            c =>
            {
                c.Add("tenant", tenant).Add("subject", subjectId).Add("purpose", purpose);
                if (recipient is not null)
                {
                    c.Add("recipient", recipient);
                }
            },
            r => ReadConsent(r, tenant, subjectId),
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    private static ConsentEvent ReadConsent(DbDataReader r, string tenant, string subjectId)
        => new()
            {
                Id = r.GetString(0),
                Tenant = tenant,
                SubjectId = subjectId,
                Purpose = r.GetString(1),
                Recipient = r.IsDBNull(2) ? null : r.GetString(2),
                Action = (ConsentAction)r.GetInt32(3),
                GivenBy = (ConsentGiver)r.GetInt32(4),
                NoticeVersion = r.GetString(5),
                PurposeFingerprint = r.GetString(6),
                Channel = r.GetString(7),
                ActorId = r.GetString(8),
                Time = Time(r.GetInt64(9)),
            };

    // ---- care team

    public Task PutCareTeamMemberAsync(CareTeamRow member, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await ctx.Command("INSERT INTO care_team (tenant, subject, actor, role, until, added_at, added_by) VALUES (@tenant, @subject, @actor, @role, @until, @added, @by) ON CONFLICT (tenant, subject, actor, role) DO UPDATE SET until = excluded.until, added_at = excluded.added_at, added_by = excluded.added_by")
                .Add("tenant", member.Tenant).Add("subject", member.SubjectId).Add("actor", member.ActorId).Add("role", member.Role)
                .Add("until", member.Until.ToUnixTimeMilliseconds()).Add("added", member.AddedAt.ToUnixTimeMilliseconds()).Add("by", member.AddedBy)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<CareTeamRow>> GetCareTeamAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT actor, role, until, added_at, added_by FROM care_team WHERE tenant = @tenant AND subject = @subject ORDER BY actor, role",
            c => c.Add("tenant", tenant).Add("subject", subjectId),
            r => new CareTeamRow(tenant, subjectId, r.GetString(0), r.GetString(1), Time(r.GetInt64(2)), Time(r.GetInt64(3)), r.GetString(4)),
            cancellationToken);

    // ---- records

    public Task PutRecordAsync(RecordRow record, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await EnsureCurrentKeyAsync(ctx, record);
            await InsertRecordAsync(ctx, "records", record);
            await InsertLookupsAsync(ctx, lookups);
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task PutRecordsAsync(IReadOnlyList<(RecordRow Record, IReadOnlyList<LookupRow> Lookups)> records, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var checkedSubjects = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (record, lookups) in records)
            {
                if (checkedSubjects.Add(record.SubjectId))
                {
                    await EnsureCurrentKeyAsync(ctx, record);
                }

                await InsertRecordAsync(ctx, "records", record);
                await InsertLookupsAsync(ctx, lookups);
            }

            foreach (var audit in audits)
            {
                await ctx.AppendAuditAsync(audit);
            }

            return true;
        });

    public Task<WriteStatus> PutRecordVersionAsync(RecordRow record, int expectedVersion, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunStatusAsync(cancellationToken, async ctx =>
        {
            var current = ctx.Command("SELECT version FROM records WHERE tenant = @tenant AND id = @id").Add("tenant", record.Tenant).Add("id", record.Id);
            var version = await current.ExecuteScalarAsync();
            if (version is null or DBNull)
            {
                return WriteStatus.NotFound;
            }

            if (Convert.ToInt32(version, System.Globalization.CultureInfo.InvariantCulture) != expectedVersion)
            {
                return WriteStatus.Stale;
            }

            await EnsureCurrentKeyAsync(ctx, record);

            await ctx.Command($"INSERT INTO record_versions ({RecordColumns}) SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND id = @id")
                .Add("tenant", record.Tenant).Add("id", record.Id)
                .ExecuteNonQueryAsync();
            await ctx.Command("UPDATE records SET version = @version, level = @level, purpose = @purpose, updated_at = @updated, sealed = @sealed WHERE tenant = @tenant AND id = @id")
                .Add("version", record.Version).Add("level", (int)record.Level).Add("purpose", record.Purpose)
                .Add("updated", record.UpdatedAt.ToUnixTimeMilliseconds()).Add("sealed", record.Sealed)
                .Add("tenant", record.Tenant).Add("id", record.Id)
                .ExecuteNonQueryAsync();
            await ctx.Command("DELETE FROM lookups WHERE tenant = @tenant AND record_id = @id").Add("tenant", record.Tenant).Add("id", record.Id).ExecuteNonQueryAsync();
            await InsertLookupsAsync(ctx, lookups);
            await ctx.AppendAuditAsync(audit);
            return WriteStatus.Done;
        });

    public async Task<RecordRow?> GetRecordAsync(string tenant, string recordId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND id = @id", c => c.Add("tenant", tenant).Add("id", recordId), ReadRecord, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<(RecordRow Record, SubjectRow Subject, SubjectKeyRow Key)?> GetRecordWithSubjectAsync(string tenant, string recordId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT r.tenant, r.id, r.subject, r.type, r.version, r.level, r.purpose, r.created_at, r.updated_at, r.sealed, r.restricted, s.state, s.guardian_id, s.created_at, s.updated_at, s.key_version, s.sealed, k.wrapped, k.created_at FROM records r JOIN subjects s ON s.tenant = r.tenant AND s.id = r.subject JOIN subject_keys k ON k.tenant = s.tenant AND k.subject = s.id AND k.version = s.key_version WHERE r.tenant = @tenant AND r.id = @id",
            c => c.Add("tenant", tenant).Add("id", recordId),
            r =>
            {
                var record = ReadRecord(r);
                var subject = ReadSubjectAt(r, tenant, record.SubjectId, 11);
                return (record, subject, new SubjectKeyRow(tenant, subject.Id, subject.KeyVersion, (byte[])r.GetValue(17), Time(r.GetInt64(18))));
            },
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    private const string RecordForReadSql = "SELECT r.tenant, r.id, r.subject, r.type, r.version, r.level, r.purpose, r.created_at, r.updated_at, r.sealed, r.restricted, s.state, s.guardian_id, s.created_at, s.updated_at, s.key_version, s.sealed, k.wrapped, k.created_at, c.id, c.purpose, c.recipient, c.action, c.given_by, c.notice_version, c.fingerprint, c.channel, c.actor, c.time{0} FROM records r JOIN subjects s ON s.tenant = r.tenant AND s.id = r.subject JOIN subject_keys k ON k.tenant = s.tenant AND k.subject = s.id AND k.version = s.key_version LEFT JOIN consent_events c ON c.n = (SELECT x.n FROM consent_events x WHERE x.tenant = r.tenant AND x.subject = r.subject AND x.purpose = @purpose AND x.recipient IS NULL ORDER BY x.n DESC LIMIT 1){1} WHERE r.tenant = @tenant AND r.id = @id{2}";
    private static readonly string RecordForRead = string.Format(System.Globalization.CultureInfo.InvariantCulture, RecordForReadSql, string.Empty, string.Empty, string.Empty);
    private static readonly string RecordForReadWithCareTeam = string.Format(System.Globalization.CultureInfo.InvariantCulture, RecordForReadSql, ", t.actor, t.role, t.until, t.added_at, t.added_by", " LEFT JOIN care_team t ON t.tenant = r.tenant AND t.subject = r.subject", " ORDER BY t.actor, t.role");

    public async Task<(RecordRow Record, SubjectRow Subject, SubjectKeyRow Key, ConsentEvent? Consent, IReadOnlyList<CareTeamRow> CareTeam)?> GetRecordForReadAsync(string tenant, string recordId, string? consentPurpose, bool careTeam, CancellationToken cancellationToken)
    {
        // One row per care-team member (or one row): the record, subject, key and consent columns repeat and are read from the first row only.
        (RecordRow Record, SubjectRow Subject, SubjectKeyRow Key, ConsentEvent? Consent)? first = null;
        var members = await QueryAsync(
            careTeam ? RecordForReadWithCareTeam : RecordForRead,
            c => c.Add("tenant", tenant).Add("id", recordId).Add("purpose", consentPurpose),
            r =>
            {
                if (first is null)
                {
                    var record = ReadRecord(r);
                    var subject = ReadSubjectAt(r, tenant, record.SubjectId, 11);
                    var key = new SubjectKeyRow(tenant, subject.Id, subject.KeyVersion, (byte[])r.GetValue(17), Time(r.GetInt64(18)));
                    var consent = r.IsDBNull(19) ? null : new ConsentEvent
                    {
                        Id = r.GetString(19),
                        Tenant = tenant,
                        SubjectId = subject.Id,
                        Purpose = r.GetString(20),
                        Recipient = r.IsDBNull(21) ? null : r.GetString(21),
                        Action = (ConsentAction)r.GetInt32(22),
                        GivenBy = (ConsentGiver)r.GetInt32(23),
                        NoticeVersion = r.GetString(24),
                        PurposeFingerprint = r.GetString(25),
                        Channel = r.GetString(26),
                        ActorId = r.GetString(27),
                        Time = Time(r.GetInt64(28)),
                    };
                    first = (record, subject, key, consent);
                }

                return careTeam && !r.IsDBNull(29)
                    ? new CareTeamRow(tenant, first.Value.Record.SubjectId, r.GetString(29), r.GetString(30), Time(r.GetInt64(31)), Time(r.GetInt64(32)), r.GetString(33))
                    : null;
            },
            cancellationToken);
        if (first is not var (foundRecord, foundSubject, foundKey, foundConsent))
        {
            return null;
        }

        var team = new List<CareTeamRow>(members.Count);
        foreach (var member in members)
        {
            if (member is not null)
            {
                team.Add(member);
            }
        }

        return (foundRecord, foundSubject, foundKey, foundConsent, team);
    }

    public Task<IReadOnlyList<RecordRow>> ListRecordsAsync(string tenant, string subjectId, string? type, CancellationToken cancellationToken)
        => type is null
            ? QueryAsync($"SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND subject = @subject ORDER BY created_at, id", c => c.Add("tenant", tenant).Add("subject", subjectId), ReadRecord, cancellationToken)
            : QueryAsync($"SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND subject = @subject AND type = @type ORDER BY created_at, id", c => c.Add("tenant", tenant).Add("subject", subjectId).Add("type", type), ReadRecord, cancellationToken);

    public async Task<IReadOnlyList<RecordRow>> GetRecordVersionsAsync(string tenant, string recordId, CancellationToken cancellationToken)
    {
        var old = await QueryAsync($"SELECT {RecordColumns} FROM record_versions WHERE tenant = @tenant AND id = @id ORDER BY version", c => c.Add("tenant", tenant).Add("id", recordId), ReadRecord, cancellationToken);
        var current = await GetRecordAsync(tenant, recordId, cancellationToken);
        return current is null ? old : [.. old, current];
    }

    // ---- audit

    public Task<AuditEntry> AppendAsync(AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, ctx => ctx.AppendAuditAsync(audit));

    /// <summary>Brings the audit subject index up to the chain where it is kept behind it (SQLite); false where it is not deferred.</summary>
    internal Task<bool> IndexAuditSubjectsAsync() => _writer.IndexAuditSubjectsAsync();

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(string tenant, AuditQuery query, CancellationToken cancellationToken)
    {
        string sql;
        if (query.SubjectId is not null && _dialect.DefersAuditSubjectIndex)
        {
            // The subject's entries up to the mark through audit_subjects, then those after it straight from the chain
            // (all after every indexed one), in one statement and so one snapshot: an entry is in exactly one part.
            sql = $"SELECT {AuditColumns} FROM ("
                + $"SELECT * FROM (SELECT {JoinedAuditColumns} FROM audit_subjects s JOIN audit_entries e ON e.id = s.id WHERE s.tenant = @tenant AND s.subject = @subject{AuditFilters(query, "e.", subject: false)} ORDER BY s.id LIMIT @limit)"
                + " UNION ALL "
                + $"SELECT * FROM (SELECT {AuditColumns} FROM audit_entries WHERE id > (SELECT upto FROM audit_subjects_mark) AND tenant = @tenant{AuditFilters(query, string.Empty, subject: true)} ORDER BY id LIMIT @limit)"
                + ") ORDER BY id LIMIT @limit";
        }
        else
        {
            sql = $"SELECT {AuditColumns} FROM audit_entries WHERE tenant = @tenant{AuditFilters(query, string.Empty, subject: true)} ORDER BY id LIMIT @limit";
        }

        return QueryAsync(
            sql,
            c =>
            {
                c.Add("tenant", tenant).Add("limit", Math.Clamp(query.Limit, 1, 1000));
                if (query.SubjectId is not null)
                {
                    c.Add("subject", AuditChain.Searchable(query.SubjectId));
                }

                if (query.ActorId is not null)
                {
                    c.Add("actor", AuditChain.Searchable(query.ActorId));
                }

                if (query.From is { } from)
                {
                    c.Add("from", from.ToUnixTimeMilliseconds());
                }

                if (query.To is { } to)
                {
                    c.Add("to", to.ToUnixTimeMilliseconds());
                }

                if (query.After is { } after)
                {
                    c.Add("after", after);
                }

                if (query.ActionPrefix is { } prefix)
                {
                    // Prefixes are set by code (action names hold no LIKE wildcards).
                    c.Add("action", prefix + "%");
                }
            },
            ReadAudit,
            cancellationToken);
    }

    /// <summary>The query's conditions after the tenant's, on columns prefixed with <paramref name="alias"/>.</summary>
    private static string AuditFilters(AuditQuery query, string alias, bool subject)
    {
        var sql = new System.Text.StringBuilder();
        if (subject && query.SubjectId is not null)
        {
            sql.Append(" AND ").Append(alias).Append("subject = @subject");
        }

        if (query.ActorId is not null)
        {
            sql.Append(" AND ").Append(alias).Append("actor = @actor");
        }

        if (query.From is not null)
        {
            sql.Append(" AND ").Append(alias).Append("time >= @from");
        }

        if (query.To is not null)
        {
            sql.Append(" AND ").Append(alias).Append("time < @to");
        }

        if (query.After is not null)
        {
            sql.Append(" AND ").Append(alias).Append("id > @after");
        }

        if (query.ActionPrefix is not null)
        {
            sql.Append(" AND ").Append(alias).Append("action LIKE @action");
        }

        return sql.ToString();
    }

    public async IAsyncEnumerable<AuditEntry> ReadChainAsync(string tenant, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(forWrites: false, cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {AuditColumns} FROM audit_entries WHERE tenant = @tenant ORDER BY lane, seq";
        cmd.Add("tenant", tenant);
        await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadAudit(reader);
        }
    }

    public Task<IReadOnlyList<LaneHead>> GetLaneHeadsAsync(string tenant, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT lane, head_seq, head_hash FROM audit_lanes WHERE tenant = @tenant ORDER BY lane",
            c => c.Add("tenant", tenant),
            r => new LaneHead(r.GetInt32(0), r.GetInt64(1), (byte[])r.GetValue(2)),
            cancellationToken);

    public Task AppendCheckpointAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var heads = JsonSerializer.Serialize(checkpoint.Heads.Select(h => new HeadDto(h.Lane, h.Seq, Convert.ToBase64String(h.Hash))).ToList());
            await ctx.Command("INSERT INTO audit_checkpoints (tenant, time, heads, suite, key_id, signature) VALUES (@tenant, @time, @heads, @suite, @key, @signature)")
                .Add("tenant", checkpoint.Tenant).Add("time", checkpoint.Time.ToUnixTimeMilliseconds()).Add("heads", heads)
                .Add("suite", (int)checkpoint.Suite).Add("key", checkpoint.KeyId).Add("signature", checkpoint.Signature)
                .ExecuteNonQueryAsync();
            return true;
        });

    public Task<IReadOnlyList<Checkpoint>> GetCheckpointsAsync(string tenant, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT id, time, heads, suite, key_id, signature FROM audit_checkpoints WHERE tenant = @tenant ORDER BY id",
            c => c.Add("tenant", tenant),
            r => new Checkpoint
            {
                Id = r.GetInt64(0),
                Tenant = tenant,
                Time = Time(r.GetInt64(1)),
                Heads = [.. (JsonSerializer.Deserialize<List<HeadDto>>(r.GetString(2)) ?? []).Select(h => new LaneHead(h.Lane, h.Seq, Convert.FromBase64String(h.Hash)))],
                Suite = (CryptoSuiteId)r.GetInt32(3),
                KeyId = r.GetString(4),
                Signature = (byte[])r.GetValue(5),
            },
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _dialect.DisposeAsync();
    }

    internal static async ValueTask InsertAuditAsync(WriteContext ctx, AuditEntry e)
    {
        var index = AuditChain.IndexOf(e.Draft);
        await ctx.Command("INSERT INTO audit_entries (tenant, lane, seq, time, actor, role, purpose, action, subject, outcome, code, body, prev_hash, hash) VALUES (@tenant, @lane, @seq, @time, @actor, @role, @purpose, @action, @subject, @outcome, @code, @body, @prev, @hash)")
            .Add("tenant", index.Tenant).Add("lane", e.Lane).Add("seq", e.Seq).Add("time", index.Time)
            .Add("actor", index.Actor).Add("role", index.Role).Add("purpose", index.Purpose).Add("action", index.Action).Add("subject", index.Subject)
            .Add("outcome", index.Outcome).Add("code", index.Code).Add("body", e.Body ?? AuditChain.EncodeBody(e.Draft))
            .Add("prev", e.PrevHash).Add("hash", e.Hash)
            .ExecuteNonQueryAsync();
    }

    private static async ValueTask InsertRecordAsync(WriteContext ctx, string table, RecordRow r)
    {
        await ctx.Command($"INSERT INTO {table} ({RecordColumns}) VALUES (@tenant, @id, @subject, @type, @version, @level, @purpose, @created, @updated, @sealed, @restricted)")
            .Add("tenant", r.Tenant).Add("id", r.Id).Add("subject", r.SubjectId).Add("type", r.Type).Add("version", r.Version)
            .Add("level", (int)r.Level).Add("purpose", r.Purpose).Add("created", r.CreatedAt.ToUnixTimeMilliseconds())
            .Add("updated", r.UpdatedAt.ToUnixTimeMilliseconds()).Add("sealed", r.Sealed).Add("restricted", r.Restricted ? 1 : 0)
            .ExecuteNonQueryAsync();
    }

    private static async ValueTask InsertLookupsAsync(WriteContext ctx, IReadOnlyList<LookupRow> lookups)
    {
        foreach (var l in lookups)
        {
            await ctx.Command("INSERT INTO lookups (tenant, kind, hash, subject, record_id) VALUES (@tenant, @kind, @hash, @subject, @record) ON CONFLICT (tenant, kind, hash, subject, record_id) DO NOTHING")
                .Add("tenant", l.Tenant).Add("kind", l.Kind).Add("hash", l.Hash).Add("subject", l.SubjectId).Add("record", l.RecordId ?? string.Empty)
                .ExecuteNonQueryAsync();
        }
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var lease = await _dialect.LeaseReaderAsync(cancellationToken);
        List<T> rows;
        try
        {
            var cmd = lease.Command(sql);
            bind(cmd);
            await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            {
                rows = [];
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add(read(reader));
                }
            }
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }

        await _dialect.ReturnAsync(lease);
        return rows;
    }

    private static async Task Exec(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A subject's columns (state, guardian, created, updated, key version, sealed) read from <paramref name="at"/> on, in that order.</summary>
    private static SubjectRow ReadSubjectAt(DbDataReader r, string tenant, string subjectId, int at) => new()
    {
        Tenant = tenant,
        Id = subjectId,
        State = (SubjectState)r.GetInt32(at),
        GuardianId = r.IsDBNull(at + 1) ? null : r.GetString(at + 1),
        CreatedAt = Time(r.GetInt64(at + 2)),
        UpdatedAt = Time(r.GetInt64(at + 3)),
        KeyVersion = r.GetInt32(at + 4),
        Sealed = (byte[])r.GetValue(at + 5),
    };

    private static TenantRow ReadTenant(DbDataReader r)
        => new(r.GetString(0), r.GetString(1), (CryptoSuiteId)r.GetInt32(2), r.GetInt32(3), r.GetString(4), r.GetString(5), Time(r.GetInt64(6)));

    private static RecordRow ReadRecord(DbDataReader r) => new()
    {
        Tenant = r.GetString(0),
        Id = r.GetString(1),
        SubjectId = r.GetString(2),
        Type = r.GetString(3),
        Version = r.GetInt32(4),
        Level = (byte)r.GetInt32(5),
        Purpose = r.GetString(6),
        CreatedAt = Time(r.GetInt64(7)),
        UpdatedAt = Time(r.GetInt64(8)),
        Sealed = (byte[])r.GetValue(9),
        Restricted = r.GetInt32(10) != 0,
    };

    /// <summary>
    /// Reads columns strictly in order, so it works with sequential access. The entry is what its stored bytes say; the
    /// search columns are kept beside it for verification to compare. Bytes that are no entry (only a tamperer writes
    /// them) leave the entry as its columns describe it, marked unreadable.
    /// </summary>
    private static AuditEntry ReadAudit(DbDataReader r)
    {
        var id = r.GetInt64(0);
        var tenant = r.GetString(1);
        var lane = r.GetInt32(2);
        var seq = r.GetInt64(3);
        var index = new AuditIndex(
            tenant,
            r.GetInt64(4),
            r.GetString(5),
            r.GetString(6),
            r.IsDBNull(7) ? null : r.GetString(7),
            r.GetString(8),
            r.IsDBNull(9) ? null : r.GetString(9),
            r.GetInt32(10),
            r.IsDBNull(11) ? null : r.GetString(11));
        var body = r.IsDBNull(12) ? [] : (byte[])r.GetValue(12);
        var readable = AuditChain.TryDecodeBody(body, out var draft);
        draft ??= new AuditDraft
        {
            Tenant = index.Tenant,
            Time = Time(index.Time),
            ActorId = index.Actor,
            ActorRole = index.Role,
            Purpose = index.Purpose,
            Action = index.Action,
            SubjectId = index.Subject,
            Outcome = (AuditOutcome)index.Outcome,
            Code = index.Code,
        };
        return new AuditEntry
        {
            Id = id,
            Lane = lane,
            Seq = seq,
            Draft = draft,
            Body = body,
            Indexed = index,
            Unreadable = !readable,
            PrevHash = (byte[])r.GetValue(13),
            Hash = (byte[])r.GetValue(14),
        };
    }

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private sealed record HeadDto(int Lane, long Seq, string Hash);
}
