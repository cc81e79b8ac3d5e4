using System.Data.Common;
using Cordon.Core.Audit;

namespace Cordon.Storage.Sql;

/// <summary>Care storage: the practitioner register.</summary>
internal sealed partial class SqlStore
{
    private const string PractitionerColumns = "tenant, id, role, registered_at, registered_by, body, suspension, updated_at";

    public Task<WriteStatus> RegisterPractitionerAsync(PractitionerRow practitioner, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var p = practitioner;
            var inserted = await ctx.Command($"INSERT INTO practitioners ({PractitionerColumns}) VALUES (@tenant, @id, @role, @at, @by, @body, @suspension, @updated) ON CONFLICT (tenant, id) DO NOTHING")
                .Add("tenant", p.Tenant).Add("id", p.Id).Add("role", p.Role).Add("at", p.RegisteredAt.ToUnixTimeMilliseconds()).Add("by", p.RegisteredBy)
                .Add("body", p.Body).Add("suspension", p.Suspension).Add("updated", p.UpdatedAt.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            if (inserted == 0)
            {
                return WriteStatus.Conflict;
            }

            await ctx.AppendAuditAsync(audit);
            return WriteStatus.Done;
        });

    public Task<WriteStatus> SetPractitionerSuspensionAsync(string tenant, string id, string? suspension, DateTimeOffset now, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var updated = await ctx.Command("UPDATE practitioners SET suspension = @suspension, updated_at = @updated WHERE tenant = @tenant AND id = @id")
                .Add("suspension", suspension).Add("updated", now.ToUnixTimeMilliseconds()).Add("tenant", tenant).Add("id", id)
                .ExecuteNonQueryAsync();
            if (updated == 0)
            {
                return WriteStatus.NotFound;
            }

            await ctx.AppendAuditAsync(audit);
            return WriteStatus.Done;
        });

    public async Task<PractitionerRow?> GetPractitionerAsync(string tenant, string id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {PractitionerColumns} FROM practitioners WHERE tenant = @tenant AND id = @id", c => c.Add("tenant", tenant).Add("id", id), ReadPractitioner, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<PractitionerRow>> ListPractitionersAsync(string tenant, CancellationToken cancellationToken)
        => QueryAsync($"SELECT {PractitionerColumns} FROM practitioners WHERE tenant = @tenant ORDER BY id", c => c.Add("tenant", tenant), ReadPractitioner, cancellationToken);

    private static PractitionerRow ReadPractitioner(DbDataReader r) => new()
    {
        Tenant = r.GetString(0),
        Id = r.GetString(1),
        Role = r.GetString(2),
        RegisteredAt = Time(r.GetInt64(3)),
        RegisteredBy = r.GetString(4),
        Body = r.GetString(5),
        Suspension = r.IsDBNull(6) ? null : r.GetString(6),
        UpdatedAt = Time(r.GetInt64(7)),
    };
}
