using Cordon.Core.Audit;
using Cordon.Core.Decisions;
using Cordon.Server.Auth;
using Cordon.Server.Hosting;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Http;

/// <summary>
/// Resolves the actor and tenant of an authenticated request and enforces the endpoint's roles. A role
/// refusal is a decision too: it is audited and answered with <c>access.role-not-allowed</c> (R46).
/// </summary>
public sealed class CallFilter(TenantRegistry tenants, ICordonStore store, TimeProvider time, IOptions<CordonServerOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var endpoint = http.GetEndpoint();
        var allowed = endpoint?.Metadata.GetMetadata<AllowedRoles>();
        var action = endpoint?.Metadata.GetMetadata<AuditAction>()?.Name ?? "unknown";
        var actor = Actor.From(http.User, options.Value.DefaultTenant, options.Value.RoleClaim);
        var tenant = tenants.Find(actor?.Tenant);
        if (actor is null || tenant is null)
        {
            return Problem.Unauthenticated("The token names no known tenant, actor or role.");
        }

        Call.Attach(http, actor, tenant, store, time.GetUtcNow(), action);
        if (allowed is null || !allowed.Roles.Contains(actor.Role))
        {
            var call = (Call)http.Items["cordon.call"]!;
            await store.AppendAsync(call.Audit(AuditOutcome.Deny, refusal: Refusals.RoleNotAllowed), CancellationToken.None);
            return Problem.From(Refusals.RoleNotAllowed, $"The role '{actor.RoleKey}' may not call this endpoint.");
        }

        return await next(context);
    }
}
