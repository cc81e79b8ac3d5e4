using System.CommandLine;
using Cordon.Cli.Demo;
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
        var demo = new Option<bool>("--demo") { Description = "Seed a demo tenant with about 1,000 synthetic patients (first run only), make it the default tenant and print a token for each role." };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Refuse request bodies above this size (default 1 MiB).", DefaultValueFactory = _ => 1024 * 1024 };
        var witnessDir = CommonOptions.WitnessDirectory();
        var witnessUrl = new Option<string?>("--witness-url")
        {
            Description = "An external audit witness: every checkpoint line is also POSTed there (application/x-ndjson). Env CORDON_WITNESS_URL.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CORDON_WITNESS_URL") is { Length: > 0 } u ? u : null,
        };
        var checkpointSeconds = new Option<int>("--checkpoint-seconds")
        {
            Description = "Seal the audit chain with a signed, witnessed checkpoint this often (the window of entries that could be cut unseen). Env CORDON_CHECKPOINT_SECONDS; default 10.",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("CORDON_CHECKPOINT_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 10,
        };
        static int FromEnv(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var retentionSeconds = new Option<int>("--retention-seconds") { Description = "Run the retention job this often, on one node at a time (0: never). Env CORDON_RETENTION_SECONDS; default 21600 (6 hours).", DefaultValueFactory = _ => FromEnv("CORDON_RETENTION_SECONDS", 21600) };
        var leaseSeconds = new Option<int>("--job-lease-seconds") { Description = "How long a node holds a periodic job it started before another may take it over. Env CORDON_JOB_LEASE_SECONDS; default 900.", DefaultValueFactory = _ => FromEnv("CORDON_JOB_LEASE_SECONDS", 900) };
        var accessLogDays = new Option<int>("--access-log-days") { Description = "Keep the network access log this many days (at least 183, Cybersecurity Law Art. 21). Env CORDON_ACCESS_LOG_DAYS; default 183.", DefaultValueFactory = _ => FromEnv("CORDON_ACCESS_LOG_DAYS", CordonServerOptions.AccessLogMinimumDays) };
        var nodeId = new Option<string?>("--node-id") { Description = "This node's name among the nodes sharing one database. Env CORDON_NODE_ID; default host:pid:random.", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CORDON_NODE_ID") is { Length: > 0 } n ? n : null };
        var publicUrl = new Option<string?>("--public-url")
        {
            Description = "The address patients reach this server at (e.g. https://cordon.example-hospital.cn): unsubscribe links point there for tenants whose profile names no operator.publicUrl. Env CORDON_PUBLIC_URL. With --demo the listening address is used when neither is set.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CORDON_PUBLIC_URL") is { Length: > 0 } u ? u : null,
        };
        var profileFile = new Option<FileInfo?>("--profile") { Description = "Publish this profile to the default tenant at start (when it differs). Without it the tenant keeps the profile it runs: a start never reverts a published one. The default tenant is the data directory's only one ('default' is created on first run); not with --demo." };
        var command = new Command("serve", "Run the Cordon server on the embedded SQLite store (or PostgreSQL with --db). Creates DIR with keys and the default tenant on first run (with --demo, the demo tenant alone).")
        {
            data, db, urls, demo, maxBody, witnessDir, witnessUrl, checkpointSeconds, profileFile, retentionSeconds, leaseSeconds, nodeId, publicUrl, accessLogDays,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var withDemo = parse.GetValue(demo);
            if (parse.GetValue(checkpointSeconds) is < 1 or > 3600)
            {
                await console.Error.WriteLineAsync("--checkpoint-seconds takes 1 to 3600.");
                return 2;
            }

            if (parse.GetValue(witnessUrl) is { } w && (!Uri.TryCreate(w, UriKind.Absolute, out var witnessUri) || witnessUri.Scheme is not ("https" or "http")))
            {
                await console.Error.WriteLineAsync("--witness-url takes an absolute http(s) URL.");
                return 2;
            }

            if (parse.GetValue(publicUrl) is { } p && (!Uri.TryCreate(p, UriKind.Absolute, out var publicUri) || publicUri.Scheme is not ("https" or "http") || publicUri.Query.Length > 0 || publicUri.Fragment.Length > 0))
            {
                await console.Error.WriteLineAsync("--public-url takes an absolute http(s) URL without query or fragment, such as https://cordon.example-hospital.cn.");
                return 2;
            }

            if (parse.GetValue(accessLogDays) < CordonServerOptions.AccessLogMinimumDays)
            {
                await console.Error.WriteLineAsync($"--access-log-days is at least {CordonServerOptions.AccessLogMinimumDays}: network logs are kept six months (Cybersecurity Law Art. 21, R44).");
                return ExitCodes.Usage;
            }

            var options = new CordonServerOptions
            {
                AccessLogRetentionDays = parse.GetValue(accessLogDays),
                AccessLog = Environment.GetEnvironmentVariable("CORDON_ACCESS_LOG") is not "off",
                PublicBaseUrl = parse.GetValue(publicUrl),
                DataDirectory = parse.GetValue(data)!,
                Database = parse.GetValue(db),
                Urls = parse.GetValue(urls)!,
                MaxBodyBytes = parse.GetValue(maxBody),
                DefaultTenant = withDemo ? DemoTenant.Id : DataDirectory.DefaultTenant,
                WitnessDirectory = parse.GetValue(witnessDir),
                WitnessUrl = parse.GetValue(witnessUrl),
                CheckpointInterval = TimeSpan.FromSeconds(parse.GetValue(checkpointSeconds)),
                RetentionInterval = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(retentionSeconds))),
                JobLease = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(leaseSeconds), 5, 86_400)),
                NodeId = parse.GetValue(nodeId),
            };

            // The channels' gateways for campaign delivery (the outbox dispatcher runs inside the server).
            foreach (var channel in Core.Marketing.MarketingChannels.All)
            {
                if (Environment.GetEnvironmentVariable("CORDON_WEBHOOK_" + channel.ToUpperInvariant()) is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out _))
                {
                    options.MarketingWebhooks[channel] = url;
                }
            }

            var now = TimeProvider.System.GetUtcNow();
            var named = parse.GetValue(profileFile);
            if (withDemo && named is not null)
            {
                await console.Error.WriteLineAsync("--profile publishes to the default tenant; with --demo that is the demo tenant, which runs the built-in profile. Leave out one of them.");
                return ExitCodes.Usage;
            }

            var (profile, exit) = InitCommand.LoadProfile(named, console);
            if (profile is null)
            {
                return exit;
            }

            // With --demo the demo tenant is the only one created: no empty 'default' beside it for a token or a
            // verification to land on by mistake. Without it, the directory's only tenant is the default one.
            var state = withDemo
                ? await DataDirectory.PrepareAsync(options.DataDirectory, options.Database, cancellationToken)
                : await DataDirectory.InitializeAsync(options.DataDirectory, options.Database, null, profile, now, cancellationToken, publish: named is not null);
            if (!withDemo)
            {
                if (state.Tenant is null && named is not null)
                {
                    TenantChoice.Pick(null, state.Tenants, console.Error);
                    await console.Error.WriteLineAsync("--profile publishes to the default tenant, and this directory has several; publish with cordon profile publish --tenant T instead.");
                    return ExitCodes.Usage;
                }

                options.DefaultTenant = state.Tenant ?? DataDirectory.DefaultTenant;
            }

            foreach (var notice in state.Notices())
            {
                await console.Error.WriteLineAsync(withDemo ? "demo: " + notice : notice);
            }
            await using var host = await CordonApp.CreateAsync(options, cancellationToken: cancellationToken);
            IReadOnlyList<DemoLogin> logins = [];
            if (withDemo)
            {
                logins = await DemoTenant.EnsureAsync(host, now, new LineProgress(console.Error), cancellationToken);
            }

            await host.StartAsync(cancellationToken);
            if (options.PublicBaseUrl is null && withDemo)
            {
                // The demo is reached where it listens; a real deployment names its public address.
                options.PublicBaseUrl = host.Addresses.FirstOrDefault() ?? options.Urls.Split(';')[0];
            }

            PrintBanner(console, host, logins);
            if (options.PublicBaseUrl is null)
            {
                await console.Error.WriteLineAsync("note: no --public-url (CORDON_PUBLIC_URL) is set: campaigns of tenants whose profile names no operator.publicUrl are refused (marketing.public-url-missing), because their unsubscribe links would point nowhere.");
            }
            await host.App.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static void PrintBanner(CliConsole console, CordonHost host, IReadOnlyList<DemoLogin> logins)
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
        if (logins.Count > 0)
        {
            PrintLogins(e, url, logins);
        }

        e.WriteLine();
        e.WriteLine("Press Ctrl+C to stop.");
    }

    private static void PrintLogins(TextWriter e, string url, IReadOnlyList<DemoLogin> logins)
    {
        e.WriteLine();
        e.WriteLine($"Demo tenant '{DemoTenant.Id}' (the default tenant): one login per role, tokens valid {DemoTenant.TokenLifetime.TotalHours:0} hours.");
        foreach (var login in logins)
        {
            e.WriteLine($"  {login.Role,-10} {login.Actor,-24} {login.Note}");
        }

        e.WriteLine();
        e.WriteLine("The clinicians' tokens carry a practising-licence number and years of practice as claims. Cordon does not yet");
        e.WriteLine("check them against a practitioner register (R53 is only partly enforced: docs/rules.md); the demo's licence numbers");
        e.WriteLine("are random and stand for no real registration.");
        e.WriteLine();
        e.WriteLine("Paste these into a shell to keep the tokens at hand:");
        foreach (var login in logins)
        {
            e.WriteLine($"export {Variable(login.Role)}='{login.Token}'");
        }

        var patient = logins.First(l => l.Role == "patient").Subject;
        var ward = logins.First(l => l.Role == "guardian").Subject;
        e.WriteLine();
        e.WriteLine("Then, for example:");
        e.WriteLine($"  # support staff see the booking record with the ID number and name masked");
        e.WriteLine($"  curl -s \"{url}/v1/subjects/{patient}/records?type=Patient\" -H \"Authorization: Bearer ${Variable("support")}\" -H 'X-Purpose: appointment'");
        e.WriteLine($"  # the treating physician reads the consultation records of a patient in their care team");
        e.WriteLine($"  curl -s \"{url}/v1/subjects/{patient}/records\" -H \"Authorization: Bearer ${Variable("physician")}\" -H 'X-Purpose: consultation'");
        e.WriteLine($"  # a guardian reads the child's test results; then the audit chain is verified");
        e.WriteLine($"  curl -s \"{url}/v1/subjects/{ward}/records\" -H \"Authorization: Bearer ${Variable("guardian")}\" -H 'X-Purpose: test-results'");
        e.WriteLine($"  curl -s \"{url}/v1/audit/verify\" -H \"Authorization: Bearer ${Variable("security")}\"");
    }

    private static string Variable(string role) => "CORDON_" + role.ToUpperInvariant();

    /// <summary>Writes progress lines as they come (Progress&lt;T&gt; would post them after the banner).</summary>
    private sealed class LineProgress(TextWriter writer) : IProgress<string>
    {
        public void Report(string value) => writer.WriteLine(value);
    }
}
