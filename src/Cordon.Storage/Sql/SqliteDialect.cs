using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Cordon.Storage.Sql;

/// <summary>
/// SQLite in WAL mode with <c>synchronous=FULL</c>: every committed batch is on disk before any request in it
/// is answered. One process writes through one connection (the batcher); readers use a pool of open connections
/// whose statements are prepared once and reused (SQLite compiles a statement per prepare, which costs more than
/// running the small keyed lookups of a request).
/// </summary>
internal sealed class SqliteDialect : Dialect
{
    /// <summary>Idle read connections kept open; more may be open at once under load, the surplus is closed on return.</summary>
    private const int MaxIdleReaders = 32;

    /// <summary>
    /// SQLite keeps memory statistics by default, which takes one process-wide mutex on every allocation: with the writer
    /// and several readers on different connections, threads queue on it. Cordon reads none of those statistics. The
    /// setting must come before SQLite initialises (the first connection); later it is refused and nothing changes.
    /// </summary>
    private static readonly bool MemoryStatisticsOff = TurnOffMemoryStatistics();

    private readonly string _connectionString;
    private readonly string _attachKeyStore;
    private readonly ConcurrentBag<ReadLease> _readers = [];

    public SqliteDialect(string path)
    {
        _ = MemoryStatisticsOff;
        KeyStorePath = KeyStorePathFor(path);
        PrivateFiles.EnsureFile(path);
        PrivateFiles.EnsureFile(KeyStorePath);
        foreach (var companion in new[] { "-wal", "-shm" })
        {
            PrivateFiles.Tighten(path + companion);
            PrivateFiles.Tighten(KeyStorePath + companion);
        }

        _attachKeyStore = "ATTACH DATABASE '" + KeyStorePath.Replace("'", "''", StringComparison.Ordinal) + "' AS keystore;";
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        };
        _connectionString = builder.ToString();
    }

    public override string Engine => "sqlite";

    public override bool ReadsInProcess => true;

    /// <summary>The file that holds the subjects' wrapped data keys, beside the database file (see <see cref="Schema"/>).</summary>
    public string KeyStorePath { get; }

    public static string KeyStorePathFor(string databasePath)
        => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databasePath)) ?? ".", Path.GetFileNameWithoutExtension(databasePath) + ".keys.db");

    /// <summary>
    /// After a subject's keys are destroyed, the key store's write-ahead log still holds the pages as they were: fold it
    /// into the file (where secure_delete has zeroed the freed bytes) and truncate it.
    /// </summary>
    public override async ValueTask ScrubKeyStoreAsync(DbConnection connection)
    {
        // The pragma answers (busy, log frames, checkpointed frames); busy = 1 while a reader holds an older snapshot.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA keystore.wal_checkpoint(TRUNCATE);";
            await using var reader = await cmd.ExecuteReaderAsync();
            if (await reader.ReadAsync() && reader.GetInt32(0) == 0)
            {
                return;
            }

            await Task.Delay(20 * (attempt + 1));
        }
    }

    /// <summary>
    /// Moves the subject keys of a database made before the key store existed into <c>cordon.keys.db</c>: copied in one
    /// transaction (the key store alone commits it), and only then, in another, dropped from <c>cordon.db</c> once every row
    /// is verified to be in the key store. SQLite commits attached WAL databases one file at a time, so the copy and the
    /// drop are never in the same transaction.
    /// </summary>
    public override async ValueTask AfterMigrationsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        async Task<long> ScalarAsync(string sql)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        async Task ExecAsync(string sql)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecAsync(Schema.MoveKeys);
        if (await ScalarAsync("SELECT COUNT(*) FROM main.sqlite_master WHERE type = 'table' AND name = 'subject_keys'") == 0)
        {
            return;
        }

        await ExecAsync("INSERT OR IGNORE INTO keystore.subject_keys (tenant, subject, version, wrapped, created_at) SELECT tenant, subject, version, wrapped, created_at FROM main.subject_keys");
        var missing = await ScalarAsync("SELECT COUNT(*) FROM main.subject_keys m WHERE NOT EXISTS (SELECT 1 FROM keystore.subject_keys k WHERE k.tenant = m.tenant AND k.subject = m.subject AND k.version = m.version AND k.wrapped = m.wrapped)");
        if (missing != 0)
        {
            throw new InvalidOperationException($"{missing} subject keys could not be copied into the key store; cordon.db keeps them and Cordon does not start.");
        }

        await ExecAsync("DROP TABLE main.subject_keys");
    }

    private static bool TurnOffMemoryStatistics()
    {
        const int SqliteConfigMemStatus = 9;
        SQLitePCL.Batteries_V2.Init();
        return SQLitePCL.raw.sqlite3_config(SqliteConfigMemStatus, 0) == SQLitePCL.raw.SQLITE_OK;
    }

    public override IReadOnlyList<Migration> Migrations => Schema.Sqlite;

    public override string SelectLaneHeadForUpdate => "SELECT head_seq, head_hash FROM audit_lanes WHERE tenant = @tenant AND lane = @lane";

    public override bool KeepsWriterConnection => true;

    public override bool DefersAuditSubjectIndex => true;

    public override string? MigrationLockSql => null;

    public override async ValueTask<DbConnection> OpenAsync(bool forWrites, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using (var attached = connection.CreateCommand())
            {
                // A connection from the driver's pool may already have the key store attached.
                attached.CommandText = "SELECT COUNT(*) FROM pragma_database_list WHERE name = 'keystore'";
                if (Convert.ToInt64(await attached.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
                {
                    attached.CommandText = _attachKeyStore;
                    await attached.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            // Readers do not memory-map the file: every read transaction that follows a commit resets the pager and
            // unmaps the whole map (SQLite's pagerBeginReadTransaction), and the munmap with the page faults that map it
            // again cost ~7 % of the server's CPU under audited reads; the pages a read needs again come from the OS
            // cache through pread.
            using var pragma = connection.CreateCommand();
            pragma.CommandText = forWrites
                ? "PRAGMA busy_timeout=30000; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA keystore.journal_mode=WAL; PRAGMA keystore.synchronous=FULL; PRAGMA keystore.secure_delete=ON;"
                : "PRAGMA busy_timeout=30000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async ValueTask<ReadLease> LeaseReaderAsync(CancellationToken cancellationToken)
        => _readers.TryTake(out var lease) ? lease : new ReadLease(await OpenAsync(forWrites: false, cancellationToken), new Dictionary<string, DbCommand>(StringComparer.Ordinal));

    public override ValueTask ReturnAsync(ReadLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (_readers.Count < MaxIdleReaders)
        {
            _readers.Add(lease);
            return ValueTask.CompletedTask;
        }

        return lease.DisposeAsync();
    }

    public override async ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
        => await ((SqliteConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);

    public override bool IsUniqueViolation(Exception exception)
        => exception is SqliteException { SqliteErrorCode: 19 } e && (e.SqliteExtendedErrorCode is 2067 or 1555);

    /// <summary>SQLITE_BUSY and SQLITE_LOCKED: another process held the write lock past the busy timeout.</summary>
    public override bool IsTransient(Exception exception) => exception is SqliteException { SqliteErrorCode: 5 or 6 };

    public override async ValueTask DisposeAsync()
    {
        while (_readers.TryTake(out var lease))
        {
            await lease.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
    }
}
