using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace Cordon.Storage.Keys;

/// <summary>How a key file's wrapping key is derived from the master secret.</summary>
public sealed record MasterKdf(string Kind, byte[]? Salt = null, int MemoryKiB = 0, int Iterations = 0, int Parallelism = 0)
{
    public const string FromFile = "file";
    public const string Argon2id = "argon2id";

    /// <summary>Argon2id at 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended option).</summary>
    public static MasterKdf NewArgon2id() => new(Argon2id, RandomNumberGenerator.GetBytes(16), 64 * 1024, 3, 1);
}

/// <summary>
/// The master secret that seals the key files, kept where the data directory is not: a file of random bytes
/// (<c>CORDON_MASTER_KEY_FILE</c>) or a passphrase (<c>CORDON_MASTER_PASSPHRASE</c>, stretched with Argon2id). Without
/// either, a key file names the master key file it was created with, under the user's configuration directory
/// (<c>~/.config/cordon/master-keys</c>), where a first start generates one and says so. Each key file's wrapping key
/// is HKDF-SHA256 of the master secret with the file's own salt and purpose, so no two files share a key.
/// </summary>
public sealed class MasterKey
{
    public const string FileVariable = "CORDON_MASTER_KEY_FILE";
    public const string PassphraseVariable = "CORDON_MASTER_PASSPHRASE";
    private const int MinimumFileBytes = 32;
    private readonly byte[]? _fileSecret;
    private readonly string? _passphrase;
    private readonly Dictionary<string, byte[]> _stretched = new(StringComparer.Ordinal);

    private MasterKey(byte[]? fileSecret, string? passphrase, string description)
    {
        _fileSecret = fileSecret;
        _passphrase = passphrase;
        Description = description;
    }

    /// <summary>Where the secret came from, for messages (never the secret).</summary>
    public string Description { get; }

    public bool IsPassphrase => _passphrase is not null;

    /// <summary>The master key file that a key file with this id uses when no master key is configured.</summary>
    public static string DefaultPath(string masterId)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : home.Length > 0 ? Path.Combine(home, ".config") : throw new InvalidOperationException($"No home directory to keep a master key in: set {FileVariable} or {PassphraseVariable}.");
        return Path.GetFullPath(Path.Combine(config, "cordon", "master-keys", masterId + ".key"));
    }

    /// <summary>The master key configured by the environment; null when none is.</summary>
    public static MasterKey? FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable(PassphraseVariable) is { Length: > 0 } passphrase)
        {
            return FromPassphrase(passphrase);
        }

        return Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } file ? FromFile(file) : null;
    }

    public static MasterKey FromPassphrase(string passphrase)
    {
        if (string.IsNullOrEmpty(passphrase) || passphrase.Length < 12)
        {
            throw new InvalidDataException($"The master passphrase ({PassphraseVariable}) has fewer than 12 characters; use a longer one.");
        }

        return new MasterKey(null, passphrase, $"the passphrase in {PassphraseVariable}");
    }

    /// <summary>Reads a master key file: base64 text of at least 32 random bytes, or the bytes themselves.</summary>
    public static MasterKey FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No master key file at {path}.", path);
        }

        var bytes = File.ReadAllBytes(path);
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(Encoding.ASCII.GetString(bytes).Trim());
        }
        catch (FormatException)
        {
            secret = bytes;
        }

        if (secret.Length < MinimumFileBytes)
        {
            throw new InvalidDataException($"The master key file {path} holds fewer than {MinimumFileBytes} bytes.");
        }

        return new MasterKey(secret, null, $"the master key file {path}");
    }

    /// <summary>Writes a new random master key file (0600, in a 0700 directory) and returns it.</summary>
    public static MasterKey Generate(string path)
    {
        PrivateFiles.EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var secret = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFiles.FileMode;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(secret) + "\n"));
            stream.Flush(flushToDisk: true);
        }

        return new MasterKey(secret, null, $"the master key file {path}");
    }

    /// <summary>A new file's derivation: Argon2id for a passphrase, none for a key file (its bytes are random).</summary>
    public MasterKdf NewKdf() => IsPassphrase ? MasterKdf.NewArgon2id() : new MasterKdf(MasterKdf.FromFile);

    /// <summary>The 32-byte wrapping key of one key file (<paramref name="salt"/>, <paramref name="purpose"/>).</summary>
    internal byte[] Derive(MasterKdf kdf, byte[] salt, string purpose)
    {
        byte[] secret;
        if (string.Equals(kdf.Kind, MasterKdf.FromFile, StringComparison.Ordinal))
        {
            secret = _fileSecret ?? throw new InvalidDataException($"This key file was sealed with a master key file, but {Description} was given; set {FileVariable} instead.");
        }
        else if (string.Equals(kdf.Kind, MasterKdf.Argon2id, StringComparison.Ordinal))
        {
            secret = Stretch(kdf);
        }
        else
        {
            throw new InvalidDataException($"The key file names an unknown key derivation '{kdf.Kind}'.");
        }

        return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt, Encoding.UTF8.GetBytes("cordon-keys@2:" + purpose));
    }

    private byte[] Stretch(MasterKdf kdf)
    {
        if (_passphrase is null)
        {
            throw new InvalidDataException($"This key file was sealed with a passphrase, but {Description} was given; set {PassphraseVariable} instead.");
        }

        if (kdf.Salt is not { Length: >= 16 } salt || kdf.MemoryKiB is < 8192 or > 4 * 1024 * 1024 || kdf.Iterations is < 1 or > 64 || kdf.Parallelism is < 1 or > 16)
        {
            throw new InvalidDataException("The key file's Argon2id parameters are out of range.");
        }

        var cacheKey = Convert.ToBase64String(salt) + ":" + kdf.MemoryKiB + ":" + kdf.Iterations + ":" + kdf.Parallelism;
        lock (_stretched)
        {
            if (_stretched.TryGetValue(cacheKey, out var known))
            {
                return known;
            }

            var generator = new Argon2BytesGenerator();
            generator.Init(new Argon2Parameters.Builder(Argon2Parameters.Argon2id)
                .WithVersion(Argon2Parameters.Version13)
                .WithSalt(salt)
                .WithMemoryAsKB(kdf.MemoryKiB)
                .WithIterations(kdf.Iterations)
                .WithParallelism(kdf.Parallelism)
                .Build());
            var output = new byte[32];
            generator.GenerateBytes(Encoding.UTF8.GetBytes(_passphrase), output);
            _stretched[cacheKey] = output;
            return output;
        }
    }
}
