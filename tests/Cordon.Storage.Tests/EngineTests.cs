using Cordon.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract on the embedded SQLite file.</summary>
public sealed class SqliteStoreTests : StoreContract
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cordon-sqlite-").FullName;

    private string DatabasePath => Path.Combine(_directory, CordonStores.SqliteFileName);

    protected override Task<ICordonStore> OpenStoreAsync(bool reopen = false) => CordonStores.OpenSqliteAsync(DatabasePath);

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
    public async Task The_subject_index_behind_the_chain_is_built_by_the_migration_and_kept_up_by_the_writer()
    {
        // A database from before migration 7: entries exist, the index is on the entries, no audit_subjects.
        var subjectEntries = new List<(int, long)>();
        for (var i = 0; i < 4; i++)
        {
            subjectEntries.Add(Position(await Store.AppendAsync(Audit("record.read", "sub_mg"), default)));
            await Store.AppendAsync(Audit("record.read", null), default);
        }

        await Store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        await ExecuteRawAsync("DROP TABLE audit_subjects; DROP TABLE audit_subjects_mark; CREATE INDEX audit_subject ON audit_entries (tenant, subject, id); DELETE FROM schema_migrations WHERE version = 7;");

        await using var reopened = await CordonStores.OpenSqliteAsync(DatabasePath);
        Assert.Equal(subjectEntries, (await reopened.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_mg", Limit = 100 }, default)).Select(Position));
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'audit_subject'"));
        Assert.Equal(await ScalarAsync("SELECT COUNT(*) FROM audit_entries WHERE subject IS NOT NULL"), await ScalarAsync("SELECT COUNT(*) FROM audit_subjects"));
        Assert.Equal(await ScalarAsync("SELECT MAX(id) FROM audit_entries"), await ScalarAsync("SELECT upto FROM audit_subjects_mark"));

        // New entries are indexed by the writer (a few times a second, or now); the mark moves to the newest entry.
        var newest = await reopened.AppendAsync(Audit("record.read", "sub_mg"), default);
        Assert.True(await ((Cordon.Storage.Sql.SqlStore)reopened).IndexAuditSubjectsAsync());
        var all = await reopened.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_mg", Limit = 100 }, default);
        Assert.Equal([.. subjectEntries, Position(newest)], all.Select(Position));
        Assert.Equal(all[^1].Id, await ScalarAsync("SELECT upto FROM audit_subjects_mark"));
        Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM audit_subjects WHERE subject = 'sub_mg' AND id = {all[^1].Id}"));
    }

    [Fact]
    public async Task A_failing_subject_index_step_never_fails_the_writes_it_rides_with()
    {
        await ExecuteRawAsync("DROP TABLE audit_subjects_mark;");
        await Task.Delay(TimeSpan.FromMilliseconds(250)); // the index step is due with the next batch
        var before = await ScalarAsync("SELECT COUNT(*) FROM audit_entries");
        var entry = await Store.AppendAsync(Audit("record.read", "sub_if"), default);
        Assert.Equal("sub_if", entry.Draft.SubjectId);
        Assert.Equal(before + 1, await ScalarAsync("SELECT COUNT(*) FROM audit_entries"));
    }

    protected override async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
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

    protected override async Task<ICordonStore> OpenStoreAsync(bool reopen = false)
    {
        if (!reopen || _connectionString is null)
        {
            var server = await PostgresServer.GetAsync();
            _connectionString = await server.CreateDatabaseAsync();
        }

        return await CordonStores.OpenPostgresAsync(_connectionString);
    }

    protected override async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
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
    public async Task Two_stores_racing_one_external_id_give_one_subject_and_one_conflict_never_an_error()
    {
        await using var second = await CordonStores.OpenPostgresAsync(_connectionString!);
        for (var round = 0; round < 20; round++)
        {
            var hash = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
            Task<WriteStatus> Create(ICordonStore store, string id) => store.CreateSubjectAsync(
                new SubjectRow { Tenant = Tenant, Id = id, State = Core.Subjects.SubjectState.Active, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch, KeyVersion = 1, Sealed = [1] },
                new SubjectKeyRow(Tenant, id, 1, [2], DateTimeOffset.UnixEpoch),
                [new LookupRow(Tenant, "external-id", hash, id, null)],
                Audit("subject.create", id),
                default);

            var results = await Task.WhenAll(Create(Store, $"sub_a{round}"), Create(second, $"sub_b{round}"));

            Assert.Equal([WriteStatus.Done, WriteStatus.Conflict], results.Order());
        }

        var verified = await VerifyAsync();
        Assert.True(verified.Valid, verified.Reason);
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
