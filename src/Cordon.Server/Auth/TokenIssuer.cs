using System.Security.Claims;
using Cordon.Core.Access;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cordon.Server.Auth;

/// <summary>What a token says about its bearer.</summary>
public sealed record TokenRequest(string Tenant, string ActorId, Role Role, string? SubjectId = null, bool Automated = false);

/// <summary>
/// Issues and describes Cordon's own bearer tokens: JWTs signed HS256 with the tenant's token key from the key
/// file, with the tenant id as <c>kid</c>. An external OpenID Connect issuer can replace them.
/// </summary>
public static class TokenIssuer
{
    public const string Issuer = "cordon";
    public const string Audience = "cordon";

    /// <summary>Tokens are short-lived unless asked otherwise: an hour.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    /// <summary>The longest lifetime a token may have (it bounds how long a revocation must be kept).</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(30);

    public static string Issue(TokenRequest request, byte[] tenantTokenKey, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, $"A token lives more than zero and at most {MaxLifetime.TotalDays:0} days.");
        }

        var claims = new Dictionary<string, object>
        {
            [Actor.TenantClaim] = request.Tenant,
            [Actor.RoleClaim] = request.Role.ToKey(),

            // Its own id, by which this one token can be revoked (RFC 7519 jti).
            ["jti"] = NewTokenId(),
        };
        if (request.SubjectId is not null)
        {
            claims[Actor.SubjectClaim] = request.SubjectId;
        }

        if (request.Automated)
        {
            claims[Actor.AutomatedClaim] = "true";
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim("sub", request.ActorId)]),
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime.AddSeconds(-5),
            Expires = now.Add(lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKey(request.Tenant, tenantTokenKey), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public static SymmetricSecurityKey SigningKey(string tenant, byte[] tenantTokenKey) => new(tenantTokenKey) { KeyId = tenant };

    public static string NewTokenId() => "tk_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
