using Cordon.Core.Audit;

namespace Cordon.Storage.Sql;

/// <summary>Care teams.</summary>
internal sealed partial class SqlStore
{
    public Task PutCareTeamMemberAsync(CareTeamRow member, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await ctx.Command("INSERT INTO care_team (tenant, subject, actor, role, until, added_at, added_by) VALUES (@tenant, @subject, @actor, @role, @until, @added, @by) ON CONFLICT (tenant, subject, actor, role) DO UPDATE SET until = excluded.until, added_at = excluded.added_at, added_by = excluded.added_by")
                .Add("tenant", member.Tenant).Add("subject", member.SubjectId).Add("actor", member.ActorId).Add("role", member.Role)
                .Add("until", member.Until.ToUnixTimeMilliseconds()).Add("added", member.AddedAt.ToUnixTimeMilliseconds()).Add("by", member.AddedBy)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<CareTeamRow>> GetCareTeamAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT actor, role, until, added_at, added_by FROM care_team WHERE tenant = @tenant AND subject = @subject ORDER BY actor, role",
            c => c.Add("tenant", tenant).Add("subject", subjectId),
            r => new CareTeamRow(tenant, subjectId, r.GetString(0), r.GetString(1), Time(r.GetInt64(2)), Time(r.GetInt64(3)), r.GetString(4)),
            cancellationToken);
}
