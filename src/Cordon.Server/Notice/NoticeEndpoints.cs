using Cordon.Core.Notice;
using Cordon.Server.Hosting;
using Cordon.Server.Http;
using Cordon.Server.Tenancy;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Notice;

/// <summary>
/// The privacy notice, generated from the profile. It is public (PIPL Art. 17: easy to consult and save), so it
/// needs no token: a person reads it before they have an account. <c>/privacy</c> is the page a patient reads (Chinese, or
/// <c>?lang=en</c>); <c>/privacy/annex</c> is the technical annex with every field path, for the officer and regulators.
/// <c>/v1/privacy-notice</c> answers JSON by default, and the patient's page for Accept: text/html or text/markdown.
/// </summary>
public static class NoticeEndpoints
{
    public static void MapPrivacyNotice(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/privacy-notice", Get)
            .AllowAnonymous()
            .WithMetadata(new AuditAction("notice.read"))
            .WithTags("Privacy notice")
            .WithSummary("The privacy notice of a tenant (?tenant=, default the default tenant; ?lang=zh|en for the readable forms)")
            .WithDescription("JSON {version, operator, purposes:[…], rights, …}; send Accept: text/html or text/markdown for the notice a patient reads (?lang=en for English). Its version is a content hash; consents cite it. The field-level technical annex is at /privacy/annex.");
        app.MapGet("/privacy", (IOptions<CordonServerOptions> options, TenantRegistry tenants, string? tenant, string? lang) =>
        {
            var context = tenants.Find(tenant ?? options.Value.DefaultTenant);
            if (context is null)
            {
                return Problem.NotFound("tenant");
            }

            return TryLanguage(lang, out var language)
                ? Results.Content(context.Notice.ToHtml(language, Links(tenant, language)), "text/html; charset=utf-8")
                : BadLanguage(lang);
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/privacy/annex", (IOptions<CordonServerOptions> options, TenantRegistry tenants, string? tenant) =>
        {
            var context = tenants.Find(tenant ?? options.Value.DefaultTenant);
            return context is null
                ? Problem.NotFound("tenant")
                : Results.Content(context.Notice.ToAnnexHtml(new NoticeLinks(Notice: "/privacy" + Query(tenant, null))), "text/html; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();
    }

    private static IResult Get(HttpContext http, TenantRegistry tenants, IOptions<CordonServerOptions> options, string? tenant, string? lang)
    {
        var context = tenants.Find(tenant ?? options.Value.DefaultTenant);
        if (context is null)
        {
            return Problem.NotFound("tenant");
        }

        if (!TryLanguage(lang, out var language))
        {
            return BadLanguage(lang);
        }

        var accept = http.Request.GetTypedHeaders().Accept;
        http.Response.Headers.ETag = $"\"{context.NoticeVersion}\"";
        foreach (var media in accept.OrderByDescending(a => a.Quality ?? 1))
        {
            if (media.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Content(context.Notice.ToHtml(language, Links(tenant, language)), "text/html; charset=utf-8");
            }

            if (media.MediaType.Equals("text/markdown", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Content(context.Notice.ToMarkdown(language), "text/markdown; charset=utf-8");
            }

            if (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.MatchesAllTypes)
            {
                break;
            }
        }

        return Results.Content(context.Notice.ToJson(), "application/json; charset=utf-8");
    }

    private static bool TryLanguage(string? lang, out NoticeLanguage language)
    {
        language = NoticeLanguage.Chinese;
        switch (lang?.Trim().ToLowerInvariant())
        {
            case null or "" or "zh" or "zh-cn" or "zh-hans":
                return true;
            case "en":
                language = NoticeLanguage.English;
                return true;
            default:
                return false;
        }
    }

    private static Problem BadLanguage(string? lang)
        => Problem.Validation("lang", $"'lang' is zh (the default) or en, not '{Problem.Sanitize(lang)}'.");

    private static NoticeLinks Links(string? tenant, NoticeLanguage language)
        => new(
            OtherLanguage: "/privacy" + Query(tenant, language == NoticeLanguage.English ? null : "en"),
            Annex: "/privacy/annex" + Query(tenant, null));

    private static string Query(string? tenant, string? lang)
    {
        var parts = new List<string>(2);
        if (!string.IsNullOrEmpty(tenant))
        {
            parts.Add("tenant=" + Uri.EscapeDataString(tenant));
        }

        if (lang is not null)
        {
            parts.Add("lang=" + lang);
        }

        return parts.Count == 0 ? string.Empty : "?" + string.Join('&', parts);
    }
}
