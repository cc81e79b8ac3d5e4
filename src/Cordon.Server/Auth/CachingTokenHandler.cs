using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cordon.Server.Auth;

/// <summary>
/// Validates Cordon's own bearer tokens once and remembers the result until the token expires. A token is immutable
/// and signed, so the same string validates to the same principal for its whole lifetime: re-parsing the JWT and
/// re-checking its HMAC on every request only costs time. Only successful validations are kept, an entry is honoured
/// only until the token's own expiry (plus the configured clock skew), and the cache is bounded.
/// </summary>
internal sealed class CachingTokenHandler : JsonWebTokenHandler
{
    private const int MaxEntries = 20_000;
    private readonly ConcurrentDictionary<string, (TokenValidationResult Result, DateTime NotAfter)> _validated = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public CachingTokenHandler(TimeProvider time)
    {
        _time = time;
        MapInboundClaims = false;
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        var now = _time.GetUtcNow().UtcDateTime;
        if (token is not null && _validated.TryGetValue(token, out var entry))
        {
            if (now <= entry.NotAfter)
            {
                return entry.Result;
            }

            _validated.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (token is not null && result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo != DateTime.MinValue)
        {
            if (_validated.Count >= MaxEntries)
            {
                _validated.Clear();
            }

            _validated[token] = (result, jwt.ValidTo + validationParameters.ClockSkew);
        }

        return result;
    }
}
