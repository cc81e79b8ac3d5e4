using Cordon.Core.Access;
using Cordon.Core.Audit;

namespace Cordon.Server.Http;

/// <summary>
/// Answers calls that may not proceed before any handler runs: an unknown actor or tenant (401), or a role the
/// endpoint does not admit. A role refusal is a decision too: it is audited and answered with
/// <c>access.role-not-allowed</c> (R46). Resolves the purpose of endpoints that require one (R01), and audits any
/// problem a handler returns, so no handler audits its own refusals by hand.
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
            var admitted = call.EndpointRoles is { Count: > 0 } roles ? "it admits the roles " + string.Join(", ", roles.Order().Select(r => r.ToKey())) : "it admits no role";
            return Problem.From(refusal, $"The endpoint refused, whatever the purpose: {admitted}, and the token's role is '{call.Actor.RoleKey}'. Call it with a token of an admitted role.");
        }

        if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<PurposeRequired>() is not null)
        {
            var purpose = call.ResolvePurpose();
            if (purpose.Failed)
            {
                return await call.RecordRefusalAsync(purpose.Problem);
            }

            call.Purpose = purpose.Value;
        }

        var result = await next(context);

        // Every refused call is in the audit chain: a problem the handler returns and did not record itself is recorded here.
        var problem = result as Problem ?? (result as INestedHttpResult)?.Result as Problem;
        return problem is not null && !call.RefusalRecorded ? await call.RecordRefusalAsync(problem) : result;
    }
}
