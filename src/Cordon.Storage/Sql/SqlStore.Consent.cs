using System.Data.Common;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Subjects;

namespace Cordon.Storage.Sql;

/// <summary>The consent ledger, and its projection of current consents (kept in the same transaction).</summary>
internal sealed partial class SqlStore
{
    private const string CurrentColumns = "tenant, subject, purpose, recipient, action, given_by, fingerprint, notice_version, time";

    /// <summary>The latest event per (purpose, recipient, subject), kept in the same transaction as the ledger.</summary>
    private static async ValueTask UpsertCurrentConsentAsync(WriteContext ctx, ConsentEvent e)
    {
        await ctx.Command("""
            INSERT INTO consent_current (tenant, purpose, recipient, subject, action, given_by, fingerprint, notice_version, time, subject_active, has_guardian)
            SELECT @tenant, @purpose, @recipient, @subject, @action, @givenBy, @fingerprint, @notice, @time,
                   CASE WHEN s.state = 0 THEN 1 ELSE 0 END, CASE WHEN s.guardian_id IS NULL THEN 0 ELSE 1 END
            FROM subjects s WHERE s.tenant = @tenant AND s.id = @subject
            ON CONFLICT (tenant, purpose, recipient, subject) DO UPDATE SET action = excluded.action, given_by = excluded.given_by,
                fingerprint = excluded.fingerprint, notice_version = excluded.notice_version, time = excluded.time,
                subject_active = excluded.subject_active, has_guardian = excluded.has_guardian
            """)
            .Add("tenant", e.Tenant).Add("purpose", e.Purpose).Add("recipient", e.Recipient ?? string.Empty).Add("subject", e.SubjectId)
            .Add("action", (int)e.Action).Add("givenBy", (int)e.GivenBy).Add("fingerprint", e.PurposeFingerprint).Add("notice", e.NoticeVersion)
            .Add("time", e.Time.ToUnixTimeMilliseconds())
            .ExecuteNonQueryAsync();
    }

    private static async ValueTask SetConsentSubjectActiveAsync(WriteContext ctx, string tenant, string subjectId, SubjectState state)
        => await ctx.Command("UPDATE consent_current SET subject_active = @active WHERE tenant = @tenant AND subject = @subject")
            .Add("active", state == SubjectState.Active ? 1 : 0).Add("tenant", tenant).Add("subject", subjectId)
            .ExecuteNonQueryAsync();

    public Task<IReadOnlyList<ConsentCurrentRow>> ListRenewalsAsync(string tenant, string purpose, string currentFingerprint, string? afterSubject, int limit, CancellationToken cancellationToken)
        => QueryAsync(
            $"SELECT {CurrentColumns} FROM consent_current WHERE tenant = @tenant AND purpose = @purpose AND recipient = '' AND action = 0 AND fingerprint <> @fingerprint AND subject_active = 1 AND subject{_dialect.BinaryCollation} > @after ORDER BY subject{_dialect.BinaryCollation} LIMIT @limit",
            c => c.Add("tenant", tenant).Add("purpose", purpose).Add("fingerprint", currentFingerprint).Add("after", afterSubject ?? string.Empty).Add("limit", Math.Clamp(limit, 1, 10_000)),
            ReadCurrent,
            cancellationToken);

    public Task AppendAsync(ConsentEvent consentEvent, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var e = consentEvent;
            await ctx.Command("INSERT INTO consent_events (tenant, id, subject, purpose, recipient, action, given_by, notice_version, fingerprint, channel, actor, time) VALUES (@tenant, @id, @subject, @purpose, @recipient, @action, @givenBy, @notice, @fingerprint, @channel, @actor, @time)")
                .Add("tenant", e.Tenant).Add("id", e.Id).Add("subject", e.SubjectId).Add("purpose", e.Purpose).Add("recipient", e.Recipient)
                .Add("action", (int)e.Action).Add("givenBy", (int)e.GivenBy).Add("notice", e.NoticeVersion).Add("fingerprint", e.PurposeFingerprint)
                .Add("channel", e.Channel).Add("actor", e.ActorId).Add("time", e.Time.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            await UpsertCurrentConsentAsync(ctx, e);
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<ConsentEvent>> GetHistoryAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT id, purpose, recipient, action, given_by, notice_version, fingerprint, channel, actor, time FROM consent_events WHERE tenant = @tenant AND subject = @subject ORDER BY n",
            c => c.Add("tenant", tenant).Add("subject", subjectId),
            r => ReadConsentAt(r, tenant, subjectId, 0),
            cancellationToken);

    public async Task<ConsentEvent?> GetLatestConsentAsync(string tenant, string subjectId, string purpose, string? recipient, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            recipient is null
                ? "SELECT id, purpose, recipient, action, given_by, notice_version, fingerprint, channel, actor, time FROM consent_events WHERE tenant = @tenant AND subject = @subject AND purpose = @purpose AND recipient IS NULL ORDER BY n DESC LIMIT 1"
                : "SELECT id, purpose, recipient, action, given_by, notice_version, fingerprint, channel, actor, time FROM consent_events WHERE tenant = @tenant AND subject = @subject AND purpose = @purpose AND recipient = @recipient ORDER BY n DESC LIMIT 1",
            c =>
            {
                c.Add("tenant", tenant).Add("subject", subjectId).Add("purpose", purpose);
                if (recipient is not null)
                {
                    c.Add("recipient", recipient);
                }
            },
            r => ReadConsentAt(r, tenant, subjectId, 0),
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    private static ConsentCurrentRow ReadCurrent(DbDataReader r)
        => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3).Length == 0 ? null : r.GetString(3), (ConsentAction)r.GetInt32(4), (ConsentGiver)r.GetInt32(5), r.GetString(6), r.GetString(7), Time(r.GetInt64(8)));

    /// <summary>A consent event from the reader's columns <paramref name="at"/> on (id, purpose, recipient … time).</summary>
    private static ConsentEvent ReadConsentAt(DbDataReader r, string tenant, string subjectId, int at)
        => new()
            {
                Id = r.GetString(at),
                Tenant = tenant,
                SubjectId = subjectId,
                Purpose = r.GetString(at + 1),
                Recipient = r.IsDBNull(at + 2) ? null : r.GetString(at + 2),
                Action = (ConsentAction)r.GetInt32(at + 3),
                GivenBy = (ConsentGiver)r.GetInt32(at + 4),
                NoticeVersion = r.GetString(at + 5),
                PurposeFingerprint = r.GetString(at + 6),
                Channel = r.GetString(at + 7),
                ActorId = r.GetString(at + 8),
                Time = Time(r.GetInt64(at + 9)),
            };
}
