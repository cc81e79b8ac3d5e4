using Cordon.Server.Hosting;
using Cordon.Server.Http;
using Cordon.Server.Tenancy;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Notice;

/// <summary>
/// The privacy notice, generated from the profile. It is public (PIPL Art. 17: easy to consult and save), so it
/// needs no token: a person reads it before they have an account. JSON by default; Accept: text/html or
/// text/markdown gives the readable notice.
/// </summary>
public static class NoticeEndpoints
{
    public static void MapPrivacyNotice(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/privacy-notice", Get)
            .AllowAnonymous()
            .WithMetadata(new AuditAction("notice.read"))
            .WithTags("Privacy notice")
            .WithSummary("The privacy notice of a tenant (?tenant=, default the default tenant)")
            .WithDescription("JSON {version, operator, purposes:[…], rights, …}; send Accept: text/html or text/markdown for the readable notice. Its version is a content hash; consents cite it.");
        app.MapGet("/privacy", (HttpContext http, TenantRegistry tenants, IOptions<CordonServerOptions> options, string? tenant) =>
        {
            var context = tenants.Find(tenant ?? options.Value.DefaultTenant);
            return context is null ? Problem.NotFound("tenant") : Results.Content(context.Notice.ToHtml(), "text/html; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();
    }

    private static IResult Get(HttpContext http, TenantRegistry tenants, IOptions<CordonServerOptions> options, string? tenant)
    {
        var context = tenants.Find(tenant ?? options.Value.DefaultTenant);
        if (context is null)
        {
            return Problem.NotFound("tenant");
        }

        var accept = http.Request.GetTypedHeaders().Accept;
        http.Response.Headers.ETag = $"\"{context.NoticeVersion}\"";
        foreach (var media in accept.OrderByDescending(a => a.Quality ?? 1))
        {
            if (media.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Content(context.Notice.ToHtml(), "text/html; charset=utf-8");
            }

            if (media.MediaType.Equals("text/markdown", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Content(context.Notice.ToMarkdown(), "text/markdown; charset=utf-8");
            }

            if (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.MatchesAllTypes)
            {
                break;
            }
        }

        return Results.Content(context.Notice.ToJson(), "application/json; charset=utf-8");
    }
}
