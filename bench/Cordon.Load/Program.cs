using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cordon.Load;

// dotnet run -c Release --project bench/Cordon.Load -- http  [--connections 128] [--duration 10] [--scenarios healthz,write,read,list,refused]
// dotnet run -c Release --project bench/Cordon.Load -- import [--passes 5]
// dotnet run -c Release --project bench/Cordon.Load -- rights [--parts export,erase,retention] [--erase-sizes 10,1000,100000] [--retention-records 1000000]
// dotnet run -c Release --project bench/Cordon.Load -- marketing [--subjects 1000000] [--messages 5000]
// One JSON object per scenario on stdout; progress on stderr.
var connections = new Option<int>("--connections") { Description = "Concurrent keep-alive connections (enough to keep both cores busy while a group commit waits for fsync).", DefaultValueFactory = _ => 128 };
var duration = new Option<int>("--duration") { Description = "Measured seconds per scenario.", DefaultValueFactory = _ => 10 };
var warmup = new Option<int>("--warmup") { Description = "Warm-up seconds per scenario (not measured): long enough for the server's tiered JIT to finish with the scenario's code (it still compiled ~8 s into the read scenario on a 2-core machine).", DefaultValueFactory = _ => 10 };
var scenarios = new Option<string>("--scenarios") { Description = "Comma-separated: healthz, write, read, list, refused. healthz first: it is the baseline. All run against one server, each on the data the ones before it left (writes go to their own subjects).", DefaultValueFactory = _ => "healthz,write,read,list,refused" };
var subjects = new Option<int>("--subjects") { Description = "Subjects set up through the API (consent, care team).", DefaultValueFactory = _ => 500 };
var records = new Option<int>("--records") { Description = "Records written per subject during setup (read by the read scenarios).", DefaultValueFactory = _ => 4 };
var cli = new Option<string?>("--cli") { Description = "The cordon.dll to run (default: src/Cordon.Cli/bin/Release/net10.0/cordon.dll, built if missing)." };
var keep = new Option<bool>("--keep") { Description = "Keep the data directory (its serve.log and database) after the run." };
var serverEnv = new Option<string[]>("--server-env") { Description = "NAME=VALUE environment variables for the server process (e.g. DOTNET_gcServer=0).", AllowMultipleArgumentsPerToken = true };
var http = new Command("http", "Start cordon serve on a fresh data directory and drive the HTTP scenarios.")
{
    connections, duration, warmup, scenarios, subjects, records, cli, keep, serverEnv,
};
http.SetAction(async (parse, cancellationToken) =>
{
    var root = RepoRoot();
    var dll = parse.GetValue(cli) ?? await EnsureCliAsync(root);
    var directory = Directory.CreateTempSubdirectory("cordon-load-").FullName;
    Console.Error.WriteLine($"cordon serve {dll} on {directory}");
    try
    {
        await using var server = await CordonProcess.StartAsync(dll, directory, parse.GetValue(serverEnv));
        var results = await HttpScenarios.RunAsync(
            server,
            parse.GetValue(scenarios)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            parse.GetValue(subjects),
            parse.GetValue(records),
            parse.GetValue(connections),
            TimeSpan.FromSeconds(parse.GetValue(warmup)),
            TimeSpan.FromSeconds(parse.GetValue(duration)),
            Console.Error);
        foreach (var result in results)
        {
            Console.WriteLine(JsonSerializer.Serialize(result, LoadJson.Default.ScenarioResult));
        }
    }
    finally
    {
        if (!parse.GetValue(keep))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    return 0;
});

var passes = new Option<int>("--passes") { Description = "How many times the Synthea bundles are imported in the measured run.", DefaultValueFactory = _ => 5 };
var synthea = new Option<string?>("--synthea") { Description = "The Synthea FHIR R4 bundles (default: data/synthea-r4 in the repository)." };
var import = new Command("import", "cordon import's path over the Synthea bundles against a bare batched SQLite insert of the same rows.")
{
    passes, synthea,
};
import.SetAction(async (parse, cancellationToken) =>
{
    var folder = parse.GetValue(synthea) ?? SyntheaFolder();
    foreach (var result in await ImportBench.RunAsync(folder, parse.GetValue(passes), Console.Error))
    {
        Console.WriteLine(JsonSerializer.Serialize(result, LoadJson.Default.ScenarioResult));
    }

    return 0;
});

var exportRuns = new Option<int>("--export-runs") { Description = "Measured exports of the 1,000-record subject per format (after 5 warm-up exports).", DefaultValueFactory = _ => 50 };
var eraseSizes = new Option<string>("--erase-sizes") { Description = "Comma-separated record counts of the erased subjects.", DefaultValueFactory = _ => "10,1000,100000" };
var eraseRepeats = new Option<int>("--erase-repeats") { Description = "Measured erasures per size, after one warm-up.", DefaultValueFactory = _ => 5 };
var retentionRecords = new Option<int>("--retention-records") { Description = "Records in the store for the retention run (over 1,000 subjects).", DefaultValueFactory = _ => 1_000_000 };
var rightsParts = new Option<string>("--parts") { Description = "Comma-separated: export, erase, retention.", DefaultValueFactory = _ => "export,erase,retention" };
var rights = new Command("rights", "Rights and retention on SQLite, in process: export of a 1,000-record subject (JSON, FHIR), erasure by shredding and by re-keying as the record count grows, a retention run over a million records.")
{
    exportRuns, eraseSizes, eraseRepeats, retentionRecords, rightsParts,
};
rights.SetAction(async (parse, cancellationToken) =>
{
    var sizes = parse.GetValue(eraseSizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList();
    var parts = parse.GetValue(rightsParts)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
    foreach (var result in await RightsBench.RunAsync(parse.GetValue(exportRuns), sizes, parse.GetValue(retentionRecords), parse.GetValue(eraseRepeats), parts, Console.Error))
    {
        Console.WriteLine(JsonSerializer.Serialize(result, LoadJson.Default.ScenarioResult));
    }

    return 0;
});

var audienceSubjects = new Option<int>("--subjects") { Description = "Current push consents the audience is computed over (half with personalisation).", DefaultValueFactory = _ => 1_000_000 };
var outboxMessages = new Option<int>("--messages") { Description = "Messages queued and delivered to the local webhook.", DefaultValueFactory = _ => 5_000 };
var marketing = new Command("marketing", "Audience computation over --subjects consents on SQLite, and outbox throughput to a local webhook.") { audienceSubjects, outboxMessages };
marketing.SetAction(async (parse, cancellationToken) =>
{
    foreach (var result in await MarketingBench.RunAsync(parse.GetValue(audienceSubjects), parse.GetValue(outboxMessages), Console.Error))
    {
        Console.WriteLine(JsonSerializer.Serialize(result, LoadJson.Default.ScenarioResult));
    }

    return 0;
});

var gateDecisions = new Option<int>("--decisions") { Description = "Gate and access decisions timed one by one for the percentiles.", DefaultValueFactory = _ => 200_000 };
var counted = new Option<int>("--counted") { Description = "Individuals already counted abroad this year when the mechanism check is timed.", DefaultValueFactory = _ => 1_000_000 };
var cohort = new Option<int>("--cohort") { Description = "Subjects in the cohort disclosed to the local HTTPS receiver.", DefaultValueFactory = _ => 10_000 };
var sharing = new Command("sharing", "The egress gate: decision latency in process, the cross-border check over --counted individuals on SQLite, a --cohort disclosure to a local HTTPS receiver.") { gateDecisions, counted, cohort };
sharing.SetAction(async (parse, cancellationToken) =>
{
    foreach (var result in await SharingBench.RunAsync(parse.GetValue(gateDecisions), parse.GetValue(counted), parse.GetValue(cohort), Console.Error))
    {
        Console.WriteLine(JsonSerializer.Serialize(result, LoadJson.Default.ScenarioResult));
    }

    return 0;
});

var checks = new Option<int>("--checks") { Description = "Prescription checks timed one by one for the percentiles.", DefaultValueFactory = _ => 20_000 };
var prescriptions = new Option<int>("--prescriptions") { Description = "Prescriptions taken through their lifecycle over HTTP (0: none).", DefaultValueFactory = _ => 400 };
var clients = new Option<int>("--clients") { Description = "Concurrent HTTP clients for the lifecycle and its baseline.", DefaultValueFactory = _ => 16 };
var care = new Command("care", "The prescription precondition check in process with P-256 and SM2 signatures, against the access decision; then --prescriptions drafted, signed and approved over HTTP on SQLite against audited writes.") { checks, prescriptions, clients, cli };
care.SetAction(async (parse, cancellationToken) =>
{
    var results = new List<ScenarioResult>(CareBench.Run(parse.GetValue(checks), Console.Error));
    if (parse.GetValue(prescriptions) > 0)
    {
        var dll = parse.GetValue(cli) ?? await EnsureCliAsync(RepoRoot());
        var directory = Directory.CreateTempSubdirectory("cordon-care-").FullName;
        try
        {
            await using var server = await CordonProcess.StartAsync(dll, directory, []);
            results.AddRange(await CareHttpBench.RunAsync(server, parse.GetValue(prescriptions), parse.GetValue(clients), Console.Error));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    foreach (var result in results)
    {
        Console.WriteLine(JsonSerializer.Serialize(result, LoadJson.Default.ScenarioResult));
    }

    return 0;
});

var accessLog = new Command("access-log", "Audited reads over HTTP with the network access log on and off (two servers, one after the other, in this run), and the log's bytes per entry at rest.") { connections, duration, warmup, subjects, records, cli };
accessLog.SetAction(async (parse, cancellationToken) =>
{
    var dll = parse.GetValue(cli) ?? await EnsureCliAsync(RepoRoot());
    var results = new List<ScenarioResult>();
    foreach (var on in new[] { false, true })
    {
        var directory = Directory.CreateTempSubdirectory("cordon-accesslog-").FullName;
        try
        {
            Console.Error.WriteLine($"access log {(on ? "on" : "off")}: cordon serve on {directory}");
            await using (var server = await CordonProcess.StartAsync(dll, directory, on ? [] : ["CORDON_ACCESS_LOG=off"]))
            {
                var run = await HttpScenarios.RunAsync(server, ["healthz", "read"], parse.GetValue(subjects), parse.GetValue(records), parse.GetValue(connections),
                    TimeSpan.FromSeconds(parse.GetValue(warmup)), TimeSpan.FromSeconds(parse.GetValue(duration)), Console.Error);
                results.AddRange(run.Select(r => r with { Scenario = $"{r.Scenario}-access-log-{(on ? "on" : "off")}" }));
            }

            if (on)
            {
                using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, Cordon.Storage.CordonStores.SqliteFileName)}");
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT COUNT(*), COALESCE(SUM(entries), 0), COALESCE(SUM(LENGTH(body)), 0) FROM access_segments";
                using var reader = command.ExecuteReader();
                reader.Read();
                var (segments, entries, bytes) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
                var perEntry = entries == 0 ? 0 : (double)bytes / entries;
                Console.Error.WriteLine($"access log at rest: {entries} entries in {segments} segments, {bytes} bytes of bodies: {perEntry:F1} bytes per entry; six months at 1,000 requests/s: {perEntry * 1000 * 86400 * 183 / 1e9:F0} GB");
                results.Add(new ScenarioResult("access-log-at-rest", entries, 0, perEntry, null, null, 0, null, null, Note: "bytes of segment bodies per entry (the value in throughput)"));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    var off = results.First(r => r.Scenario == "read-access-log-off");
    var with = results.First(r => r.Scenario == "read-access-log-on");
    results.Add(new ScenarioResult("read-with-access-log", with.Requests, with.Seconds, with.Throughput, with.P50Ms, with.P99Ms, with.Errors, "read-access-log-off", with.Throughput / off.Throughput, with.Connections, Note: "audited reads with the access log on, against off; ratio of throughput"));
    foreach (var result in results)
    {
        Console.WriteLine(JsonSerializer.Serialize(result, LoadJson.Default.ScenarioResult));
    }

    return 0;
});

var rootCommand = new RootCommand("The Cordon load driver: prints one JSON object per scenario {scenario, requests, seconds, throughput, p50Ms, p99Ms, errors, baseline, ratio}.") { http, import, rights, marketing, sharing, care, accessLog };
return await rootCommand.Parse(args).InvokeAsync();

static string RepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Cordon.slnx")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Cordon.slnx was not found above the load driver; pass --cli.");
}

static string SyntheaFolder()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "data", "synthea-r4");
        if (Directory.Exists(candidate))
        {
            return candidate;
        }
    }

    throw new DirectoryNotFoundException("data/synthea-r4 was not found above the load driver; pass --synthea.");
}

static async Task<string> EnsureCliAsync(string root)
{
    var dll = Path.Combine(root, "src", "Cordon.Cli", "bin", "Release", "net10.0", "cordon.dll");
    if (!File.Exists(dll))
    {
        Console.Error.WriteLine("building src/Cordon.Cli in Release");
        using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", "-c", "Release", Path.Combine(root, "src", "Cordon.Cli")]) { UseShellExecute = false })!;
        await build.WaitForExitAsync();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet build of src/Cordon.Cli failed.");
        }
    }

    return dll;
}

namespace Cordon.Load
{
    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
    [JsonSerializable(typeof(ScenarioResult))]
    internal sealed partial class LoadJson : JsonSerializerContext;
}
