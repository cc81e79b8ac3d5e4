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
        CreatePrivateFile(KeyStorePath);
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

    /// <summary>The key store is created readable by its owner only, before SQLite opens it (SQLite gives its -wal and -shm files the same mode).</summary>
    private static void CreatePrivateFile(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var _ = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first.
        }
    }

    /// <summary>
    /// After a subject's keys are destroyed, the key store's write-ahead log still holds the pages as they were: fold it
    /// into the file (where secure_delete has zeroed the freed bytes) and truncate it.
    /// </summary>
    public override async ValueTask ScrubKeyStoreAsync(DbConnection connection)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA keystore.wal_checkpoint(TRUNCATE);";
        await cmd.ExecuteNonQueryAsync();
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

            using var pragma = connection.CreateCommand();
            pragma.CommandText = forWrites
                ? "PRAGMA busy_timeout=30000; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA keystore.journal_mode=WAL; PRAGMA keystore.synchronous=FULL; PRAGMA keystore.secure_delete=ON;"
                : "PRAGMA busy_timeout=30000; PRAGMA mmap_size=268435456;";
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

    public override async ValueTask DisposeAsync()
    {
        while (_readers.TryTake(out var lease))
        {
            await lease.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
    }
}
