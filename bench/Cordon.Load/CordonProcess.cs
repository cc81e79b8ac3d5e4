using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cordon.Load;

/// <summary><c>cordon serve</c> as a child process on a fresh data directory and a free loopback port.</summary>
internal sealed class CordonProcess : IAsyncDisposable
{
    private readonly StreamWriter _log;

    private CordonProcess(Process process, IPEndPoint endpoint, string dataDirectory, StreamWriter log)
    {
        Process = process;
        Endpoint = endpoint;
        DataDirectory = dataDirectory;
        _log = log;
    }

    public Process Process { get; }

    public IPEndPoint Endpoint { get; }

    public string DataDirectory { get; }

    public string BaseUrl => $"http://{Endpoint}";

    public static async Task<CordonProcess> StartAsync(string cli, string dataDirectory, IReadOnlyList<string>? environment = null)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort());
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { cli, "serve", "--data", dataDirectory, "--urls", $"http://{endpoint}" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var variable in environment ?? [])
        {
            var (name, value) = variable.IndexOf('=', StringComparison.Ordinal) is var at and > 0 ? (variable[..at], variable[(at + 1)..]) : (variable, string.Empty);
            info.Environment[name] = value;
        }

        var log = new StreamWriter(Path.Combine(dataDirectory, "serve.log")) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet could not be started.");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new CordonProcess(process, endpoint, dataDirectory, log);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"cordon serve exited with {process.ExitCode}; see {Path.Combine(dataDirectory, "serve.log")}.");
            }

            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new TimeoutException("cordon serve did not become healthy within 30 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
        await _log.DisposeAsync();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
