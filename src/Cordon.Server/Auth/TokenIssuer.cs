using System.Globalization;
using System.Security.Claims;
using Cordon.Core.Access;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cordon.Server.Auth;

/// <summary>What a token says about its bearer.</summary>
public sealed record TokenRequest(string Tenant, string ActorId, Role Role, string? SubjectId = null, string? Licence = null, int? PracticeYears = null, bool Automated = false);

/// <summary>
/// Issues and describes Cordon's own bearer tokens: JWTs signed HS256 with the tenant's token key from the key
/// file, with the tenant id as <c>kid</c>. An external OpenID Connect issuer can replace them.
/// </summary>
public static class TokenIssuer
{
    public const string Issuer = "cordon";
    public const string Audience = "cordon";

    public static string Issue(TokenRequest request, byte[] tenantTokenKey, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(request);
        var claims = new Dictionary<string, object>
        {
            [Actor.TenantClaim] = request.Tenant,
            [Actor.RoleClaim] = request.Role.ToKey(),
        };
        if (request.SubjectId is not null)
        {
            claims[Actor.SubjectClaim] = request.SubjectId;
        }

        if (request.Licence is not null)
        {
            claims[Actor.LicenceClaim] = request.Licence;
        }

        if (request.PracticeYears is { } years)
        {
            claims[Actor.PracticeYearsClaim] = years.ToString(CultureInfo.InvariantCulture);
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
}
