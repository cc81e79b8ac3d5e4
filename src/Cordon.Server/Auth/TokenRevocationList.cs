using System.Collections.Concurrent;
using Cordon.Core.Audit;
using Cordon.Server.Hosting;
using Cordon.Storage;

namespace Cordon.Server.Auth;

/// <summary>
/// The revoked tokens every node checks: read from the store at start, then the revocations recorded since the last
/// look (with a minute's overlap, for nodes whose clocks differ or whose writes commit late) once a second, so a token
/// revoked on one node is refused by every node within about a second. A revocation made here counts at once.
/// Revocations expire with the tokens they cover, so the list holds at most the tokens of the last 30 days.
/// </summary>
public sealed partial class TokenRevocationList(ITokenRevocations store, TimeProvider time, ILogger<TokenRevocationList> logger)
{
    private static readonly TimeSpan Overlap = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<(string Tenant, RevocationKind Kind, string Value), TokenRevocationRow> _revoked = new();
    private DateTimeOffset _lastLook = DateTimeOffset.MinValue;

    /// <summary>Whether a token (its tenant, id, actor and issue time) is revoked.</summary>
    public bool IsRevoked(string tenant, string? tokenId, string actor, DateTimeOffset? issuedAt)
    {
        if (_revoked.IsEmpty)
        {
            return false;
        }

        if (tokenId is not null && _revoked.ContainsKey((tenant, RevocationKind.Token, tokenId)))
        {
            return true;
        }

        // Every token of the actor issued up to the revocation; one issued after it (a new sign-in) is valid.
        return _revoked.TryGetValue((tenant, RevocationKind.Actor, actor), out var byActor) && (issuedAt is null || issuedAt <= byActor.RevokedAt);
    }

    /// <summary>Records a revocation (durably, with its audit entry) and applies it here at once.</summary>
    public async Task RevokeAsync(TokenRevocationRow revocation, AuditDraft audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        await store.RevokeTokensAsync(revocation, audit, cancellationToken);
        _revoked[(revocation.Tenant, revocation.Kind, revocation.Value)] = revocation;
    }

    /// <summary>Reads what was revoked since the last look (everything unexpired, the first time) and forgets what expired.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var since = _lastLook == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : _lastLook - Overlap;
        try
        {
            foreach (var row in await store.GetTokenRevocationsAsync(since, now, cancellationToken))
            {
                _revoked.AddOrUpdate((row.Tenant, row.Kind, row.Value), row, (_, known) => row.RevokedAt >= known.RevokedAt ? row : known);
            }

            _lastLook = now;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            LogRefreshFailed(ex.GetType().Name);
        }

        foreach (var (key, row) in _revoked)
        {
            if (row.ExpiresAt < now)
            {
                _revoked.TryRemove(key, out _);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the token revocations failed ({Error}); tokens revoked on other nodes meanwhile are refused once it succeeds")]
    private partial void LogRefreshFailed(string error);
}

/// <summary>
/// Reads the revocations other nodes recorded, once a second of real time (as tokens are checked against the system
/// clock): never on a test's or a simulation's clock, which could fire it once for every second it skips.
/// </summary>
public sealed class TokenRevocationService(TokenRevocationList revocations) : PeriodicService(TimeProvider.System)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await revocations.RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => revocations.RefreshAsync(cancellationToken);
}

/// <summary>The token was valid but has been revoked.</summary>
public sealed class TokenRevokedException() : Microsoft.IdentityModel.Tokens.SecurityTokenValidationException("The token was revoked.");
