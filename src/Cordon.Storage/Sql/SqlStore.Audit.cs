using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cordon.Core.Audit;
using Cordon.Core.Crypto;

namespace Cordon.Storage.Sql;

/// <summary>The audit chain: entries stored as their own bytes, lane heads, checkpoints.</summary>
internal sealed partial class SqlStore
{
    public Task<AuditEntry> AppendAsync(AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, ctx => ctx.AppendAuditAsync(audit));

    /// <summary>Brings the audit subject index up to the chain where it is kept behind it (SQLite); false where it is not deferred.</summary>
    internal Task<bool> IndexAuditSubjectsAsync() => _writer.IndexAuditSubjectsAsync();

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(string tenant, AuditQuery query, CancellationToken cancellationToken)
    {
        string sql;
        var order = query.NewestFirst ? " DESC" : string.Empty;
        if (query.SubjectId is not null && _dialect.DefersAuditSubjectIndex)
        {
            // The subject's entries up to the mark through audit_subjects, then those after it straight from the chain
            // (all after every indexed one), in one statement and so one snapshot: an entry is in exactly one part. Each
            // part is cut to the limit in the page's order, so the first entries of their union are the page either way.
            sql = $"SELECT {AuditColumns} FROM ("
                + $"SELECT * FROM (SELECT {JoinedAuditColumns} FROM audit_subjects s JOIN audit_entries e ON e.id = s.id WHERE s.tenant = @tenant AND s.subject = @subject{AuditFilters(query, "e.", subject: false)} ORDER BY s.id{order} LIMIT @limit)"
                + " UNION ALL "
                + $"SELECT * FROM (SELECT {AuditColumns} FROM audit_entries WHERE id > (SELECT upto FROM audit_subjects_mark) AND tenant = @tenant{AuditFilters(query, string.Empty, subject: true)} ORDER BY id{order} LIMIT @limit)"
                + $") ORDER BY id{order} LIMIT @limit";
        }
        else
        {
            sql = $"SELECT {AuditColumns} FROM audit_entries WHERE tenant = @tenant{AuditFilters(query, string.Empty, subject: true)} ORDER BY id{order} LIMIT @limit";
        }

        return QueryAsync(
            sql,
            c =>
            {
                c.Add("tenant", tenant).Add("limit", Math.Clamp(query.Limit, 1, 1000));
                if (query.SubjectId is not null)
                {
                    c.Add("subject", AuditChain.Searchable(query.SubjectId));
                }

                if (query.ActorId is not null)
                {
                    c.Add("actor", AuditChain.Searchable(query.ActorId));
                }

                if (query.From is { } from)
                {
                    c.Add("from", from.ToUnixTimeMilliseconds());
                }

                if (query.To is { } to)
                {
                    c.Add("to", to.ToUnixTimeMilliseconds());
                }

                if (query.After is { } after)
                {
                    c.Add("after", after);
                }

                if (query.Before is { } before)
                {
                    c.Add("before", before);
                }

                if (query.Action is { } action)
                {
                    c.Add("exact_action", AuditChain.Searchable(action));
                }

                if (query.Outcome is { } outcome)
                {
                    c.Add("outcome", (int)outcome);
                }

                if (query.ActionPrefix is { } prefix)
                {
                    // Prefixes are set by code (action names hold no LIKE wildcards).
                    c.Add("action", prefix + "%");
                }
            },
            ReadAudit,
            cancellationToken);
    }

    /// <summary>The query's conditions after the tenant's, on columns prefixed with <paramref name="alias"/>.</summary>
    private static string AuditFilters(AuditQuery query, string alias, bool subject)
    {
        var sql = new System.Text.StringBuilder();
        if (subject && query.SubjectId is not null)
        {
            sql.Append(" AND ").Append(alias).Append("subject = @subject");
        }

        if (query.ActorId is not null)
        {
            sql.Append(" AND ").Append(alias).Append("actor = @actor");
        }

        if (query.From is not null)
        {
            sql.Append(" AND ").Append(alias).Append("time >= @from");
        }

        if (query.To is not null)
        {
            sql.Append(" AND ").Append(alias).Append("time < @to");
        }

        if (query.After is not null)
        {
            sql.Append(" AND ").Append(alias).Append("id > @after");
        }

        if (query.Before is not null)
        {
            sql.Append(" AND ").Append(alias).Append("id < @before");
        }

        if (query.Action is not null)
        {
            sql.Append(" AND ").Append(alias).Append("action = @exact_action");
        }

        if (query.Outcome is not null)
        {
            sql.Append(" AND ").Append(alias).Append("outcome = @outcome");
        }

        if (query.ActionPrefix is not null)
        {
            sql.Append(" AND ").Append(alias).Append("action LIKE @action");
        }

        return sql.ToString();
    }

