using Cordon.Core.Audit;
using Cordon.Core.Crypto;

namespace Cordon.Storage.Sql;

/// <summary>Tenants and their published profiles.</summary>
internal sealed partial class SqlStore
{
    public async Task<TenantRow?> GetTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("SELECT id, name, suite, lanes, profile_yaml, profile_hash, created_at FROM tenants WHERE id = @id", c => c.Add("id", tenant), ReadTenant, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<TenantRow>> ListTenantsAsync(CancellationToken cancellationToken)
        => QueryAsync("SELECT id, name, suite, lanes, profile_yaml, profile_hash, created_at FROM tenants ORDER BY id", _ => { }, ReadTenant, cancellationToken);

    public Task PutTenantAsync(TenantRow tenant, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var exists = ctx.Command("SELECT suite, lanes FROM tenants WHERE id = @id").Add("id", tenant.Id);
            TenantInfo? existing = null;
            await using (var reader = await exists.ExecuteReaderAsync())
            {
                if (await reader.ReadAsync())
                {
                    existing = new TenantInfo((CryptoSuiteId)reader.GetInt32(0), reader.GetInt32(1));
                }
            }

            if (existing is null)
            {
                await ctx.Command("INSERT INTO tenants (id, name, suite, lanes, profile_yaml, profile_hash, created_at) VALUES (@id, @name, @suite, @lanes, @yaml, @hash, @created)")
                    .Add("id", tenant.Id).Add("name", tenant.Name).Add("suite", (int)tenant.Suite).Add("lanes", tenant.Lanes)
                    .Add("yaml", tenant.ProfileYaml).Add("hash", tenant.ProfileHash).Add("created", tenant.CreatedAt.ToUnixTimeMilliseconds())
                    .ExecuteNonQueryAsync();
                for (var lane = 0; lane < tenant.Lanes; lane++)
                {
                    await ctx.Command("INSERT INTO audit_lanes (tenant, lane, head_seq, head_hash) VALUES (@tenant, @lane, 0, @hash)")
                        .Add("tenant", tenant.Id).Add("lane", lane).Add("hash", AuditChain.Genesis(CryptoSuite.For(tenant.Suite), tenant.Id, lane))
                        .ExecuteNonQueryAsync();
                }

                _tenants[tenant.Id] = new TenantInfo(tenant.Suite, tenant.Lanes);
            }
            else
            {
                // The lane count and chain suite are fixed at creation: the chain stays verifiable.
                await ctx.Command("UPDATE tenants SET name = @name, profile_yaml = @yaml, profile_hash = @hash WHERE id = @id")
                    .Add("name", tenant.Name).Add("yaml", tenant.ProfileYaml).Add("hash", tenant.ProfileHash).Add("id", tenant.Id)
                    .ExecuteNonQueryAsync();
            }

            await ctx.Command("INSERT INTO tenant_profiles (tenant, hash, profile_yaml, published_at) VALUES (@tenant, @hash, @yaml, @time) ON CONFLICT (tenant, hash) DO NOTHING")
                .Add("tenant", tenant.Id).Add("hash", tenant.ProfileHash).Add("yaml", tenant.ProfileYaml).Add("time", audit.Time.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            await ctx.BumpStateAsync(tenant.Id, StateKinds.Profile);
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    internal async ValueTask<TenantInfo> TenantInfoAsync(string tenant, WriteContext ctx)
    {
        if (_tenants.TryGetValue(tenant, out var info))
        {
            return info;
        }

        var cmd = ctx.Command("SELECT suite, lanes FROM tenants WHERE id = @id").Add("id", tenant);
        await using var reader = await cmd.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException($"Tenant {tenant} does not exist.");
        }

        info = new TenantInfo((CryptoSuiteId)reader.GetInt32(0), reader.GetInt32(1));
        _tenants[tenant] = info;
        return info;
    }
}
