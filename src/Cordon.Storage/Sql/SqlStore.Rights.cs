using System.Data.Common;
using System.Globalization;
using Cordon.Core.Audit;
using Cordon.Core.Rights;

namespace Cordon.Storage.Sql;

/// <summary>Rights requests, legal holds and the working-day calendar.</summary>
internal sealed partial class SqlStore
{
    private const string RightsColumns = "tenant, id, subject, kind, status, relation, requester, requester_role, created_at, updated_at, due_on, closed_at, sealed";

    // ---- rights requests

    public Task PutRightsRequestAsync(RightsRequestRow request, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var r = request;
            await ctx.Command($"INSERT INTO rights_requests ({RightsColumns}) VALUES (@tenant, @id, @subject, @kind, @status, @relation, @requester, @role, @created, @updated, @due, @closed, @sealed) ON CONFLICT (tenant, id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, closed_at = excluded.closed_at, sealed = excluded.sealed")
                .Add("tenant", r.Tenant).Add("id", r.Id).Add("subject", r.SubjectId).Add("kind", (int)r.Kind).Add("status", (int)r.Status)
                .Add("relation", (int)r.Relation).Add("requester", r.RequesterId).Add("role", r.RequesterRole)
                .Add("created", r.CreatedAt.ToUnixTimeMilliseconds()).Add("updated", r.UpdatedAt.ToUnixTimeMilliseconds())
                .Add("due", r.DueOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Add("closed", r.ClosedAt?.ToUnixTimeMilliseconds()).Add("sealed", r.Sealed)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public async Task<RightsRequestRow?> GetRightsRequestAsync(string tenant, string id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {RightsColumns} FROM rights_requests WHERE tenant = @tenant AND id = @id", c => c.Add("tenant", tenant).Add("id", id), ReadRightsRequest, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<RightsRequestRow>> ListRightsRequestsAsync(string tenant, RightsRequestQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new System.Text.StringBuilder($"SELECT {RightsColumns} FROM rights_requests WHERE tenant = @tenant");
        if (query.SubjectId is not null)
        {
            sql.Append(" AND subject = @subject");
        }

        if (query.Status is not null)
        {
            sql.Append(" AND status = @status");
        }

        if (query.OpenAndDueBefore is not null)
        {
            sql.Append(" AND status = @open AND due_on < @due");
        }

        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit");
        return QueryAsync(
            sql.ToString(),
            c =>
            {
                c.Add("tenant", tenant).Add("limit", Math.Clamp(query.Limit, 1, 1000));
                if (query.SubjectId is not null)
                {
                    c.Add("subject", query.SubjectId);
                }

                if (query.Status is { } status)
                {
                    c.Add("status", (int)status);
                }

                if (query.OpenAndDueBefore is { } due)
                {
                    c.Add("open", (int)RightsStatus.Open).Add("due", due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                }
            },
            ReadRightsRequest,
            cancellationToken);
    }

    private static RightsRequestRow ReadRightsRequest(DbDataReader r) => new()
    {
        Tenant = r.GetString(0),
        Id = r.GetString(1),
        SubjectId = r.GetString(2),
        Kind = (RightsKind)r.GetInt32(3),
        Status = (RightsStatus)r.GetInt32(4),
        Relation = (RequesterRelation)r.GetInt32(5),
        RequesterId = r.GetString(6),
        RequesterRole = r.GetString(7),
        CreatedAt = Time(r.GetInt64(8)),
        UpdatedAt = Time(r.GetInt64(9)),
        DueOn = DateOnly.ParseExact(r.GetString(10), "yyyy-MM-dd", CultureInfo.InvariantCulture),
        ClosedAt = r.IsDBNull(11) ? null : Time(r.GetInt64(11)),
        Sealed = (byte[])r.GetValue(12),
    };

    // ---- legal holds

    public Task PutLegalHoldAsync(LegalHoldRow hold, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await ctx.Command("INSERT INTO legal_holds (tenant, id, subject, created_at, created_by, reason, released_at, released_by) VALUES (@tenant, @id, @subject, @created, @by, @reason, @released, @releasedBy) ON CONFLICT (tenant, id) DO UPDATE SET released_at = excluded.released_at, released_by = excluded.released_by")
                .Add("tenant", hold.Tenant).Add("id", hold.Id).Add("subject", hold.SubjectId).Add("created", hold.CreatedAt.ToUnixTimeMilliseconds())
                .Add("by", hold.CreatedBy).Add("reason", hold.SealedReason).Add("released", hold.ReleasedAt?.ToUnixTimeMilliseconds()).Add("releasedBy", hold.ReleasedBy)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<LegalHoldRow>> ListLegalHoldsAsync(string tenant, string? subjectId, bool activeOnly, CancellationToken cancellationToken)
    {
        var sql = "SELECT id, subject, created_at, created_by, reason, released_at, released_by FROM legal_holds WHERE tenant = @tenant"
            + (subjectId is null ? string.Empty : " AND subject = @subject")
            + (activeOnly ? " AND released_at IS NULL" : string.Empty)
            + " ORDER BY created_at, id";
        return QueryAsync(
            sql,
            c =>
            {
                c.Add("tenant", tenant);
                if (subjectId is not null)
                {
                    c.Add("subject", subjectId);
                }
            },
            r => new LegalHoldRow(tenant, r.GetString(0), r.GetString(1), Time(r.GetInt64(2)), r.GetString(3), (byte[])r.GetValue(4), r.IsDBNull(5) ? null : Time(r.GetInt64(5)), r.IsDBNull(6) ? null : r.GetString(6)),
            cancellationToken);
    }

    // ---- calendar

    public Task<IReadOnlyList<CalendarDay>> GetCalendarAsync(string tenant, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT day, working FROM calendar_days WHERE tenant = @tenant ORDER BY day",
            c => c.Add("tenant", tenant),
            r => new CalendarDay(DateOnly.ParseExact(r.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture), r.GetInt32(1) != 0),
            cancellationToken);

    public Task PutCalendarYearAsync(string tenant, int year, IReadOnlyList<CalendarDay> days, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await ctx.Command("DELETE FROM calendar_days WHERE tenant = @tenant AND day >= @from AND day <= @to")
                .Add("tenant", tenant).Add("from", $"{year:D4}-01-01").Add("to", $"{year:D4}-12-31")
                .ExecuteNonQueryAsync();
            foreach (var day in days)
            {
                await ctx.Command("INSERT INTO calendar_days (tenant, day, working) VALUES (@tenant, @day, @working)")
                    .Add("tenant", tenant).Add("day", day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Add("working", day.Working ? 1 : 0)
                    .ExecuteNonQueryAsync();
            }

            await ctx.BumpStateAsync(tenant, StateKinds.Calendar);
            await ctx.AppendAuditAsync(audit);
            return true;
        });
}
