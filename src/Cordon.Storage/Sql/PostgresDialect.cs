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

    public override string SelectLaneHeadForUpdate => "SELECT head_seq, head_hash FROM audit_lanes WHERE tenant = @tenant AND lane = @lane FOR UPDATE";

    public override bool KeepsWriterConnection => false;

    public override string? MigrationLockSql => "SELECT pg_advisory_xact_lock(727301)";

    public override async ValueTask<DbConnection> OpenAsync(bool forWrites, CancellationToken cancellationToken)
        => await _dataSource.OpenConnectionAsync(cancellationToken);

    public override async ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
        => await ((NpgsqlConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);

    public override bool IsUniqueViolation(Exception exception)
        => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
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
