using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Cordon.Testing;

/// <summary>
/// A throwaway PostgreSQL server for the test run: <c>initdb</c> into a temporary folder, <c>pg_ctl start</c> on a
/// free port, one fresh database per test class, <c>pg_ctl stop</c> and delete at the end. As root it runs the
/// server as the <c>postgres</c> user through <c>runuser</c> (initdb refuses root). Set CORDON_TEST_POSTGRES to a
/// connection string to use an existing server instead. When neither is available, PostgreSQL tests are skipped
/// with a message saying why; CI installs PostgreSQL so they always run there.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? _shared;
    private static string? _unavailable;

    private readonly string? _directory;
    private readonly string? _binaries;
    private readonly bool _asPostgresUser;
    private int _databases;

    private PostgresServer(string adminConnectionString, string? directory, string? binaries, bool asPostgresUser)
    {
        AdminConnectionString = adminConnectionString;
        _directory = directory;
        _binaries = binaries;
        _asPostgresUser = asPostgresUser;
    }

    public string AdminConnectionString { get; }

    /// <summary>Where the server's files are (null for an external server).</summary>
    public string? DataDirectory => _directory is null ? null : Path.Combine(_directory, "data");

    /// <summary>The shared server, started on first use; skips the calling test when PostgreSQL is unavailable.</summary>
    public static async Task<PostgresServer> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_shared is null && _unavailable is null)
            {
                try
                {
                    _shared = await StartAsync();
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => _shared?.StopAsync().GetAwaiter().GetResult();
                }
                catch (PostgresUnavailableException ex)
                {
                    _unavailable = ex.Message;
                }
            }
        }
        finally
        {
            Gate.Release();
        }

        if (_shared is null)
        {
            if (Environment.GetEnvironmentVariable("CORDON_REQUIRE_POSTGRES") == "1")
            {
                Assert.Fail($"PostgreSQL is required (CORDON_REQUIRE_POSTGRES=1) but unavailable: {_unavailable}");
            }

            Assert.Skip($"PostgreSQL tests skipped: {_unavailable}");
        }

        return _shared!;
    }

    /// <summary>Creates a new empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"cordon_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..48];
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"CREATE DATABASE \"{name}\"";
            await cmd.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ToString();
    }

    /// <summary>Asks the server to write everything to its data files (for scanning them).</summary>
    public async Task CheckpointAsync()
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "CHECKPOINT";
        await cmd.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("CORDON_TEST_POSTGRES") is { Length: > 0 } external)
        {
            return new PostgresServer(external, null, null, false);
        }

        var binaries = FindBinaries() ?? throw new PostgresUnavailableException(
            "no initdb/pg_ctl found (looked in /usr/lib/postgresql/*/bin and PATH); install the postgresql package or set CORDON_TEST_POSTGRES");
        var asRoot = Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";
        var directory = Path.Combine(Path.GetTempPath(), $"cordon-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(directory);
        var data = Path.Combine(directory, "data");
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", directory], asPostgres: false);
        }

        var port = FreePort();
        var server = new PostgresServer(
            new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "cordon", Database = "postgres", Pooling = true, Timeout = 30 }.ToString(),
            directory,
            binaries,
            asRoot);
        await server.RunToolAsync("initdb", ["-D", data, "-U", "cordon", "-A", "trust", "-E", "UTF8", "--no-instructions", "--no-sync"]);
        await server.RunToolAsync("pg_ctl", [
            "-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
            "-o", $"-p {port} -c listen_addresses=127.0.0.1 -k {directory} -c fsync=off -c full_page_writes=off -c max_connections=200",
            "start",
        ]);
        return server;
    }

    private async Task StopAsync()
    {
        if (_directory is null || _binaries is null || !Directory.Exists(_directory))
        {
            return;
        }

        try
        {
            NpgsqlConnection.ClearAllPools();
            await RunToolAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
        }
        catch (PostgresUnavailableException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task RunToolAsync(string tool, IReadOnlyList<string> args)
        => RunAsync(Path.Combine(_binaries!, tool), args, _asPostgresUser);

    private static async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("postgres");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(file);
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new PostgresUnavailableException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new PostgresUnavailableException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }

    private static string? FindBinaries()
    {
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            foreach (var dir in Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            {
                var bin = Path.Combine(dir, "bin");
                if (File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
                {
                    return bin;
                }
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class PostgresUnavailableException(string message) : Exception(message);
}
