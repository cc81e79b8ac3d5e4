using System.Collections.Concurrent;
using System.Data.Common;
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

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _dialect.DisposeAsync();
    }

    private static async ValueTask InsertRecordAsync(WriteContext ctx, string table, RecordRow r)
    {
        await ctx.Command($"INSERT INTO {table} ({RecordColumns}) VALUES (@tenant, @id, @subject, @type, @version, @level, @purpose, @created, @updated, @sealed, @restricted)")
            .Add("tenant", r.Tenant).Add("id", r.Id).Add("subject", r.SubjectId).Add("type", r.Type).Add("version", r.Version)
            .Add("level", (int)r.Level).Add("purpose", r.Purpose).Add("created", r.CreatedAt.ToUnixTimeMilliseconds())
            .Add("updated", r.UpdatedAt.ToUnixTimeMilliseconds()).Add("sealed", r.Sealed).Add("restricted", r.Restricted ? 1 : 0)
            .ExecuteNonQueryAsync();
        await MarkAutomatedAsync(ctx, r);
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

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private sealed record HeadDto(int Lane, long Seq, string Hash);
}
