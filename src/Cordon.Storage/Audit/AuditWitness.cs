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

    public AuditWitness(string directory)
    {
        Directory = Path.GetFullPath(Core.Guard.NotEmpty(directory));
    }

    public string Directory { get; }

    /// <summary>The witness in <paramref name="dataDirectory"/>, or in <paramref name="witnessDirectory"/> when one is given.</summary>
    public static AuditWitness For(string dataDirectory, string? witnessDirectory)
        => new(string.IsNullOrWhiteSpace(witnessDirectory) ? Path.Combine(dataDirectory, DefaultDirectoryName) : witnessDirectory);

    public string PathOf(string tenant) => Path.Combine(Directory, FileName(tenant));

    /// <summary>
    /// Appends <paramref name="checkpoint"/> durably and returns the line written. The file is locked while the last line is
    /// read and the new one appended, so several processes (nodes sharing the witness directory) keep one linked chain.
    /// </summary>
    public async Task<string> AppendAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        Core.Guard.NotNull(checkpoint);
        var gate = _gates.GetOrAdd(checkpoint.Tenant, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var path = PathOf(checkpoint.Tenant);
            PrivateFiles.EnsureDirectory(Directory);
            await using var stream = await OpenLockedAsync(path, cancellationToken);
            var line = WitnessFormat.Line(checkpoint, LastLineHash(stream));
            stream.Seek(0, SeekOrigin.End);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
            stream.Flush(flushToDisk: true);
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

    /// <summary>Opens the witness file for appending, locked against other processes (they retry until it is free).</summary>
    private static async Task<FileStream> OpenLockedAsync(string path, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFiles.FileMode;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, options);
            }
            catch (IOException) when (attempt < 200)
            {
                await Task.Delay(10, cancellationToken);
            }
        }
    }

    /// <summary>The hash of the file's last line, read from its tail only (the witness grows by a line per checkpoint).</summary>
    private static string LastLineHash(FileStream stream)
    {
        var length = stream.Length;
        if (length == 0)
        {
            return WitnessFormat.Start;
        }

        var window = 4096;
        while (true)
        {
            var start = Math.Max(0, length - window);
            var buffer = new byte[length - start];
            stream.Seek(start, SeekOrigin.Begin);
            stream.ReadExactly(buffer);
            var end = buffer.Length;
            while (end > 0 && buffer[end - 1] == (byte)'\n')
            {
                end--;
            }

            var newline = Array.LastIndexOf(buffer, (byte)'\n', Math.Max(0, end - 1));
            if (newline >= 0 && newline < end || start == 0)
            {
                var from = newline >= 0 && newline < end ? newline + 1 : 0;
                return end == 0 ? WitnessFormat.Start : WitnessFormat.LineHash(Encoding.UTF8.GetString(buffer, from, end - from));
            }

            window *= 4;
        }
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
