using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cordon.Server.Tests;

/// <summary>Tokens from an external OpenID Connect issuer (discovery and JWKS served by a real local issuer).</summary>
public sealed class ExternalIssuerTests : IAsyncLifetime
{
    private readonly RSA _rsa = RSA.Create(2048);
    private WebApplication? _issuer;
    private CordonServer? _server;
    private string _authority = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _issuer = builder.Build();
        var key = new RsaSecurityKey(_rsa.ExportParameters(false)) { KeyId = "issuer-key-1" };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(key);
        _issuer.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = _authority,
            ["jwks_uri"] = _authority + "/jwks",
        }));
        _issuer.MapGet("/jwks", () => Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } }));
        await _issuer.StartAsync();
        _authority = _issuer.Urls.First();
        _server = await CordonServer.StartAsync(configure: o =>
        {
            o.Authority = _authority;
            o.RequireHttpsMetadata = false;
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_issuer is not null)
        {
            await _issuer.DisposeAsync();
        }

        _rsa.Dispose();
    }

    [Fact]
    public async Task Tokens_of_the_configured_issuer_are_accepted_and_others_refused()
    {
        var (ok, _) = await _server!.SendAsync(HttpMethod.Get, "/v1/audit/verify", Token(_authority, "dpo"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        var (wrongRole, problem) = await _server.SendAsync(HttpMethod.Get, "/v1/audit/verify", Token(_authority, "support"));
        Assert.Equal(HttpStatusCode.Forbidden, wrongRole.StatusCode);
        Assert.Equal("access.role-not-allowed", problem!["code"]!.GetValue<string>());

        var (otherIssuer, _) = await _server.SendAsync(HttpMethod.Get, "/v1/audit/verify", Token("http://elsewhere.example", "dpo"));
        Assert.Equal(HttpStatusCode.Unauthorized, otherIssuer.StatusCode);

        var (ownToken, _) = await _server.SendAsync(HttpMethod.Get, "/v1/audit/verify", _server.Dpo);
        Assert.Equal(HttpStatusCode.Unauthorized, ownToken.StatusCode);
    }

    private string Token(string issuer, string role) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer,
        Audience = "cordon",
        Subject = new ClaimsIdentity([new Claim("sub", "staff-9"), new Claim("role", role)]),
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = "issuer-key-1" }, SecurityAlgorithms.RsaSha256),
    });
}
