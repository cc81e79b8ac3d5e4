using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Cordon.Core.Audit;
using Cordon.Core.Consent;

namespace Cordon.Storage.Sql;

/// <summary>Marketing storage: current consents, audiences, campaigns, the outbox, user tags and advertising rules.</summary>
internal sealed partial class SqlStore
{
    private const string OutboxColumns = "tenant, id, campaign, subject, channel, variant, status, attempts, next_at, created_at, done_at, last_error, sealed";

    public async IAsyncEnumerable<AudienceMember> ReadAudienceAsync(string tenant, string pushPurpose, string pushFingerprint, string personalisationPurpose, string personalisationFingerprint, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Two ordered range scans merged on the subject id: one pass over each purpose's current consents.
        var scan = "SELECT subject, given_by, has_guardian FROM consent_current WHERE tenant = @tenant AND purpose = @purpose AND recipient = '' AND action = 0 AND fingerprint = @fingerprint AND subject_active = 1 ORDER BY subject" + _dialect.BinaryCollation;
        await using var pushConnection = await _dialect.OpenAsync(forWrites: false, cancellationToken);
        await using var personalConnection = await _dialect.OpenAsync(forWrites: false, cancellationToken);
        await using var push = pushConnection.CreateCommand();
        push.CommandText = scan;
        push.Add("tenant", tenant).Add("purpose", pushPurpose).Add("fingerprint", pushFingerprint);
        await using var personal = personalConnection.CreateCommand();
        personal.CommandText = scan;
        personal.Add("tenant", tenant).Add("purpose", personalisationPurpose).Add("fingerprint", personalisationFingerprint);
        await using var pushReader = await push.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        await using var personalReader = await personal.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        // SQLite's "async" reads are synchronous calls wrapped in a task per row; on a million rows that wrapper is most of
        // the cost, so SQLite steps its cursors directly. PostgreSQL reads asynchronously from the network.
        var direct = _dialect.ReadsInProcess;
        var personalLeft = direct ? personalReader.Read() : await personalReader.ReadAsync(cancellationToken);
        var personalSubject = personalLeft ? personalReader.GetString(0) : null;
        while (direct ? pushReader.Read() : await pushReader.ReadAsync(cancellationToken))
        {
            var subject = pushReader.GetString(0);
            var givenBy = (ConsentGiver)pushReader.GetInt32(1);
            var hasGuardian = pushReader.GetInt32(2) != 0;
            while (personalLeft && string.CompareOrdinal(personalSubject, subject) < 0)
            {
                personalLeft = direct ? personalReader.Read() : await personalReader.ReadAsync(cancellationToken);
                personalSubject = personalLeft ? personalReader.GetString(0) : null;
            }

            yield return new AudienceMember(subject, personalLeft && string.Equals(personalSubject, subject, StringComparison.Ordinal), givenBy, hasGuardian);
        }
    }

