using System.Globalization;
using Cordon.Core.Audit;
using Cordon.Core.Crypto;
using Cordon.Core.Retention;

namespace Cordon.Storage.Sql;

/// <summary>Retention deletes, erasure (crypto-shredding), the subject keys it re-keys, and the reconciliation of the key store.</summary>
internal sealed partial class SqlStore
{
    public Task<IReadOnlyList<RecordRow>> ListRecordsPageAsync(string tenant, string subjectId, (DateTimeOffset CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken)
        => QueryAsync(
            after is null
                ? $"SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND subject = @subject ORDER BY created_at, id LIMIT @limit"
                : $"SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND subject = @subject AND (created_at > @afterTime OR (created_at = @afterTime AND id > @afterId)) ORDER BY created_at, id LIMIT @limit",
            c =>
            {
                c.Add("tenant", tenant).Add("subject", subjectId).Add("limit", Math.Clamp(limit, 1, 10_000));
                if (after is var (time, id))
                {
                    c.Add("afterTime", time.ToUnixTimeMilliseconds()).Add("afterId", id);
                }
            },
            ReadRecord,
            cancellationToken);

    public Task<IReadOnlyList<RecordFacts>> ListRecordFactsAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT id, type, purpose, created_at FROM records WHERE tenant = @tenant AND subject = @subject ORDER BY created_at, id",
            c => c.Add("tenant", tenant).Add("subject", subjectId),
            r => new RecordFacts(r.GetString(0), subjectId, r.GetString(1), r.GetString(2), Time(r.GetInt64(3))),
            cancellationToken);

    public Task<IReadOnlyList<RecordFacts>> FindRecordsCreatedBeforeAsync(string tenant, string type, string purpose, DateTimeOffset createdBefore, (DateTimeOffset CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken)
        => QueryAsync(
            after is null
                ? "SELECT id, subject, created_at FROM records WHERE tenant = @tenant AND type = @type AND purpose = @purpose AND created_at < @before ORDER BY created_at, id LIMIT @limit"
                : "SELECT id, subject, created_at FROM records WHERE tenant = @tenant AND type = @type AND purpose = @purpose AND created_at < @before AND (created_at > @afterTime OR (created_at = @afterTime AND id > @afterId)) ORDER BY created_at, id LIMIT @limit",
            c =>
            {
                c.Add("tenant", tenant).Add("type", type).Add("purpose", purpose).Add("before", createdBefore.ToUnixTimeMilliseconds()).Add("limit", Math.Clamp(limit, 1, 10_000));
                if (after is var (time, id))
                {
                    c.Add("afterTime", time.ToUnixTimeMilliseconds()).Add("afterId", id);
                }
            },
            r => new RecordFacts(r.GetString(0), r.GetString(1), type, purpose, Time(r.GetInt64(2))),
            cancellationToken);

    public Task<IReadOnlyList<(string Type, string Purpose)>> ListStoredTypePurposesAsync(string tenant, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT DISTINCT type, purpose FROM records WHERE tenant = @tenant ORDER BY type, purpose",
            c => c.Add("tenant", tenant),
            r => (r.GetString(0), r.GetString(1)),
            cancellationToken);

    public Task<int> DeleteRecordsAsync(string tenant, IReadOnlyList<string> recordIds, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var deleted = 0;
            foreach (var id in recordIds)
            {
                deleted += await DeleteRecordRowsAsync(ctx, tenant, id);
            }

            foreach (var audit in audits)
            {
                await ctx.AppendAuditAsync(audit);
            }

            return deleted;
        });

