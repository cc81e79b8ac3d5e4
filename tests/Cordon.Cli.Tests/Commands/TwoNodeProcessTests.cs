using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Cordon.Testing;

namespace Cordon.Cli.Tests.Commands;

/// <summary>
/// Two real <c>cordon serve</c> processes on one throwaway PostgreSQL, as docs/operations.md runs them: a profile
/// published on one is what the other decides under from within a second or so; a periodic job runs once per interval
/// across both; and when the node holding it is killed, the other takes it over.
/// </summary>
public sealed class TwoNodeProcessTests : IAsyncDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-nodes-").FullName;
    private readonly List<Process> _nodes = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Where(n => !n.HasExited))
        {
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync();
        }

        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task A_publication_reaches_the_other_node_and_a_job_runs_once_per_interval_and_is_taken_over()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var (init, _, initError) = await CommandTests.RunInProcessAsync("init", "--data", _data, "--db", database);
        Assert.True(init == 0, initError);
        var a = await StartNodeAsync(database, "node-a");
        var b = await StartNodeAsync(database, "node-b");
        var app = await TokenAsync("app", "app-backend");
        var admin = await TokenAsync("admin", "ops-admin");

        // A subject with consent to consultation, written on A, read on B.
        var (created, subject) = await SendAsync(a, HttpMethod.Post, "/v1/subjects", app, json: new { externalId = "two-nodes-1", birthDate = "1985-06-01" });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = subject!["id"]!.GetValue<string>();
        var (_, notice) = await SendAsync(a, HttpMethod.Get, "/v1/privacy-notice?tenant=default", null);
        var (granted, _) = await SendAsync(a, HttpMethod.Post, $"/v1/subjects/{id}/consents", app, json: new { purpose = "consultation", action = "grant", noticeVersion = notice!["version"]!.GetValue<string>(), channel = "app" });
        Assert.Equal(HttpStatusCode.Created, granted);
        var (read, _) = await SendAsync(b, HttpMethod.Get, $"/v1/subjects/{id}/records", app, purpose: "consultation");
        Assert.Equal(HttpStatusCode.OK, read);

        // A changes what the notice says about consultation: its consents need renewal (R04), on B too.
        var profile = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml"))
            .Replace("makes a diagnosis and writes the medical record.\"", "makes a diagnosis, writes the medical record and may refer you.\"", StringComparison.Ordinal);
        using (var put = new HttpRequestMessage(HttpMethod.Put, "/v1/profile") { Content = new StringContent(profile, Encoding.UTF8, "application/yaml") })
        {
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            using var published = await a.SendAsync(put);
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        string? code = null;
        while (code != "consent.renewal-required" && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var (_, answer) = await SendAsync(b, HttpMethod.Get, $"/v1/subjects/{id}/records", app, purpose: "consultation");
            code = answer?["code"]?.GetValue<string>();
        }

        Assert.Equal("consent.renewal-required", code);

        // Retention every 2 s on both nodes: once per interval in all, not once per node. A claim is due only 1.8 s after
        // the last run, so four more runs take at least 7.2 s; had each node run on its own ticks, they would take about 4.
        var first = await UntilRunsAsync(database, await RunsAsync(database) + 1);
        var window = Stopwatch.StartNew();
        await UntilRunsAsync(database, first + 4);
        Assert.True(window.Elapsed >= TimeSpan.FromSeconds(7), $"four retention runs took only {window.Elapsed.TotalSeconds:0.0} s: more than one node ran each interval");

        // Kill the node that ran it last; the other takes the job over.
        var holder = await HolderAsync(database);
        var victim = holder == "node-a" ? 0 : 1;
        _nodes[victim].Kill(entireProcessTree: true);
        await _nodes[victim].WaitForExitAsync();
        var survivor = holder == "node-a" ? "node-b" : "node-a";
        var deadline = Stopwatch.StartNew();
        while (await HolderAsync(database) != survivor && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(250);
        }

        Assert.Equal(survivor, await HolderAsync(database));
    }

    /// <summary>Waits (polling, with a generous limit) until the retention job has started <paramref name="runs"/> times in all.</summary>
    private static async Task<long> UntilRunsAsync(string database, long runs)
    {
        var limit = Stopwatch.StartNew();
        long now;
        while ((now = await RunsAsync(database)) < runs && limit.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(50);
        }

        Assert.True(now >= runs, $"the retention job ran {now} times, not {runs}");
        return now;
    }

    private static async Task<long> RunsAsync(string database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MAX(runs), 0) FROM job_runs WHERE job = 'retention'";
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string?> HolderAsync(string database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT node FROM job_runs WHERE job = 'retention'";
        return await cmd.ExecuteScalarAsync() as string;
    }

    private async Task<string> TokenAsync(string role, string actor)
    {
        var (code, token, error) = await CommandTests.RunInProcessAsync("token", "--data", _data, "--role", role, "--actor", actor);
        Assert.True(code == 0, error);
        return token.Trim();
    }

    private async Task<HttpClient> StartNodeAsync(string database, string name)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "cordon.dll"), "serve", "--data", _data, "--db", database, "--urls", $"http://127.0.0.1:{port}", "--retention-seconds", "2", "--job-lease-seconds", "5", "--node-id", name })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _nodes.Add(process);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var started = Stopwatch.StartNew();
        while (started.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(process.HasExited, $"{name} exited with {(process.HasExited ? process.ExitCode : 0)}");
            try
            {
                using var health = await http.GetAsync("/healthz");
                if (health.IsSuccessStatusCode)
                {
                    return http;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{name} did not answer /healthz.");
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? token, string? purpose = null, object? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (purpose is not null)
        {
            request.Headers.Add("X-Purpose", purpose);
        }

        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
