using Cordon.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract on the embedded SQLite file.</summary>
public sealed class SqliteStoreTests : StoreContract
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cordon-sqlite-").FullName;

    private string DatabasePath => Path.Combine(_directory, CordonStores.SqliteFileName);

    protected override Task<ICordonStore> OpenStoreAsync() => CordonStores.OpenSqliteAsync(DatabasePath);

    protected override async Task ExecuteRawAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    protected override Task CleanupAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_database_runs_in_WAL_mode()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await cmd.ExecuteScalarAsync());
    }
}

/// <summary>The same contract on a real PostgreSQL server started for the test run.</summary>
public sealed class PostgresStoreTests : StoreContract
{
    private string? _connectionString;

    protected override async Task<ICordonStore> OpenStoreAsync()
    {
        var server = await PostgresServer.GetAsync();
        _connectionString = await server.CreateDatabaseAsync();
        return await CordonStores.OpenPostgresAsync(_connectionString);
    }

    protected override async Task ExecuteRawAsync(string sql)
    {
        // Hex blob literals are SQLite syntax; PostgreSQL spells them '\x…'::bytea.
        sql = System.Text.RegularExpressions.Regex.Replace(sql, "X'([0-9A-F]*)'", "'\\x$1'::bytea");
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Two_stores_on_one_database_share_one_valid_chain()
    {
        await using var second = await CordonStores.OpenPostgresAsync(_connectionString!);
        var drafts = Enumerable.Range(0, 100).Select(i => new Core.Audit.AuditDraft
        {
            Tenant = Tenant,
            Time = DateTimeOffset.UnixEpoch.AddDays(i),
            ActorId = "a",
            ActorRole = "app",
            Action = "record.read",
            SubjectId = $"sub_{i % 7}",
            Outcome = Core.Audit.AuditOutcome.Permit,
        }).ToList();

        await Task.WhenAll(drafts.Select((d, i) => (i % 2 == 0 ? Store : second).AppendAsync(d, default)));

        var result = await VerifyAsync();
        Assert.True(result.Valid, result.Reason);
        Assert.Equal(101, result.Entries);
    }
}
