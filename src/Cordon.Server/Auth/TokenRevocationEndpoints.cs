using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Cordon.Server.Auth;

/// <summary>Revoke one token (by the token itself or its id) or every token of an actor issued until now.</summary>
public sealed record TokenRevocationRequest(string Reason, string? Token = null, string? TokenId = null, string? Actor = null);

public sealed record TokenRevocationView(string Kind, string Value, DateTimeOffset RevokedAt, DateTimeOffset ExpiresAt, string RevokedBy, string Reason);

public sealed record TokenRevocationPage(IReadOnlyList<TokenRevocationView> Revocations);

/// <summary>What a revocation request names, checked the same way for the API and <c>cordon token revoke</c>.</summary>
public static class TokenRevocations
{
    /// <summary>The revocation a request asks for, or why it cannot be made (field → what to change).</summary>
    public static (TokenRevocationRow? Row, Dictionary<string, string[]> Errors) Build(string tenant, TokenRevocationRequest request, string revokedBy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var named = new[] { request.Token, request.TokenId, request.Actor }.Count(v => v is not null);
        if (named != 1)
        {
            errors["token"] = ["Name exactly one of token (the bearer token itself), tokenId (its jti) or actor (every token of that actor issued until now)."];
        }

        if (!SubjectEndpoints.IsCleanText(request.Reason, 200))
        {
            errors["reason"] = ["Why, in 1 to 200 printable characters."];
        }

        var expires = now + TokenIssuer.MaxLifetime;
        (RevocationKind Kind, string Value)? target = null;
        if (request.Token is { } token)
        {
            var handler = new JsonWebTokenHandler();
            if (token.Length > 8192 || !handler.CanReadToken(token))
            {
                errors["token"] = ["A bearer token as issued (three base64url parts)."];
            }
            else
            {
                var jwt = handler.ReadJsonWebToken(token);
                var jti = jwt.TryGetClaim("jti", out var claim) ? claim.Value : null;
                if (jti is null || !jwt.TryGetClaim(Actor.TenantClaim, out var tid) || !string.Equals(tid.Value, tenant, StringComparison.Ordinal))
                {
                    errors["token"] = ["The token carries no id of this tenant; revoke its actor instead."];
                }
                else
                {
                    target = (RevocationKind.Token, jti);
                    if (jwt.ValidTo > DateTime.MinValue)
                    {
                        expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero) + TimeSpan.FromMinutes(1);
                    }
                }
            }
        }
        else if (request.TokenId is { } id)
        {
            if (id.Length is < 4 or > 128 || !ActorIds.IsValid(id))
            {
                errors["tokenId"] = ["A token id (jti) as issued, for example tk_0123…"];
            }
            else
            {
                target = (RevocationKind.Token, id);
            }
        }
        else if (request.Actor is { } actor)
        {
            if (!ActorIds.IsValid(actor))
            {
                errors["actor"] = [$"An actor id ({ActorIds.Description})."];
            }
            else
            {
                target = (RevocationKind.Actor, actor);
            }
        }

        return errors.Count > 0 || target is null
            ? (null, errors)
            : (new TokenRevocationRow(tenant, target.Value.Kind, target.Value.Value, now, expires, revokedBy, request.Reason), errors);
    }

    public static TokenRevocationView View(TokenRevocationRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new TokenRevocationView(row.Kind == RevocationKind.Token ? "token" : "actor", row.Value, row.RevokedAt, row.ExpiresAt, row.RevokedBy, row.Reason);
    }

    public static RouteGroupBuilder MapTokenRevocations(this RouteGroupBuilder group)
    {
        group.MapPost("/", RevokeAsync)
            .Audited("token.revoke", Role.Security, Role.Admin)
            .WithSummary("Revoke one bearer token, or every token of an actor issued until now; every node refuses them within a second")
            .Accepts<TokenRevocationRequest>("application/json");

        group.MapGet("/", ListAsync)
            .Audited("token.revocations.read", Role.Security, Role.Admin, Role.Dpo)
            .WithSummary("The revocations still in force (until the tokens they cover would have expired)");
        return group;
    }

    private static async Task<Results<JsonCreated<TokenRevocationView>, Problem>> RevokeAsync(Call call, RequestBody body, TokenRevocationList revocations)
    {
        var read = await body.ReadAsync(call.Http, AuthJson.Strict.TokenRevocationRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var (row, errors) = Build(call.Tenant.Id, read.Value, call.Actor.Id, call.Now);
        if (row is null)
        {
            return Problem.Validation(errors);
        }

        await revocations.RevokeAsync(row, call.Audit(AuditOutcome.Done, records: [row.Value], rules: ["R45"], note: row.Reason), call.Aborted);
        return Api.Created(null, View(row), AuthJson.Strict.TokenRevocationView);
    }

    private static async Task<Results<JsonOk<TokenRevocationPage>, Problem>> ListAsync(Call call)
    {
        var rows = await call.Store.GetTokenRevocationsAsync(DateTimeOffset.UnixEpoch, call.Now, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(new TokenRevocationPage([.. rows.Where(r => r.Tenant == call.Tenant.Id).OrderByDescending(r => r.RevokedAt).Select(View)]), AuthJson.Strict.TokenRevocationPage);
    }
}
