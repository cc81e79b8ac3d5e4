using Cordon.Server.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;

namespace Cordon.Server.Tests;

/// <summary>Rules about the whole API that a new endpoint cannot forget.</summary>
public sealed class ConventionTests : ServerTest
{
    [Fact]
    public void Every_v1_endpoint_names_its_roles_and_its_audit_action_or_is_explicitly_public()
    {
        var endpoints = ((IEndpointRouteBuilder)Server.Host.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1", StringComparison.Ordinal) == true)
            .ToList();
        Assert.True(endpoints.Count >= 12);
        foreach (var endpoint in endpoints)
        {
            var name = endpoint.RoutePattern.RawText;
            Assert.True(endpoint.Metadata.GetMetadata<AuditAction>() is not null, $"{name} has no audit action");
            var isPublic = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            Assert.True(isPublic || endpoint.Metadata.GetMetadata<AllowedRoles>() is { Roles.Count: > 0 }, $"{name} names no roles");
            Assert.True(isPublic || endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null, $"{name} does not require authentication");
        }
    }

    [Fact]
    public void Core_references_nothing_that_does_IO()
    {
        var references = typeof(Core.Decisions.AccessPolicy).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || r.StartsWith("Microsoft.Data", StringComparison.Ordinal) || r.StartsWith("Npgsql", StringComparison.Ordinal) || r.StartsWith("Cordon.Storage", StringComparison.Ordinal));
    }
}