    public async IAsyncEnumerable<AuditEntry> ReadChainAsync(string tenant, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(forWrites: false, cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {AuditColumns} FROM audit_entries WHERE tenant = @tenant ORDER BY lane, seq";
        cmd.Add("tenant", tenant);
        await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadAudit(reader);
        }
    }

    public Task<IReadOnlyList<LaneHead>> GetLaneHeadsAsync(string tenant, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT lane, head_seq, head_hash FROM audit_lanes WHERE tenant = @tenant ORDER BY lane",
            c => c.Add("tenant", tenant),
            r => new LaneHead(r.GetInt32(0), r.GetInt64(1), (byte[])r.GetValue(2)),
            cancellationToken);

    public Task AppendCheckpointAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var heads = JsonSerializer.Serialize(checkpoint.Heads.Select(h => new HeadDto(h.Lane, h.Seq, Convert.ToBase64String(h.Hash))).ToList());
            await ctx.Command("INSERT INTO audit_checkpoints (tenant, time, heads, suite, key_id, signature) VALUES (@tenant, @time, @heads, @suite, @key, @signature)")
                .Add("tenant", checkpoint.Tenant).Add("time", checkpoint.Time.ToUnixTimeMilliseconds()).Add("heads", heads)
                .Add("suite", (int)checkpoint.Suite).Add("key", checkpoint.KeyId).Add("signature", checkpoint.Signature)
                .ExecuteNonQueryAsync();
            return true;
        });

    public Task<IReadOnlyList<Checkpoint>> GetCheckpointsAsync(string tenant, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT id, time, heads, suite, key_id, signature FROM audit_checkpoints WHERE tenant = @tenant ORDER BY id",
            c => c.Add("tenant", tenant),
            r => new Checkpoint
            {
                Id = r.GetInt64(0),
                Tenant = tenant,
                Time = Time(r.GetInt64(1)),
                Heads = [.. (JsonSerializer.Deserialize<List<HeadDto>>(r.GetString(2)) ?? []).Select(h => new LaneHead(h.Lane, h.Seq, Convert.FromBase64String(h.Hash)))],
                Suite = (CryptoSuiteId)r.GetInt32(3),
                KeyId = r.GetString(4),
                Signature = (byte[])r.GetValue(5),
            },
            cancellationToken);


    internal static async ValueTask InsertAuditAsync(WriteContext ctx, AuditEntry e)
    {
        var index = AuditChain.IndexOf(e.Draft);
        await ctx.Command("INSERT INTO audit_entries (tenant, lane, seq, time, actor, role, purpose, action, subject, outcome, code, body, prev_hash, hash) VALUES (@tenant, @lane, @seq, @time, @actor, @role, @purpose, @action, @subject, @outcome, @code, @body, @prev, @hash)")
            .Add("tenant", index.Tenant).Add("lane", e.Lane).Add("seq", e.Seq).Add("time", index.Time)
            .Add("actor", index.Actor).Add("role", index.Role).Add("purpose", index.Purpose).Add("action", index.Action).Add("subject", index.Subject)
            .Add("outcome", index.Outcome).Add("code", index.Code).Add("body", e.Body ?? AuditChain.EncodeBody(e.Draft))
            .Add("prev", e.PrevHash).Add("hash", e.Hash)
            .ExecuteNonQueryAsync();
    }


    /// <summary>
    /// Reads columns strictly in order, so it works with sequential access. The entry is what its stored bytes say; the
    /// search columns are kept beside it for verification to compare. Bytes that are no entry (only a tamperer writes
    /// them) leave the entry as its columns describe it, marked unreadable.
    /// </summary>
    private static AuditEntry ReadAudit(DbDataReader r)
    {
        var id = r.GetInt64(0);
        var tenant = r.GetString(1);
        var lane = r.GetInt32(2);
        var seq = r.GetInt64(3);
        var index = new AuditIndex(
            tenant,
            r.GetInt64(4),
            r.GetString(5),
            r.GetString(6),
            r.IsDBNull(7) ? null : r.GetString(7),
            r.GetString(8),
            r.IsDBNull(9) ? null : r.GetString(9),
            r.GetInt32(10),
            r.IsDBNull(11) ? null : r.GetString(11));
        var body = r.IsDBNull(12) ? [] : (byte[])r.GetValue(12);
        var readable = AuditChain.TryDecodeBody(body, out var draft);
        draft ??= new AuditDraft
        {
            Tenant = index.Tenant,
            Time = Time(index.Time),
            ActorId = index.Actor,
            ActorRole = index.Role,
            Purpose = index.Purpose,
            Action = index.Action,
            SubjectId = index.Subject,
            Outcome = (AuditOutcome)index.Outcome,
            Code = index.Code,
        };
        return new AuditEntry
        {
            Id = id,
            Lane = lane,
            Seq = seq,
            Draft = draft,
            Body = body,
            Indexed = index,
            Unreadable = !readable,
            PrevHash = (byte[])r.GetValue(13),
            Hash = (byte[])r.GetValue(14),
        };
    }
}
