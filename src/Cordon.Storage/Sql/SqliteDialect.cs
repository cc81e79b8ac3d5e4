using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Cordon.Storage.Sql;

/// <summary>
/// SQLite in WAL mode with <c>synchronous=FULL</c>: every committed batch is on disk before any request in it
/// is answered. One process writes through one connection (the batcher); readers use pooled connections.
/// </summary>
internal sealed class SqliteDialect : Dialect
{
    private readonly string _connectionString;

    public SqliteDialect(string path)
    {
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
            using var pragma = connection.CreateCommand();
            pragma.CommandText = forWrites
                ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
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

    public override async ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
        => await ((SqliteConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);

    public override bool IsUniqueViolation(Exception exception)
        => exception is SqliteException { SqliteErrorCode: 19 } e && (e.SqliteExtendedErrorCode is 2067 or 1555);

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
