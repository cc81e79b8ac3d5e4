using System.Data.Common;

namespace Cordon.Storage.Sql;

/// <summary>A versioned schema change: SQL, then optionally a step in code (rewriting rows), in the same transaction.</summary>
internal sealed record Migration(int Version, string Description, string Sql, Func<DbConnection, DbTransaction, CancellationToken, Task>? Then = null);

/// <summary>What differs between SQLite and PostgreSQL; everything else in <see cref="SqlStore"/> is shared SQL.</summary>
internal abstract class Dialect
{
    public abstract string Engine { get; }

    public abstract IReadOnlyList<Migration> Migrations { get; }

    /// <summary>Reads a lane head inside the write transaction, locking it where the engine allows several writers.</summary>
    public abstract string SelectLaneHeadForUpdate { get; }

    /// <summary>The clause that locks a row read inside the write transaction where several writers may race (PostgreSQL); empty on SQLite, whose writer is alone.</summary>
    public virtual string ForUpdate => string.Empty;

    /// <summary>Whether the batcher may keep one connection open for all writes (SQLite) or takes one per batch (PostgreSQL).</summary>
    public abstract bool KeepsWriterConnection { get; }

    public abstract ValueTask<DbConnection> OpenAsync(bool forWrites, CancellationToken cancellationToken);

    public abstract ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Serialises migrations across processes (PostgreSQL advisory lock); a no-op on SQLite, whose write lock does it.</summary>
    public abstract string? MigrationLockSql { get; }

    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>Tells the other nodes that shared state changed, inside the write transaction (PostgreSQL NOTIFY); null where nothing listens.</summary>
    public virtual string? NotifyStateSql => null;

    /// <summary>Waits until another node changes shared state or <paramref name="timeout"/> passes (by default: the timeout).</summary>
    public virtual Task WaitForStateChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.Delay(timeout, cancellationToken);

    /// <summary>A failure that trying again can cure: a serialization failure or deadlock (PostgreSQL), a busy database (SQLite).</summary>
    public abstract bool IsTransient(Exception exception);

    /// <summary>Reads run in this process (SQLite): stepping a cursor never waits on I/O, so it is called directly.</summary>
    public virtual bool ReadsInProcess => false;

    /// <summary>
    /// The audit entries' subject index is kept behind the chain in <c>audit_subjects</c> (SQLite) instead of as an index
    /// on the entries; see <see cref="WriteContext.IndexAuditSubjectsAsync"/>.
    /// </summary>
    public virtual bool DefersAuditSubjectIndex => false;

    /// <summary>A collation clause that orders text by bytes (ordinal), whatever the database's locale.</summary>
    public virtual string BinaryCollation => string.Empty;

    /// <summary>Work after the migrations that must not share their transaction (each statement commits on its own).</summary>
    public virtual ValueTask AfterMigrationsAsync(DbConnection connection, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Removes what the engine keeps of destroyed keys outside the live rows (SQLite: the key store's WAL). Runs after the commit.</summary>
    public virtual ValueTask ScrubKeyStoreAsync(DbConnection connection) => ValueTask.CompletedTask;

    /// <summary>
    /// A connection for one read. By default a fresh (driver-pooled) connection whose commands are disposed with it;
    /// SQLite keeps its own pool of open connections with their statements prepared once.
    /// </summary>
    public virtual async ValueTask<ReadLease> LeaseReaderAsync(CancellationToken cancellationToken)
        => new ReadLease(await OpenAsync(forWrites: false, cancellationToken), null);

    /// <summary>Takes back a lease that ended well; a lease that failed is disposed instead.</summary>
    public virtual ValueTask ReturnAsync(ReadLease lease) => lease.DisposeAsync();

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A read connection lent for one query, with a command per SQL text. With a statement cache (SQLite), commands stay
/// prepared across leases; without one, each command is disposed with the lease.
/// </summary>
internal sealed class ReadLease : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand>? _prepared;
    private List<DbCommand>? _created;

    public ReadLease(DbConnection connection, Dictionary<string, DbCommand>? prepared)
    {
        Connection = connection;
        _prepared = prepared;
    }

    public DbConnection Connection { get; }

    /// <summary>A command for <paramref name="sql"/> with no parameters bound.</summary>
    public DbCommand Command(string sql)
    {
        if (_prepared is not null && _prepared.TryGetValue(sql, out var cached))
        {
            cached.Parameters.Clear();
            return cached;
        }

        var command = Connection.CreateCommand();
        command.CommandText = sql;
        if (_prepared is not null)
        {
            _prepared[sql] = command;
        }
        else
        {
            (_created ??= []).Add(command);
        }

        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in (IEnumerable<DbCommand>?)_prepared?.Values ?? _created ?? [])
        {
            await command.DisposeAsync();
        }

        await Connection.DisposeAsync();
    }
}
