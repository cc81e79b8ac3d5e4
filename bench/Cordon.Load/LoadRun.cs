using System.Diagnostics;
using System.Net;

namespace Cordon.Load;

/// <summary>One scenario's outcome, printed as one JSON object.</summary>
internal sealed record ScenarioResult(
    string Scenario,
    long Requests,
    double Seconds,
    double Throughput,
    double? P50Ms,
    double? P99Ms,
    long Errors,
    string? Baseline,
    double? Ratio,
    int? Connections = null,
    double? ServerCpuCores = null,
    double? DriverCpuCores = null,
    string? Note = null);

/// <summary>
/// Drives one scenario: N keep-alive connections each sending requests back to back for a warm-up and then for the
/// measured time. Only requests started and finished inside the measured window count; latency is per request.
/// </summary>
internal static class LoadRun
{
    public static async Task<ScenarioResult> RunAsync(string scenario, IPEndPoint endpoint, IReadOnlyList<byte[]> requests, int expectedStatus, int connections, TimeSpan warmup, TimeSpan duration, Process? server)
    {
        using var stop = new CancellationTokenSource();
        var measuring = 0;
        var clients = new List<RawHttp>(connections);
        for (var i = 0; i < connections; i++)
        {
            clients.Add(await RawHttp.ConnectAsync(endpoint, CancellationToken.None));
        }

        var latencies = new List<long>[connections];
        var errors = new long[connections];
        var counts = new long[connections];
        var workers = new Task[connections];
        for (var c = 0; c < connections; c++)
        {
            var connection = c;
            latencies[c] = new List<long>(1 << 16);
            workers[c] = Task.Run(async () =>
            {
                var client = clients[connection];
                var next = connection * 7919;
                var token = stop.Token;
                while (!token.IsCancellationRequested)
                {
                    var request = requests[next++ % requests.Count];
                    var started = Stopwatch.GetTimestamp();
                    var counted = Volatile.Read(ref measuring) == 1;
                    int status;
                    try
                    {
                        status = await client.SendAsync(request, CancellationToken.None);
                    }
                    catch (IOException)
                    {
                        errors[connection]++;
                        return;
                    }

                    var ended = Stopwatch.GetTimestamp();
                    if (counted && !token.IsCancellationRequested)
                    {
                        counts[connection]++;
                        latencies[connection].Add(ended - started);
                        if (status != expectedStatus)
                        {
                            errors[connection]++;
                        }
                    }
                }
            });
        }

        await Task.Delay(warmup);
        var serverCpu = server?.TotalProcessorTime ?? TimeSpan.Zero;
        var driverCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(duration);
        await stop.CancelAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        if (server is not null)
        {
            server.Refresh();
        }

        var serverUsed = server is null ? (double?)null : (server.TotalProcessorTime - serverCpu).TotalSeconds / seconds;
        var driverUsed = (Process.GetCurrentProcess().TotalProcessorTime - driverCpu).TotalSeconds / seconds;
        await Task.WhenAll(workers);
        foreach (var client in clients)
        {
            client.Dispose();
        }

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        var requestsDone = counts.Sum();
        return new ScenarioResult(
            scenario,
            requestsDone,
            Math.Round(seconds, 3),
            Math.Round(requestsDone / seconds, 1),
            Percentile(all, 0.50),
            Percentile(all, 0.99),
            errors.Sum(),
            null,
            null,
            connections,
            serverUsed is null ? null : Math.Round(serverUsed.Value, 2),
            Math.Round(driverUsed, 2));
    }

    private static double? Percentile(long[] sorted, double p)
        => sorted.Length == 0 ? null : Math.Round(sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)] * 1000.0 / Stopwatch.Frequency, 3);
}
