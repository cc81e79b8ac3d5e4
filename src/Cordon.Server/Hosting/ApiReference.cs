using Scalar.AspNetCore;

namespace Cordon.Server.Hosting;

/// <summary>
/// The browsable API reference at <c>/docs</c>: Scalar's page, script and favicon served from the package inside the
/// server, reading <c>/openapi/v1.json</c>. Nothing on it calls another host: the hosted fonts, the request proxy,
/// telemetry, the AI agent, MCP, the developer tools (share, SDK generation, deploy) and the client button are off,
/// and a Content-Security-Policy on every response under <c>/docs</c> lets the browser load and connect to this
/// server only, so a later Scalar that tried more would be stopped by the browser.
/// </summary>
internal static class ApiReference
{
    public const string Path = "/docs";

    public static IEndpointConventionBuilder MapApiReference(this IEndpointRouteBuilder app)
        => app.MapScalarApiReference(Path, Configure)
            .AddEndpointFilter(async (context, next) =>
            {
                var response = context.HttpContext.Response;
                response.OnStarting(() =>
                {
                    var nonce = context.HttpContext.Items[ScalarOptions.NonceHttpContextItemKey] as string;
                    response.Headers.ContentSecurityPolicy = Policy(nonce);
                    return Task.CompletedTask;
                });
                return await next(context);
            })
            .AllowAnonymous();

    /// <summary>
    /// Self only, with the page's one inline module script admitted by its per-request nonce. Styles may be inline
    /// (Scalar's components set them); images may be data: or blob: URLs (icons, downloads made in the page).
    /// </summary>
    internal static string Policy(string? nonce)
        => "default-src 'none'; "
            + (nonce is null ? "script-src 'self'; " : $"script-src 'self' 'nonce-{nonce}'; ")
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
            + "worker-src 'self' blob:; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static void Configure(ScalarOptions o)
    {
        o.WithTitle("Cordon API").WithOpenApiRoutePattern("/openapi/{documentName}.json");
        o.WithNonce();
        o.DefaultFonts = false;
        o.Telemetry = false;
        o.DotNetFlag = false;
        o.HideClientButton = true;
        o.ShowOperationId = true;
        o.ShowDeveloperTools = DeveloperToolsVisibility.Never;
        o.Agent = new ScalarAgentOptions { Disabled = true };
        o.Mcp = new ScalarMcpOptions { Disabled = true };

        // System fonts instead of the hosted Inter and JetBrains Mono; the "Powered by Scalar" footer links abroad.
        o.CustomCss = "body, .scalar-app { font-family: system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', sans-serif; }"
            + " .scalar-app code, .scalar-app pre { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; }"
            + " a[href*='scalar.com'] { display: none !important; }";
    }
}
