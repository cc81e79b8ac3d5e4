using System.CommandLine;
using Cordon.Server.Hosting;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Cli.Commands;

/// <summary><c>cordon serve</c>: run the server (creating DIR on first run); <c>--demo</c> seeds a demo tenant and prints logins.</summary>
internal static class ServeCommand
{
    public static Command Create(CliConsole console)
    {
        var data = CommonOptions.Data();
        var db = CommonOptions.Database();
        var urls = new Option<string>("--urls")
        {
            Description = $"Where to listen. Env CORDON_URLS; default {CordonServerOptions.DefaultUrls}.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CORDON_URLS") is { Length: > 0 } u ? u : CordonServerOptions.DefaultUrls,
        };
        var demo = new Option<bool>("--demo") { Description = "Seed a demo tenant with about 1,000 synthetic patients (first run only) and print a token for each role." };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Refuse request bodies above this size (default 1 MiB).", DefaultValueFactory = _ => 1024 * 1024 };
        var command = new Command("serve", "Run the Cordon server on the embedded SQLite store (or PostgreSQL with --db). Creates DIR with keys and the default tenant on first run.")
        {
            data, db, urls, demo, maxBody,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new CordonServerOptions
            {
                DataDirectory = parse.GetValue(data)!,
                Database = parse.GetValue(db),
                Urls = parse.GetValue(urls)!,
                MaxBodyBytes = parse.GetValue(maxBody),
                DefaultTenant = "default",
            };
            var now = TimeProvider.System.GetUtcNow();
            await DataDirectory.InitializeAsync(options.DataDirectory, options.Database, "default", BuiltInProfiles.Load(), now, cancellationToken);
            await using var host = await CordonApp.CreateAsync(options, cancellationToken: cancellationToken);
            await host.StartAsync(cancellationToken);
            PrintBanner(console, host);
            await host.App.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static void PrintBanner(CliConsole console, CordonHost host)
    {
        var url = host.Addresses.FirstOrDefault() ?? host.Options.Urls;
        var engine = host.Store.Engine == "sqlite" ? $"SQLite at {Path.GetFullPath(Path.Combine(host.Options.DataDirectory, CordonStores.SqliteFileName))}" : $"PostgreSQL {Storage.Sql.PostgresUrl.Redact(host.Options.Database!)}";
        var e = console.Error;
        e.WriteLine();
        e.WriteLine($"Cordon is listening on {url}");
        e.WriteLine($"  store          {engine}");
        e.WriteLine($"  API reference  {url}/docs   (OpenAPI: {url}/openapi/v1.json)");
        e.WriteLine($"  privacy notice {url}/privacy");
        e.WriteLine($"  health         {url}/healthz");
        e.WriteLine();
        e.WriteLine("Press Ctrl+C to stop.");
    }
}
