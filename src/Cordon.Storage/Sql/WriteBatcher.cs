using System.Data.Common;
using System.Threading.Channels;
using Cordon.Core.Audit;
using Cordon.Core.Crypto;

namespace Cordon.Storage.Sql;

/// <summary>
/// Group commit. Every write (a change with its audit entry, or an audit entry alone) is queued;
/// one loop takes what is waiting, runs it in one transaction, commits once (one fsync on SQLite) and
/// only then completes the callers. If the batch fails, each write is retried alone so one bad write
/// cannot sink the others. Nothing is acknowledged before it is durable. The loop runs on its own thread: SQLite's
/// calls are synchronous (a commit waits for fsync), and on a small machine a thread-pool thread blocked in them is a
/// thread that no request can use.
/// </summary>
internal sealed class WriteBatcher : IAsyncDisposable
{
    private const int MaxBatch = 512;

    /// <summary>How often a write that failed transiently (serialization failure, deadlock) is tried in all.</summary>
    private const int TransientAttempts = 4;

    /// <summary>How often, at most, a batch also brings the audit subject index up to the chain (where it is deferred).</summary>
    private const long IndexIntervalMs = 200;
    private readonly Channel<IWriteOp> _queue = Channel.CreateUnbounded<IWriteOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqlStore _store;
    private readonly Dialect _dialect;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DbConnection? _connection;
    private Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private long _indexedAt;

    public WriteBatcher(SqlStore store, Dialect dialect)
    {
        _store = store;
        _dialect = dialect;
        new Thread(Run) { IsBackground = true, Name = "cordon-writer" }.Start();
    }

    /// <summary>Brings the deferred audit subject index up to the chain now (tests and tools; the writer does it on its own).</summary>
    public Task<bool> IndexAuditSubjectsAsync() => RunAsync(CancellationToken.None, async ctx =>
    {
        if (_dialect.DefersAuditSubjectIndex)
        {
            await ctx.IndexAuditSubjectsAsync();
            _indexedAt = Environment.TickCount64;
        }

        return _dialect.DefersAuditSubjectIndex;
    });

    /// <summary>
    /// Queues a write. A write whose token is cancelled before the writer takes it is dropped (it was never acknowledged);
    /// once taken it runs to the end. A unique-key violation raced by another writer (another node) fails it with
    /// <see cref="WriteConflictException"/>; a serialization failure or deadlock is retried.
    /// </summary>
    public Task<T> RunAsync<T>(CancellationToken cancellationToken, Func<WriteContext, ValueTask<T>> work)
        => Enqueue(new WriteOp<T>(work, cancellationToken, null));

    /// <summary>A write that answers <see cref="WriteStatus"/>: a raced unique key is <see cref="WriteStatus.Conflict"/>, as a key found taken is.</summary>
    public Task<WriteStatus> RunStatusAsync(CancellationToken cancellationToken, Func<WriteContext, ValueTask<WriteStatus>> work)
        => Enqueue(new WriteOp<WriteStatus>(work, cancellationToken, () => WriteStatus.Conflict));

    private Task<T> Enqueue<T>(WriteOp<T> op)
    {
        if (!_queue.Writer.TryWrite(op))
        {
            throw new ObjectDisposedException(nameof(WriteBatcher), "The store is closing.");
        }

        return op.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopped.Task;
        await DropConnectionAsync();
    }

    private void Run()
    {
        try
        {
            // Blocking waits on a dedicated thread: the loop never occupies a thread-pool thread. A batch on PostgreSQL
            // may continue on the pool while it waits for the server; this thread waits for the batch.
            var batch = new List<IWriteOp>(MaxBatch);
            var results = new List<object?>(MaxBatch);
            while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var op))
                {
                    if (!op.CancelIfRequested())
                    {
                        batch.Add(op);
                    }
                }

                if (batch.Count > 0)
                {
                    ProcessAsync(batch, results).GetAwaiter().GetResult();
                }
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private async Task ProcessAsync(List<IWriteOp> batch, List<object?> results)
    {
        // The deferred subject index rides along with a batch a few times a second: no transaction or fsync of its own.
        var indexAudit = _dialect.DefersAuditSubjectIndex && Environment.TickCount64 - _indexedAt >= IndexIntervalMs;
        try
        {
            await ExecuteAsync(batch, results, indexAudit);
            if (indexAudit)
            {
                _indexedAt = Environment.TickCount64;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Complete(results[i]);
            }
        }
        catch (Exception) when (batch.Count > 1 || indexAudit)
        {
            // Alone and without the index step: one bad write, or a failing index, cannot sink the others.
            foreach (var op in batch)
            {
                await ExecuteAloneAsync(op, results);
            }
        }
        catch (Exception)
        {
            // A batch of one: tried again on its own, where errors are translated.
            await ExecuteAloneAsync(batch[0], results);
        }
    }

