using Cordon.Core.Audit;
using Cordon.Core.Subjects;

namespace Cordon.Storage.Sql;

/// <summary>Subjects, their data keys and blind-index lookups.</summary>
internal sealed partial class SqlStore
{
    public Task<WriteStatus> CreateSubjectAsync(SubjectRow subject, SubjectKeyRow key, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunStatusAsync(cancellationToken, async ctx =>
        {
            foreach (var lookup in lookups)
            {
                if (lookup.Kind == "external-id")
                {
                    var taken = ctx.Command("SELECT COUNT(*) FROM lookups WHERE tenant = @tenant AND kind = 'external-id' AND hash = @hash")
                        .Add("tenant", lookup.Tenant).Add("hash", lookup.Hash);
                    if (Convert.ToInt64(await taken.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) > 0)
                    {
                        return WriteStatus.Conflict;
                    }
                }
            }

            await ctx.Command("INSERT INTO subjects (tenant, id, state, guardian_id, created_at, updated_at, key_version, sealed) VALUES (@tenant, @id, @state, @guardian, @created, @updated, @kv, @sealed)")
                .Add("tenant", subject.Tenant).Add("id", subject.Id).Add("state", (int)subject.State).Add("guardian", subject.GuardianId)
                .Add("created", subject.CreatedAt.ToUnixTimeMilliseconds()).Add("updated", subject.UpdatedAt.ToUnixTimeMilliseconds())
                .Add("kv", subject.KeyVersion).Add("sealed", subject.Sealed)
                .ExecuteNonQueryAsync();
            await ctx.Command("INSERT INTO subject_keys (tenant, subject, version, wrapped, created_at) VALUES (@tenant, @subject, @version, @wrapped, @created)")
                .Add("tenant", key.Tenant).Add("subject", key.SubjectId).Add("version", key.Version).Add("wrapped", key.Wrapped).Add("created", key.CreatedAt.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            await InsertLookupsAsync(ctx, lookups);
            await ctx.AppendAuditAsync(audit);
            return WriteStatus.Done;
        });

    public async Task<SubjectRow?> GetSubjectAsync(string tenant, string subjectId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT tenant, id, state, guardian_id, created_at, updated_at, key_version, sealed FROM subjects WHERE tenant = @tenant AND id = @id",
            c => c.Add("tenant", tenant).Add("id", subjectId),
            r => ReadSubjectAt(r, r.GetString(0), r.GetString(1), 2),
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<SubjectKeyRow?> GetSubjectKeyAsync(string tenant, string subjectId, int version, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT wrapped, created_at FROM subject_keys WHERE tenant = @tenant AND subject = @subject AND version = @version",
            c => c.Add("tenant", tenant).Add("subject", subjectId).Add("version", version),
            r => new SubjectKeyRow(tenant, subjectId, version, (byte[])r.GetValue(0), Time(r.GetInt64(1))),
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<(SubjectRow Subject, SubjectKeyRow Key)?> GetSubjectWithKeyAsync(string tenant, string subjectId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT s.state, s.guardian_id, s.created_at, s.updated_at, s.key_version, s.sealed, k.wrapped, k.created_at FROM subjects s JOIN subject_keys k ON k.tenant = s.tenant AND k.subject = s.id AND k.version = s.key_version WHERE s.tenant = @tenant AND s.id = @id",
            c => c.Add("tenant", tenant).Add("id", subjectId),
            r =>
            {
                var subject = ReadSubjectAt(r, tenant, subjectId, 0);
                return (subject, new SubjectKeyRow(tenant, subjectId, subject.KeyVersion, (byte[])r.GetValue(6), Time(r.GetInt64(7))));
            },
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<string>> FindSubjectsAsync(string tenant, string kind, byte[] hash, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT DISTINCT subject FROM lookups WHERE tenant = @tenant AND kind = @kind AND hash = @hash ORDER BY subject",
            c => c.Add("tenant", tenant).Add("kind", kind).Add("hash", hash),
            r => r.GetString(0),
            cancellationToken);

    public async Task<long> CountSubjectsAsync(string tenant, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("SELECT COUNT(*) FROM subjects WHERE tenant = @tenant", c => c.Add("tenant", tenant), r => r.GetInt64(0), cancellationToken);
        return rows[0];
    }

    public Task<WriteStatus> SetSubjectStateAsync(string tenant, string subjectId, SubjectState state, DateTimeOffset now, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunStatusAsync(cancellationToken, async ctx =>
        {
            var changed = await ctx.Command("UPDATE subjects SET state = @state, updated_at = @now WHERE tenant = @tenant AND id = @id")
                .Add("state", (int)state).Add("now", now.ToUnixTimeMilliseconds()).Add("tenant", tenant).Add("id", subjectId)
                .ExecuteNonQueryAsync();
            if (changed == 0)
            {
                return WriteStatus.NotFound;
            }

            await SetConsentSubjectActiveAsync(ctx, tenant, subjectId, state);

            await ctx.AppendAuditAsync(audit);
            return WriteStatus.Done;
        });
}