    public Task PutCampaignAsync(CampaignRow campaign, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var c = campaign;
            await ctx.Command("INSERT INTO campaigns (tenant, id, name, channel, status, created_at, created_by, send_at, definition) VALUES (@tenant, @id, @name, @channel, @status, @created, @by, @sendAt, @definition) ON CONFLICT (tenant, id) DO UPDATE SET status = excluded.status, send_at = excluded.send_at, definition = excluded.definition, name = excluded.name")
                .Add("tenant", c.Tenant).Add("id", c.Id).Add("name", c.Name).Add("channel", c.Channel).Add("status", c.Status)
                .Add("created", c.CreatedAt.ToUnixTimeMilliseconds()).Add("by", c.CreatedBy).Add("sendAt", c.SendAt?.ToUnixTimeMilliseconds()).Add("definition", c.Definition)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public async Task<CampaignRow?> GetCampaignAsync(string tenant, string id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("SELECT tenant, id, name, channel, status, created_at, created_by, send_at, definition FROM campaigns WHERE tenant = @tenant AND id = @id", c => c.Add("tenant", tenant).Add("id", id), ReadCampaign, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<CampaignRow>> ListCampaignsAsync(string tenant, int limit, CancellationToken cancellationToken)
        => QueryAsync("SELECT tenant, id, name, channel, status, created_at, created_by, send_at, definition FROM campaigns WHERE tenant = @tenant ORDER BY created_at DESC, id LIMIT @limit", c => c.Add("tenant", tenant).Add("limit", Math.Clamp(limit, 1, 1000)), ReadCampaign, cancellationToken);

    public Task<bool> ClaimCampaignAsync(string tenant, string id, string fromStatus, string toStatus, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            // Conditional: of two concurrent claims only one sees the old status (PostgreSQL re-checks it after the row lock).
            var updated = await ctx.Command("UPDATE campaigns SET status = @to WHERE tenant = @tenant AND id = @id AND status = @from")
                .Add("to", toStatus).Add("tenant", tenant).Add("id", id).Add("from", fromStatus)
                .ExecuteNonQueryAsync();
            if (updated != 1)
            {
                return false;
            }

            await ctx.AppendAuditAsync(audit);
            return true;
        });

    private static CampaignRow ReadCampaign(DbDataReader r) => new()
    {
        Tenant = r.GetString(0),
        Id = r.GetString(1),
        Name = r.GetString(2),
        Channel = r.GetString(3),
        Status = r.GetString(4),
        CreatedAt = Time(r.GetInt64(5)),
        CreatedBy = r.GetString(6),
        SendAt = r.IsDBNull(7) ? null : Time(r.GetInt64(7)),
        Definition = r.GetString(8),
    };

    // ---- outbox

    public Task EnqueueAsync(string tenant, string campaignId, string status, IReadOnlyList<OutboxRow> messages, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            foreach (var m in messages)
            {
                await ctx.Command($"INSERT INTO outbox ({OutboxColumns}) VALUES (@tenant, @id, @campaign, @subject, @channel, @variant, @status, @attempts, @next, @created, @done, @error, @sealed)")
                    .Add("tenant", m.Tenant).Add("id", m.Id).Add("campaign", m.CampaignId).Add("subject", m.SubjectId).Add("channel", m.Channel)
                    .Add("variant", m.Variant).Add("status", (int)m.Status).Add("attempts", m.Attempts).Add("next", m.NextAt.ToUnixTimeMilliseconds())
                    .Add("created", m.CreatedAt.ToUnixTimeMilliseconds()).Add("done", m.DoneAt?.ToUnixTimeMilliseconds()).Add("error", m.LastError).Add("sealed", m.Sealed)
                    .ExecuteNonQueryAsync();
            }

            await ctx.Command("UPDATE campaigns SET status = @status WHERE tenant = @tenant AND id = @id").Add("status", status).Add("tenant", tenant).Add("id", campaignId).ExecuteNonQueryAsync();
            foreach (var audit in audits)
            {
                await ctx.AppendAuditAsync(audit);
            }

            return true;
        });

    public Task<IReadOnlyList<OutboxRow>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
        => _writer.RunAsync<IReadOnlyList<OutboxRow>>(cancellationToken, async ctx =>
        {
            var claimed = new List<OutboxRow>();
            var select = ctx.Command($"SELECT {OutboxColumns} FROM outbox WHERE status IN (0, 1) AND next_at <= @now ORDER BY next_at LIMIT @limit")
                .Add("now", now.ToUnixTimeMilliseconds()).Add("limit", Math.Clamp(limit, 1, 10_000));
            await using (var reader = await select.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    claimed.Add(ReadOutbox(reader));
                }
            }

            var won = new List<OutboxRow>(claimed.Count);
            foreach (var m in claimed)
            {
                // The status and lease are checked again in the UPDATE: on PostgreSQL another process may have claimed it.
                var updated = await ctx.Command("UPDATE outbox SET status = 1, next_at = @lease WHERE tenant = @tenant AND id = @id AND status = @status AND next_at = @next")
                    .Add("lease", leaseUntil.ToUnixTimeMilliseconds()).Add("tenant", m.Tenant).Add("id", m.Id).Add("status", (int)m.Status).Add("next", m.NextAt.ToUnixTimeMilliseconds())
                    .ExecuteNonQueryAsync();
                if (updated == 1)
                {
                    won.Add(m with { Status = OutboxStatus.Sending, NextAt = leaseUntil });
                }
            }

            return won;
        });