    /// <summary>
    /// One write on its own. Database errors are translated here, once, for every write: a serialization failure or
    /// deadlock is retried (up to <see cref="TransientAttempts"/> times); a unique-key violation becomes the write's
    /// conflict (<see cref="WriteStatus.Conflict"/>, or <see cref="WriteConflictException"/>).
    /// </summary>
    private async Task ExecuteAloneAsync(IWriteOp op, List<object?> results)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ExecuteAsync([op], results);
                op.Complete(results[0]);
                return;
            }
            catch (Exception ex) when (attempt < TransientAttempts && _dialect.IsTransient(ex))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5 * attempt));
            }
            catch (Exception ex) when (_dialect.IsUniqueViolation(ex))
            {
                op.Conflict(ex);
                return;
            }
            catch (Exception ex)
            {
                op.Fail(ex);
                return;
            }
        }
    }

    private async Task ExecuteAsync(IReadOnlyList<IWriteOp> ops, List<object?> results, bool indexAudit = false)
    {
        results.Clear();
        var connection = await ConnectionAsync();
        var keysDestroyed = false;
        try
        {
            await using var transaction = await _dialect.BeginAsync(connection, CancellationToken.None);
            var context = new WriteContext(_store, _dialect, connection, transaction, _commands);
            foreach (var op in ops)
            {
                results.Add(await op.ExecuteAsync(context));
            }

            await context.FlushLaneHeadsAsync();
            if (indexAudit)
            {
                await context.IndexAuditSubjectsAsync();
            }

            await transaction.CommitAsync(CancellationToken.None);
            keysDestroyed = context.KeysDestroyed;
        }
        catch
        {
            await DropConnectionAsync();
            throw;
        }
        finally
        {
            if (!_dialect.KeepsWriterConnection)
            {
                await DropConnectionAsync();
            }
        }

        // After the commit, outside it: a failed scrub must not make the batch look failed (its writes are committed).
        // An unfinished scrub is repeated by the next one and by the key reconciliation at start and in retention runs.
        if (keysDestroyed)
        {
            try
            {
                var scrubConnection = await ConnectionAsync();
                await _dialect.ScrubKeyStoreAsync(scrubConnection);
            }
            catch (System.Data.Common.DbException)
            {
                await DropConnectionAsync();
            }
            finally
            {
                if (!_dialect.KeepsWriterConnection)
                {
                    await DropConnectionAsync();
                }
            }
        }
    }

    private async ValueTask<DbConnection> ConnectionAsync()
    {
        if (_connection is null)
        {
            _connection = await _dialect.OpenAsync(forWrites: true, CancellationToken.None);
            _commands = new Dictionary<string, DbCommand>(StringComparer.Ordinal);
        }

        return _connection;
    }

    private async ValueTask DropConnectionAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync();
        }

        _commands.Clear();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    private interface IWriteOp
    {
        ValueTask<object?> ExecuteAsync(WriteContext context);

        /// <summary>Drops the write when its token was cancelled before it ran; true when dropped.</summary>
        bool CancelIfRequested();

        void Complete(object? result);

        void Conflict(Exception violation);

        void Fail(Exception exception);
    }

    private sealed class WriteOp<T>(Func<WriteContext, ValueTask<T>> work, CancellationToken cancellationToken, Func<T>? onConflict) : IWriteOp
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        public async ValueTask<object?> ExecuteAsync(WriteContext context) => await work(context);

        public bool CancelIfRequested() => cancellationToken.IsCancellationRequested && _completion.TrySetCanceled(cancellationToken);

        public void Complete(object? result) => _completion.TrySetResult((T)result!);

        public void Conflict(Exception violation)
        {
            if (onConflict is not null)
            {
                _completion.TrySetResult(onConflict());
            }
            else
            {
                _completion.TrySetException(new WriteConflictException(violation));
            }
        }

        public void Fail(Exception exception) => _completion.TrySetException(exception);
    }
}

/// <summary>One write transaction: commands bound to it and the audit lane heads it has advanced.</summary>
internal sealed class WriteContext
{
    private readonly Dictionary<(string Tenant, int Lane), (long Seq, byte[] Hash)> _heads = [];
    private readonly HashSet<(string Tenant, int Lane)> _dirty = [];
    private readonly Dictionary<string, DbCommand> _commands;

    public WriteContext(SqlStore store, Dialect dialect, DbConnection connection, DbTransaction transaction, Dictionary<string, DbCommand> commands)
    {
        Store = store;
        Dialect = dialect;
        Connection = connection;
        Transaction = transaction;
        _commands = commands;
    }

    public SqlStore Store { get; }

    public Dialect Dialect { get; }

    public DbConnection Connection { get; }

