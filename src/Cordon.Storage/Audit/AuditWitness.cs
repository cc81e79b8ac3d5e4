using System.Collections.Concurrent;
using System.Text;
using Cordon.Core.Audit;

namespace Cordon.Storage.Audit;

/// <summary>
/// The local witness: a file per tenant, outside the database, to which every signed checkpoint is appended (one line,
/// fsynced) before the database stores it. The database's administrator can delete or rewrite entries and checkpoints
/// but not this file, and verification checks the database against it. Point it at its own mount (append-only, or a
/// WORM share) with <c>CORDON_WITNESS_DIR</c>; by default it lives in the data directory, mode 0600.
/// </summary>
public sealed class AuditWitness
{
    public const string DefaultDirectoryName = "audit-witness";
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _lastLine = new(StringComparer.Ordinal);

    public AuditWitness(string directory)
    {
        Directory = Path.GetFullPath(Core.Guard.NotEmpty(directory));
    }

    public string Directory { get; }

    /// <summary>The witness in <paramref name="dataDirectory"/>, or in <paramref name="witnessDirectory"/> when one is given.</summary>
    public static AuditWitness For(string dataDirectory, string? witnessDirectory)
        => new(string.IsNullOrWhiteSpace(witnessDirectory) ? Path.Combine(dataDirectory, DefaultDirectoryName) : witnessDirectory);

    public string PathOf(string tenant) => Path.Combine(Directory, FileName(tenant));

    /// <summary>Appends <paramref name="checkpoint"/> durably and returns the line written.</summary>
    public async Task<string> AppendAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        Core.Guard.NotNull(checkpoint);
        var gate = _gates.GetOrAdd(checkpoint.Tenant, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var path = PathOf(checkpoint.Tenant);
            PrivateFiles.EnsureDirectory(Directory);
            if (!_lastLine.TryGetValue(checkpoint.Tenant, out var previous))
            {
                previous = File.Exists(path) ? LastLineHash(path) : WitnessFormat.Start;
            }

            var line = WitnessFormat.Line(checkpoint, previous);
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, Options = FileOptions.WriteThrough };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = PrivateFiles.FileMode;
            }

            await using (var stream = new FileStream(path, options))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            _lastLine[checkpoint.Tenant] = WitnessFormat.LineHash(line);
            return line;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>What the witness holds for <paramref name="tenant"/>; null when it has no file for it.</summary>
    public WitnessContents? Read(string tenant) => ReadFile(PathOf(tenant), tenant);

    /// <summary>Reads a witness file (a local one, or lines an external witness kept); null when there is none.</summary>
    public static WitnessContents? ReadFile(string path, string tenant)
        => File.Exists(path) ? WitnessFormat.Read(File.ReadLines(path, Encoding.UTF8), tenant) : null;

    private static string LastLineHash(string path)
    {
        string? last = null;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            if (line.Length > 0)
            {
                last = line;
            }
        }

        return last is null ? WitnessFormat.Start : WitnessFormat.LineHash(last);
    }

    /// <summary>Tenant ids are validated where tenants are created; anything else in a name is replaced all the same.</summary>
    private static string FileName(string tenant)
    {
        var name = new StringBuilder(tenant.Length);
        foreach (var c in tenant)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        return name.Append(".witness").ToString();
    }
}
