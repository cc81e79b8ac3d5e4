using System.Globalization;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Server.Http;

namespace Cordon.Server.Auth;

/// <summary>
/// Who the bearer token is, as the server accepted it: actor, role, tenant, the subject a patient's or guardian's token
/// names, whether it is an automated agent, and when the token expires.
/// </summary>
public sealed record MeResponse(string Actor, string Role, string Tenant, string? Subject, bool Automated, DateTimeOffset? ExpiresAt);

/// <summary>
/// <c>GET /v1/me</c>: the token checked by the server (signature, tenant, expiry, revocation) before a client such as the
/// console shows anything; a made-up or expired token gets the server's 401 problem. Every role may ask; it is audited.
/// </summary>
public static class SessionEndpoints
{
    public static RouteGroupBuilder MapMe(this RouteGroupBuilder group)
    {
        group.MapGet("/", MeAsync)
            .Audited("session.read", Enum.GetValues<Role>())
            .WithSummary("Who this bearer token is, as the server accepts it: actor, role, tenant, subject, expiry")
            .WithDescription("A client checks a token here before showing anything: an invalid, expired, foreign or revoked token is refused with auth.unauthenticated or auth.token-revoked.");
        return group;
    }

    private static async Task<JsonOk<MeResponse>> MeAsync(Call call)
    {
        var exp = call.Http.User.FindFirst("exp")?.Value;
        DateTimeOffset? expires = long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        var actor = call.Actor;
        return Api.Ok(new MeResponse(actor.Id, actor.RoleKey, call.Tenant.Id, actor.SubjectId, actor.Automated, expires), AuthJson.Strict.MeResponse);
    }
}