    public DbTransaction Transaction { get; }

    /// <summary>Set by an operation that destroyed subject keys: the dialect scrubs the key store after the commit.</summary>
    public bool KeysDestroyed { get; set; }

    /// <summary>
    /// A (cached, prepared-once) command bound to this transaction. Its parameters are kept from the last use: every
    /// statement of the writer binds the same parameters each time, and <see cref="CommandExtensions.Add"/> sets the
    /// value of a parameter that is already there instead of building a new one.
    /// </summary>
    public DbCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Transaction = Transaction;
        return command;
    }

    /// <summary>Chains and inserts an audit entry in this transaction.</summary>
    public async ValueTask<AuditEntry> AppendAuditAsync(AuditDraft draft)
    {
        var tenant = await Store.TenantInfoAsync(draft.Tenant, this);
        var lane = AuditChain.LaneOf(draft.SubjectId, tenant.Lanes);
        var key = (draft.Tenant, lane);
        if (!_heads.TryGetValue(key, out var head))
        {
            var select = Command(Dialect.SelectLaneHeadForUpdate);
            select.Add("tenant", draft.Tenant).Add("lane", lane);
            await using var reader = await select.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                throw new InvalidOperationException($"Audit lane {lane} of tenant {draft.Tenant} does not exist.");
            }

            head = (reader.GetInt64(0), (byte[])reader.GetValue(1));
        }

        var suite = CryptoSuite.For(tenant.Suite);
        var entry = AuditChain.Link(suite, draft, lane, head.Seq + 1, head.Hash);
        await SqlStore.InsertAuditAsync(this, entry);
        _heads[key] = (entry.Seq, entry.Hash);
        _dirty.Add(key);
        return entry;
    }

    /// <summary>
    /// Brings <c>audit_subjects</c> up to the chain: every entry after the mark that names a subject, then the mark to the
    /// newest entry, in this transaction. Idempotent (a repeated entry is ignored), and cheap when nothing is new: the
    /// entries after the mark are a range of the rowid. A batch that fails here is retried op by op without it, so the
    /// index can never hold writes back; queries by subject read the entries after the mark directly until it catches up.
    /// </summary>
    public async ValueTask IndexAuditSubjectsAsync()
    {
        await Command("INSERT OR IGNORE INTO audit_subjects (tenant, subject, id) SELECT tenant, subject, id FROM audit_entries WHERE id > (SELECT upto FROM audit_subjects_mark) AND subject IS NOT NULL").ExecuteNonQueryAsync();
        await Command("UPDATE audit_subjects_mark SET upto = newest.id FROM (SELECT MAX(id) AS id FROM audit_entries) AS newest WHERE newest.id > upto").ExecuteNonQueryAsync();
    }

    /// <summary>Bumps a tenant's shared-state version (and tells the other nodes on commit, where the engine can).</summary>
    public async ValueTask BumpStateAsync(string tenant, string kind)
    {
        await Command("INSERT INTO tenant_state (tenant, kind, version) VALUES (@tenant, @kind, 1) ON CONFLICT (tenant, kind) DO UPDATE SET version = tenant_state.version + 1")
            .Add("tenant", tenant).Add("kind", kind).ExecuteNonQueryAsync();
        if (Dialect.NotifyStateSql is { } notify)
        {
            await Command(notify).ExecuteNonQueryAsync();
        }
    }

    public async ValueTask FlushLaneHeadsAsync()
    {
        foreach (var key in _dirty)
        {
            var (seq, hash) = _heads[key];
            var update = Command("UPDATE audit_lanes SET head_seq = @seq, head_hash = @hash WHERE tenant = @tenant AND lane = @lane");
            update.Add("seq", seq).Add("hash", hash).Add("tenant", key.Tenant).Add("lane", key.Lane);
            await update.ExecuteNonQueryAsync();
        }

        _dirty.Clear();
    }
}

internal static class CommandExtensions
{
    /// <summary>
    /// Adds a parameter named <c>@name</c>. The prefix matters for speed: Microsoft.Data.Sqlite looks a bare name up
    /// again with each of its prefixes on every execution; Npgsql accepts either.
    /// </summary>
    public static DbCommand Add(this DbCommand command, string name, object? value)
    {
        var prefixed = Prefixed.GetOrAdd(name, static n => n.StartsWith('@') ? n : "@" + n);
        var parameters = command.Parameters;
        var index = parameters.Count == 0 ? -1 : parameters.IndexOf(prefixed);
        if (index >= 0)
        {
            parameters[index].Value = value ?? DBNull.Value;
            return command;
        }

        var p = command.CreateParameter();
        p.ParameterName = prefixed;
        p.Value = value ?? DBNull.Value;
        parameters.Add(p);
        return command;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Prefixed = new(StringComparer.Ordinal);
}
