using System.Data.Common;

namespace Cordon.Storage.Sql;

/// <summary>A versioned schema change.</summary>
internal sealed record Migration(int Version, string Description, string Sql);

/// <summary>What differs between SQLite and PostgreSQL; everything else in <see cref="SqlStore"/> is shared SQL.</summary>
internal abstract class Dialect
{
    public abstract string Engine { get; }

    public abstract IReadOnlyList<Migration> Migrations { get; }

    /// <summary>Reads a lane head inside the write transaction, locking it where the engine allows several writers.</summary>
    public abstract string SelectLaneHeadForUpdate { get; }

    /// <summary>Whether the batcher may keep one connection open for all writes (SQLite) or takes one per batch (PostgreSQL).</summary>
    public abstract bool KeepsWriterConnection { get; }

    public abstract ValueTask<DbConnection> OpenAsync(bool forWrites, CancellationToken cancellationToken);

    public abstract ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Serialises migrations across processes (PostgreSQL advisory lock); a no-op on SQLite, whose write lock does it.</summary>
    public abstract string? MigrationLockSql { get; }

    public abstract bool IsUniqueViolation(Exception exception);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
