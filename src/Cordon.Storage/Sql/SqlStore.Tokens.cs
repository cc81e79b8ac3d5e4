using Cordon.Core.Audit;

namespace Cordon.Storage.Sql;

/// <summary>The token revocation list.</summary>
internal sealed partial class SqlStore
{
    public Task RevokeTokensAsync(TokenRevocationRow revocation, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            // What has expired can never match a valid token again: removed as new revocations come.
            await ctx.Command("DELETE FROM token_revocations WHERE expires_at < @now").Add("now", revocation.RevokedAt.ToUnixTimeMilliseconds()).ExecuteNonQueryAsync();
            await ctx.Command("INSERT INTO token_revocations (tenant, kind, value, revoked_at, expires_at, revoked_by, reason) VALUES (@tenant, @kind, @value, @at, @expires, @by, @reason) "
                    + "ON CONFLICT (tenant, kind, value) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at, revoked_by = excluded.revoked_by, reason = excluded.reason")
                .Add("tenant", revocation.Tenant).Add("kind", (int)revocation.Kind).Add("value", revocation.Value)
                .Add("at", revocation.RevokedAt.ToUnixTimeMilliseconds()).Add("expires", revocation.ExpiresAt.ToUnixTimeMilliseconds())
                .Add("by", revocation.RevokedBy).Add("reason", revocation.Reason)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<TokenRevocationRow>> GetTokenRevocationsAsync(DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT tenant, kind, value, revoked_at, expires_at, revoked_by, reason FROM token_revocations WHERE revoked_at >= @since AND expires_at >= @now",
            c => c.Add("since", since.ToUnixTimeMilliseconds()).Add("now", now.ToUnixTimeMilliseconds()),
            r => new TokenRevocationRow(r.GetString(0), (RevocationKind)r.GetInt32(1), r.GetString(2), Time(r.GetInt64(3)), Time(r.GetInt64(4)), r.GetString(5), r.GetString(6)),
            cancellationToken);
}
