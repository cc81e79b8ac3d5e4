using System.Diagnostics;

namespace Cordon.Cli.Tests.Commands;

/// <summary>
/// The master key as a new operator meets it, in real <c>cordon</c> processes with an environment of their own (no
/// master key configured, a home directory of their own): the first command generates one outside the data directory and
/// says where; the next finds it by the key file's id.
/// </summary>
public sealed class MasterKeyProcessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cordon-master-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Without_a_configured_master_key_init_generates_one_apart_from_the_data_and_token_finds_it()
    {
        var data = Path.Combine(_root, "data");
        var init = await RunAsync("init", "--data", data);
        Assert.True(init.Code == 0, init.Error);
        Assert.Contains("A master key was generated at ", init.Error, StringComparison.Ordinal);

        var generated = Directory.GetFiles(Path.Combine(_root, "home", ".config", "cordon", "master-keys"));
        var key = Assert.Single(generated);
        Assert.False(key.StartsWith(data, StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        var token = await RunAsync("token", "--data", data, "--role", "dpo", "--actor", "dpo-wang");
        Assert.True(token.Code == 0, token.Error);
        Assert.Equal(3, token.Output.Trim().Split('.').Length);

        // Without the master key file, the key files do not open, and the command says what to set.
        File.Delete(key);
        var refused = await RunAsync("token", "--data", data, "--role", "dpo", "--actor", "dpo-wang");
        Assert.Equal(3, refused.Code);
        Assert.Contains("CORDON_MASTER_KEY_FILE", refused.Error, StringComparison.Ordinal);
        Assert.Empty(refused.Output.Trim());
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cordon.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("CORDON_MASTER_KEY_FILE");
        start.Environment.Remove("CORDON_MASTER_PASSPHRASE");
        start.Environment.Remove("XDG_CONFIG_HOME");
        start.Environment["HOME"] = Path.Combine(_root, "home");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
