using System.Data.Common;
using Npgsql;

namespace Cordon.Storage.Sql;

/// <summary>
/// PostgreSQL through Npgsql. Several Cordon processes may share one database: lane heads are locked
/// with <c>FOR UPDATE</c> inside the write transaction, and migrations take an advisory lock.
/// </summary>
internal sealed class PostgresDialect : Dialect
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDialect(string connectionString)
    {
        // No automatic preparation: with it, Npgsql 10 re-executes a reused command with stale parameter values.
        var builder = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString(connectionString));
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "cordon";
        }

        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public override string BinaryCollation => " COLLATE \"C\"";

    public override string Engine => "postgres";

    public override IReadOnlyList<Migration> Migrations => Schema.Postgres;

    public override string ForUpdate => " FOR UPDATE";

    public override string SelectLaneHeadForUpdate => "SELECT head_seq, head_hash FROM audit_lanes WHERE tenant = @tenant AND lane = @lane FOR UPDATE";

    public override bool KeepsWriterConnection => false;

    public override string? MigrationLockSql => "SELECT pg_advisory_xact_lock(727301)";

    public override async ValueTask<DbConnection> OpenAsync(bool forWrites, CancellationToken cancellationToken)
        => await _dataSource.OpenConnectionAsync(cancellationToken);

    public override async ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
        => await ((NpgsqlConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);

    public override bool IsUniqueViolation(Exception exception)
        => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override bool IsTransient(Exception exception)
        => exception is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    public const string StateChannel = "cordon_state";
    private NpgsqlConnection? _listener;

    public override string? NotifyStateSql => $"SELECT pg_notify('{StateChannel}', '')";

    /// <summary>
    /// One listening connection (LISTEN cordon_state) kept open: a notification from any node's committed change wakes the
    /// waiter at once. A broken connection is opened again on the next wait; meanwhile the timeout still bounds the delay.
    /// </summary>
    public override async Task WaitForStateChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            if (_listener is null)
            {
                var listener = await _dataSource.OpenConnectionAsync(cancellationToken);
                await using (var listen = listener.CreateCommand())
                {
                    listen.CommandText = $"LISTEN {StateChannel}";
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                _listener = listener;
            }

            await _listener.WaitAsync(timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or System.IO.IOException or InvalidOperationException)
        {
            if (_listener is not null)
            {
                await _listener.DisposeAsync();
                _listener = null;
            }

            await Task.Delay(timeout, cancellationToken);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        await _dataSource.DisposeAsync();
    }
}

/// <summary>Accepts <c>postgres://user:password@host:port/database?sslmode=…</c> URLs as well as Npgsql connection strings.</summary>
public static class PostgresUrl
{
    public static string ToConnectionString(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return value;
        }

        var uri = new Uri(value);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length == 2 && kv[0].Equals("sslmode", StringComparison.OrdinalIgnoreCase) && Enum.TryParse<SslMode>(kv[1], true, out var mode))
            {
                builder.SslMode = mode;
            }
        }

        return builder.ToString();
    }

    /// <summary>The URL or connection string with any password removed, for logs.</summary>
    public static string Redact(string value)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ToConnectionString(value)) { Password = null };
            return $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
        }
        catch (ArgumentException)
        {
            return "postgres://(unparseable)";
        }
    }
}