    public Task<WriteStatus> EraseAsync(SubjectErasure erasure, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunStatusAsync(cancellationToken, async ctx =>
        {
            var e = erasure;
            var current = ctx.Command("SELECT key_version FROM subjects WHERE tenant = @tenant AND id = @id").Add("tenant", e.Tenant).Add("id", e.SubjectId);
            var version = await current.ExecuteScalarAsync();
            if (version is null or DBNull)
            {
                return WriteStatus.NotFound;
            }

            if (Convert.ToInt32(version, CultureInfo.InvariantCulture) != e.ExpectedKeyVersion)
            {
                return WriteStatus.Stale;
            }

            if (e.NewKey is not null)
            {
                // The plan must cover every record the subject has now, at the versions it was made with.
                var planned = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var kept in e.Kept)
                {
                    planned[kept.Id] = kept.Version;
                }

                var deleted = e.Deleted.ToHashSet(StringComparer.Ordinal);
                var seen = 0;
                var list = ctx.Command("SELECT id, version FROM records WHERE tenant = @tenant AND subject = @subject").Add("tenant", e.Tenant).Add("subject", e.SubjectId);
                await using (var reader = await list.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        var id = reader.GetString(0);
                        var ok = planned.TryGetValue(id, out var v) ? v == reader.GetInt32(1) : deleted.Contains(id);
                        if (!ok)
                        {
                            return WriteStatus.Stale;
                        }

                        seen++;
                    }
                }

                if (seen != planned.Count + deleted.Count)
                {
                    return WriteStatus.Stale;
                }

                foreach (var id in e.Deleted)
                {
                    await DeleteRecordRowsAsync(ctx, e.Tenant, id);
                }

                foreach (var kept in e.Kept)
                {
                    await ctx.Command("UPDATE records SET sealed = @sealed, restricted = @restricted WHERE tenant = @tenant AND id = @id")
                        .Add("sealed", kept.Sealed).Add("restricted", kept.Restricted ? 1 : 0).Add("tenant", e.Tenant).Add("id", kept.Id)
                        .ExecuteNonQueryAsync();
                }

                foreach (var old in e.KeptVersions)
                {
                    await ctx.Command("UPDATE record_versions SET sealed = @sealed, restricted = @restricted WHERE tenant = @tenant AND id = @id AND version = @version")
                        .Add("sealed", old.Sealed).Add("restricted", old.Restricted ? 1 : 0).Add("tenant", e.Tenant).Add("id", old.Id).Add("version", old.Version)
                        .ExecuteNonQueryAsync();
                }

                // Usually stored already (PutSubjectKeyAsync); kept here so the transaction stands on its own.
                await ctx.Command("INSERT INTO subject_keys (tenant, subject, version, wrapped, created_at) VALUES (@tenant, @subject, @version, @wrapped, @created) ON CONFLICT (tenant, subject, version) DO NOTHING")
                    .Add("tenant", e.Tenant).Add("subject", e.SubjectId).Add("version", e.NewKey.Version).Add("wrapped", e.NewKey.Wrapped).Add("created", e.NewKey.CreatedAt.ToUnixTimeMilliseconds())
                    .ExecuteNonQueryAsync();
                await ctx.Command("DELETE FROM subject_keys WHERE tenant = @tenant AND subject = @subject AND version <> @version")
                    .Add("tenant", e.Tenant).Add("subject", e.SubjectId).Add("version", e.NewKey.Version)
                    .ExecuteNonQueryAsync();
                await ctx.Command("UPDATE subjects SET state = @state, key_version = @kv, sealed = @sealed, updated_at = @now WHERE tenant = @tenant AND id = @id")
                    .Add("state", (int)e.State).Add("kv", e.NewKey.Version).Add("sealed", e.SubjectSealed).Add("now", audit.Time.ToUnixTimeMilliseconds())
                    .Add("tenant", e.Tenant).Add("id", e.SubjectId)
                    .ExecuteNonQueryAsync();
            }
            else
            {
                // Shredding: every key goes at once, in constant time; the rows, unreadable from now on, are purged after.
                await ctx.Command("DELETE FROM subject_keys WHERE tenant = @tenant AND subject = @subject")
                    .Add("tenant", e.Tenant).Add("subject", e.SubjectId)
                    .ExecuteNonQueryAsync();
                await ctx.Command("UPDATE subjects SET state = @state, sealed = @sealed, updated_at = @now WHERE tenant = @tenant AND id = @id")
                    .Add("state", (int)e.State).Add("sealed", Array.Empty<byte>()).Add("now", audit.Time.ToUnixTimeMilliseconds())
                    .Add("tenant", e.Tenant).Add("id", e.SubjectId)
                    .ExecuteNonQueryAsync();
            }

            if (e.RemoveSubjectLookups || e.NewKey is null)
            {
                await ctx.Command("DELETE FROM lookups WHERE tenant = @tenant AND subject = @subject AND record_id = ''")
                    .Add("tenant", e.Tenant).Add("subject", e.SubjectId)
                    .ExecuteNonQueryAsync();
            }

            if (e.RemoveCareTeam || e.NewKey is null)
            {
                await ctx.Command("DELETE FROM care_team WHERE tenant = @tenant AND subject = @subject")
                    .Add("tenant", e.Tenant).Add("subject", e.SubjectId)
                    .ExecuteNonQueryAsync();
            }

            // User tags were sealed under the old key: they go with it (a re-keyed subject starts without tags).
            await ctx.Command("DELETE FROM subject_tags WHERE tenant = @tenant AND subject = @subject").Add("tenant", e.Tenant).Add("subject", e.SubjectId).ExecuteNonQueryAsync();
            await SetConsentSubjectActiveAsync(ctx, e.Tenant, e.SubjectId, e.State);
            await ctx.AppendAuditAsync(audit);
            ctx.KeysDestroyed = true;
            return WriteStatus.Done;
        });

    public Task PutSubjectKeyAsync(SubjectKeyRow key, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await ctx.Command("INSERT INTO subject_keys (tenant, subject, version, wrapped, created_at) VALUES (@tenant, @subject, @version, @wrapped, @created) ON CONFLICT (tenant, subject, version) DO NOTHING")
                .Add("tenant", key.Tenant).Add("subject", key.SubjectId).Add("version", key.Version).Add("wrapped", key.Wrapped).Add("created", key.CreatedAt.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            return true;
        });

    public Task<int> ReconcileKeysAsync(DateTimeOffset now, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var removed = await ctx.Command("""
                DELETE FROM subject_keys WHERE EXISTS (
                    SELECT 1 FROM subjects s WHERE s.tenant = subject_keys.tenant AND s.id = subject_keys.subject
                    AND (length(s.sealed) = 0 OR subject_keys.version < s.key_version OR (subject_keys.version > s.key_version AND subject_keys.created_at < @stale)))
                """)
                .Add("stale", now.AddHours(-1).ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            ctx.KeysDestroyed |= removed > 0;
            return removed;
        });

    public Task<int> PurgeShreddedRecordsAsync(string tenant, string subjectId, int limit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var keys = ctx.Command("SELECT COUNT(*) FROM subject_keys WHERE tenant = @tenant AND subject = @subject").Add("tenant", tenant).Add("subject", subjectId);
            if (Convert.ToInt64(await keys.ExecuteScalarAsync(), CultureInfo.InvariantCulture) > 0)
            {
                return 0;
            }

            var ids = new List<string>();
            var select = ctx.Command("SELECT id FROM records WHERE tenant = @tenant AND subject = @subject LIMIT @limit").Add("tenant", tenant).Add("subject", subjectId).Add("limit", Math.Clamp(limit, 1, 100_000));
            await using (var reader = await select.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    ids.Add(reader.GetString(0));
                }
            }

            foreach (var id in ids)
            {
                await DeleteRecordRowsAsync(ctx, tenant, id);
            }

            if (ids.Count < limit)
            {
                // The last batch: the lookups of records already removed and any left over go with it.
                await ctx.Command("DELETE FROM lookups WHERE tenant = @tenant AND subject = @subject")
                    .Add("tenant", tenant).Add("subject", subjectId)
                    .ExecuteNonQueryAsync();
            }

            return ids.Count;
        });

    public Task<IReadOnlyList<string>> ListCancelledWithoutRecordsAsync(string tenant, int limit, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT s.id FROM subjects s WHERE s.tenant = @tenant AND s.state = @cancelled AND length(s.sealed) > 0 AND NOT EXISTS (SELECT 1 FROM records r WHERE r.tenant = s.tenant AND r.subject = s.id) ORDER BY s.id LIMIT @limit",
            c => c.Add("tenant", tenant).Add("cancelled", (int)Core.Subjects.SubjectState.Cancelled).Add("limit", Math.Clamp(limit, 1, 10_000)),
            r => r.GetString(0),
            cancellationToken);

    public Task<IReadOnlyList<string>> ListUnpurgedSubjectsAsync(string tenant, int limit, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT s.id FROM subjects s WHERE s.tenant = @tenant AND NOT EXISTS (SELECT 1 FROM subject_keys k WHERE k.tenant = s.tenant AND k.subject = s.id) AND EXISTS (SELECT 1 FROM records r WHERE r.tenant = s.tenant AND r.subject = s.id) ORDER BY s.id LIMIT @limit",
            c => c.Add("tenant", tenant).Add("limit", Math.Clamp(limit, 1, 10_000)),
            r => r.GetString(0),
            cancellationToken);

    private static async ValueTask<int> DeleteRecordRowsAsync(WriteContext ctx, string tenant, string recordId)
    {
        var removed = await ctx.Command("DELETE FROM records WHERE tenant = @tenant AND id = @id").Add("tenant", tenant).Add("id", recordId).ExecuteNonQueryAsync();
        await ctx.Command("DELETE FROM record_versions WHERE tenant = @tenant AND id = @id").Add("tenant", tenant).Add("id", recordId).ExecuteNonQueryAsync();
        await ctx.Command("DELETE FROM lookups WHERE tenant = @tenant AND record_id = @id").Add("tenant", tenant).Add("id", recordId).ExecuteNonQueryAsync();
        return removed;
    }

    /// <summary>
    /// A record is stored only under its subject's current data key: a write sealed before the subject was re-keyed or
    /// shredded would otherwise land under a destroyed key.
    /// </summary>
    private static async ValueTask EnsureCurrentKeyAsync(WriteContext ctx, RecordRow record)
    {
        var (_, keyVersion) = RecordCipher.ReadHeader(record.Sealed);
        var cmd = ctx.Command("SELECT s.key_version FROM subjects s JOIN subject_keys k ON k.tenant = s.tenant AND k.subject = s.id AND k.version = s.key_version WHERE s.tenant = @tenant AND s.id = @id")
            .Add("tenant", record.Tenant).Add("id", record.SubjectId);
        var current = await cmd.ExecuteScalarAsync();
        if (current is null or DBNull || Convert.ToInt32(current, CultureInfo.InvariantCulture) != keyVersion)
        {
            throw SubjectKeyChangedException.ForSubject(record.SubjectId);
        }
    }
}
