using Cordon.Core.Audit;

namespace Cordon.Server.Http;

/// <summary>
/// Answers calls that may not proceed before any handler runs: an unknown actor or tenant (401), or a role the
/// endpoint does not admit. A role refusal is a decision too: it is audited and answered with
/// <c>access.role-not-allowed</c> (R46).
/// </summary>
public sealed class CallFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var call = Call.Resolve(context.HttpContext);
        if (call.Unauthenticated)
        {
            return Problem.Unauthenticated("The token names no known tenant, actor or role.");
        }

        if (call.RoleRefusal is { } refusal)
        {
            await call.Store.AppendAsync(call.Audit(AuditOutcome.Deny, refusal: refusal), CancellationToken.None);
            return Problem.From(refusal, $"The role '{call.Actor.RoleKey}' may not call this endpoint.");
        }

        return await next(context);
    }
}
