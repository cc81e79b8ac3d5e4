using Cordon.Server.Http;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Health;

/// <summary><c>/healthz</c>: 200 when the store answers and every tenant's keys are loaded, 503 otherwise.</summary>
public static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (ICordonStore store, TenantRegistry tenants, CancellationToken cancellationToken) =>
        {
            var storeOk = await store.PingAsync(cancellationToken);
            var keysOk = tenants.All.All(t => tenants.Keys.Find(t.Id) is not null);
            var version = typeof(HealthEndpoints).Assembly.GetName().Version?.ToString() ?? "0";
            var response = new HealthResponse(storeOk && keysOk ? "ok" : "unavailable", store.Engine, tenants.All.Count, version);
            return TypedResults.Json(response, ApiJson.Strict.HealthResponse, statusCode: storeOk && keysOk ? 200 : 503);
        })
        .AllowAnonymous()
        .WithTags("Health")
        .WithSummary("Liveness and readiness: store and keys usable");
    }
}
