using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Cordon.Testing;

/// <summary>
/// Every test process seals its key files under one master key file of its own (in the temp directory), as an operator
/// gives one with CORDON_MASTER_KEY_FILE: no test writes master keys into the user's configuration directory. Tests of
/// the generated default start a child process with an environment of their own.
/// </summary>
internal static class TestMasterKey
{
    public static string Path { get; private set; } = string.Empty;

#pragma warning disable CA2255 // A module initializer is the one place that runs before any test of the assembly.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Configure()
    {
        if (Environment.GetEnvironmentVariable("CORDON_MASTER_KEY_FILE") is { Length: > 0 } configured)
        {
            Path = configured;
            return;
        }

        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cordon-test-master-{Environment.ProcessId}-{Guid.NewGuid():N}.key");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(Path, options))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
        }

        Environment.SetEnvironmentVariable("CORDON_MASTER_KEY_FILE", Path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(Path);
    }
}