    public Task CompleteAsync(IReadOnlyList<OutboxRow> messages, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            foreach (var m in messages)
            {
                await ctx.Command("UPDATE outbox SET status = @status, attempts = @attempts, next_at = @next, done_at = @done, last_error = @error WHERE tenant = @tenant AND id = @id")
                    .Add("status", (int)m.Status).Add("attempts", m.Attempts).Add("next", m.NextAt.ToUnixTimeMilliseconds()).Add("done", m.DoneAt?.ToUnixTimeMilliseconds())
                    .Add("error", m.LastError).Add("tenant", m.Tenant).Add("id", m.Id)
                    .ExecuteNonQueryAsync();
            }

            foreach (var audit in audits)
            {
                await ctx.AppendAuditAsync(audit);
            }

            return true;
        });

    public Task<int> RetryFailedAsync(string tenant, string campaignId, DateTimeOffset now, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            // Only failed ones: a message sent, excluded or still queued meanwhile is left as it is.
            var updated = await ctx.Command("UPDATE outbox SET status = @pending, attempts = 0, next_at = @now, done_at = NULL, last_error = NULL WHERE tenant = @tenant AND campaign = @campaign AND status = @failed")
                .Add("pending", (int)OutboxStatus.Pending).Add("now", now.ToUnixTimeMilliseconds()).Add("tenant", tenant).Add("campaign", campaignId).Add("failed", (int)OutboxStatus.Failed)
                .ExecuteNonQueryAsync();
            if (updated > 0)
            {
                await ctx.AppendAuditAsync(audit);
            }

            return updated;
        });

    public async Task<IReadOnlyDictionary<OutboxStatus, int>> CountOutboxAsync(string tenant, string campaignId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT status, COUNT(*) FROM outbox WHERE tenant = @tenant AND campaign = @campaign GROUP BY status",
            c => c.Add("tenant", tenant).Add("campaign", campaignId),
            r => ((OutboxStatus)r.GetInt32(0), Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture)),
            cancellationToken);
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    private static OutboxRow ReadOutbox(DbDataReader r) => new()
    {
        Tenant = r.GetString(0),
        Id = r.GetString(1),
        CampaignId = r.GetString(2),
        SubjectId = r.GetString(3),
        Channel = r.GetString(4),
        Variant = r.GetInt32(5),
        Status = (OutboxStatus)r.GetInt32(6),
        Attempts = r.GetInt32(7),
        NextAt = Time(r.GetInt64(8)),
        CreatedAt = Time(r.GetInt64(9)),
        DoneAt = r.IsDBNull(10) ? null : Time(r.GetInt64(10)),
        LastError = r.IsDBNull(11) ? null : r.GetString(11),
        Sealed = (byte[])r.GetValue(12),
    };

    // ---- user tags

    public Task PutTagAsync(SubjectTagRow tag, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await ctx.Command("INSERT INTO subject_tags (tenant, subject, id, source, created_at, sealed) VALUES (@tenant, @subject, @id, @source, @created, @sealed)")
                .Add("tenant", tag.Tenant).Add("subject", tag.SubjectId).Add("id", tag.Id).Add("source", tag.Source).Add("created", tag.CreatedAt.ToUnixTimeMilliseconds()).Add("sealed", tag.Sealed)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<SubjectTagRow>> ListTagsAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT id, source, created_at, sealed FROM subject_tags WHERE tenant = @tenant AND subject = @subject ORDER BY created_at, id",
            c => c.Add("tenant", tenant).Add("subject", subjectId),
            r => new SubjectTagRow(tenant, subjectId, r.GetString(0), r.GetString(1), Time(r.GetInt64(2)), (byte[])r.GetValue(3)),
            cancellationToken);

    public Task<int> DeleteTagsAsync(string tenant, string subjectId, string? tagId, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var cmd = tagId is null
                ? ctx.Command("DELETE FROM subject_tags WHERE tenant = @tenant AND subject = @subject").Add("tenant", tenant).Add("subject", subjectId)
                : ctx.Command("DELETE FROM subject_tags WHERE tenant = @tenant AND subject = @subject AND id = @id").Add("tenant", tenant).Add("subject", subjectId).Add("id", tagId);
            var removed = await cmd.ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return removed;
        });

    // ---- advertising rules

    public Task PutAdTermAsync(AdTermRow term, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await ctx.Command("INSERT INTO ad_terms (tenant, term, category, pattern, added_at, added_by) VALUES (@tenant, @term, @category, @pattern, @added, @by) ON CONFLICT (tenant, term) DO UPDATE SET category = excluded.category, pattern = excluded.pattern, added_at = excluded.added_at, added_by = excluded.added_by")
                .Add("tenant", term.Tenant).Add("term", term.Term).Add("category", term.Category).Add("pattern", term.Pattern ? 1 : 0).Add("added", term.AddedAt.ToUnixTimeMilliseconds()).Add("by", term.AddedBy)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<bool> DeleteAdTermAsync(string tenant, string term, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var removed = await ctx.Command("DELETE FROM ad_terms WHERE tenant = @tenant AND term = @term").Add("tenant", tenant).Add("term", term).ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return removed > 0;
        });

    public Task<IReadOnlyList<AdTermRow>> ListAdTermsAsync(string tenant, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT term, category, pattern, added_at, added_by FROM ad_terms WHERE tenant = @tenant ORDER BY term",
            c => c.Add("tenant", tenant),
            r => new AdTermRow(tenant, r.GetString(0), r.GetString(1), r.GetInt32(2) != 0, Time(r.GetInt64(3)), r.GetString(4)),
            cancellationToken);
}
