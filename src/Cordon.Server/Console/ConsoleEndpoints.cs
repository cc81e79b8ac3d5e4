using System.Collections.Frozen;

namespace Cordon.Server.Console;

/// <summary>
/// The web console: three static files embedded in the server and served at <c>/console</c>. It is a thin client of
/// the HTTP API (the caller's own bearer token, kept in the browser tab), so it can do nothing the API would refuse.
/// </summary>
public static class ConsoleEndpoints
{
    private static readonly FrozenDictionary<string, (string ContentType, byte[] Content)> Files = Load();

    public static void MapConsole(this IEndpointRouteBuilder app)
    {
        // Routing ignores a trailing slash, so /console and /console/ are one route: serve the page, never redirect.
        app.MapGet("/console/{file?}", (string? file, HttpContext http) =>
        {
            if (!Files.TryGetValue(string.IsNullOrEmpty(file) ? "index.html" : file, out var entry))
            {
                return Http.Problem.NotFound("console file");
            }

            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
            http.Response.Headers["X-Content-Type-Options"] = "nosniff";
            return Results.Bytes(entry.Content, entry.ContentType);
        }).AllowAnonymous().ExcludeFromDescription();
    }

    private static FrozenDictionary<string, (string, byte[])> Load()
    {
        var assembly = typeof(ConsoleEndpoints).Assembly;
        var files = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("console/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var file = name["console/".Length..];
            var type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            files[file] = (type, memory.ToArray());
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
