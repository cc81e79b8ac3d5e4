using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cordon.Core.Crypto;

namespace Cordon.Storage.Keys;

/// <summary>
/// One tenant's keys: key-encryption keys by version, the blind-index key, the audit-note key,
/// the checkpoint signing key pair and the token signing key. <see cref="ToString"/> never prints key material.
/// </summary>
public sealed class TenantKeys
{
    internal TenantKeys(string tenant, CryptoSuiteId suite, IReadOnlyList<KeyEncryptionKey> keks, byte[] blindIndexKey, byte[] auditKey, SigningKey signing, IReadOnlyList<SigningKey> retiredSigning, byte[] tokenKey)
    {
        Tenant = tenant;
        Suite = suite;
        Keks = keks;
        BlindIndexKey = blindIndexKey;
        AuditKey = auditKey;
        Signing = signing;
        RetiredSigning = retiredSigning;
        TokenKey = tokenKey;
    }

    public string Tenant { get; }

    public CryptoSuiteId Suite { get; }

    public IReadOnlyList<KeyEncryptionKey> Keks { get; }

    public KeyEncryptionKey CurrentKek => Keks[^1];

    internal byte[] BlindIndexKey { get; }

    internal byte[] AuditKey { get; }

    internal SigningKey Signing { get; }

    internal IReadOnlyList<SigningKey> RetiredSigning { get; }

    /// <summary>The HMAC-SHA256 key that signs this tenant's bearer tokens.</summary>
    public byte[] TokenKey { get; }

    public string SigningKeyId => Signing.Id;

    public KeyEncryptionKey? Kek(int version)
    {
        foreach (var k in Keks)
        {
            if (k.Version == version)
            {
                return k;
            }
        }

        return null;
    }

    public BlindIndexer CreateIndexer() => new(Suite, BlindIndexKey);

    /// <summary>Signs a checkpoint's bytes with the current signing key.</summary>
    public byte[] SignCheckpoint(ReadOnlySpan<byte> data) => CryptoSuite.For(Signing.Suite).Sign(Signing.PrivateKey, data);

    public Core.Audit.Checkpoint CreateCheckpoint(DateTimeOffset time, IReadOnlyList<Core.Audit.LaneHead> heads)
        => Core.Audit.Checkpoint.Create(CryptoSuite.For(Signing.Suite), Signing.PrivateKey, Signing.Id, Tenant, time, heads);

    /// <summary>The public key with this id (current or retired), for checkpoint verification.</summary>
    public byte[]? PublicKey(string keyId)
    {
        if (string.Equals(Signing.Id, keyId, StringComparison.Ordinal))
        {
            return Signing.PublicKey;
        }

        return RetiredSigning.FirstOrDefault(k => string.Equals(k.Id, keyId, StringComparison.Ordinal))?.PublicKey;
    }

    /// <summary>Seals an audit note (a justification may describe health data) with the audit key.</summary>
    public byte[] SealNote(string note, string requestId)
    {
        using var cipher = new RecordCipher(Suite, AuditKeyForSuite(), 1);
        return cipher.Seal(new RecordBinding(Tenant, "audit", requestId, "note", 1), System.Text.Encoding.UTF8.GetBytes(note));
    }

    public string? OpenNote(byte[]? sealedNote, string? requestId)
    {
        if (sealedNote is null)
        {
            return null;
        }

        using var cipher = new RecordCipher(Suite, AuditKeyForSuite(), 1);
        var bytes = new byte[sealedNote.Length - RecordCipher.Overhead];
        return cipher.TryOpen(new RecordBinding(Tenant, "audit", requestId ?? string.Empty, "note", 1), sealedNote, bytes)
            ? System.Text.Encoding.UTF8.GetString(bytes)
            : null;
    }

    public override string ToString() => $"keys of tenant {Tenant} ({CryptoSuite.ToKey(Suite)}, KEK v{CurrentKek.Version})";

    private byte[] AuditKeyForSuite() => AuditKey[..CryptoSuite.For(Suite).KeySize];

    internal sealed record SigningKey(string Id, CryptoSuiteId Suite, byte[] PrivateKey, byte[] PublicKey);
}

/// <summary>
/// The key file in the data directory (<c>keys.json</c>, mode 0600). It holds every tenant's keys; it is
/// created once, written atomically, and never logged. Back it up apart from the database: without it the
/// database is unreadable, which is the point.
/// </summary>
public sealed class KeyFile
{
    public const string FileName = "keys.json";
    private const string Format = "cordon-keys@1";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly Dictionary<string, TenantKeys> _tenants;
    private readonly object _gate = new();

    private KeyFile(string path, Dictionary<string, TenantKeys> tenants)
    {
        Path = path;
        _tenants = tenants;
    }

    public string Path { get; }

    public static string PathIn(string dataDirectory) => System.IO.Path.Combine(dataDirectory, FileName);

    /// <summary>Opens the key file, creating an empty one (mode 0600) when it does not exist.</summary>
    public static KeyFile OpenOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            var created = new KeyFile(path, new Dictionary<string, TenantKeys>(StringComparer.Ordinal));
            created.Save();
            return created;
        }

        return Open(path);
    }

    public static KeyFile Open(string path)
    {
        EnsurePrivate(path);
        FileDto dto;
        try
        {
            dto = JsonSerializer.Deserialize<FileDto>(File.ReadAllBytes(path), Json) ?? throw new InvalidDataException("The key file is empty.");
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"The key file {path} is not valid.");
        }

        if (!string.Equals(dto.Format, Format, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The key file {path} has an unknown format.");
        }

        var tenants = new Dictionary<string, TenantKeys>(StringComparer.Ordinal);
        foreach (var (id, t) in dto.Tenants ?? [])
        {
            tenants[id] = FromDto(id, t);
        }

        return new KeyFile(path, tenants);
    }

    public IReadOnlyCollection<string> Tenants
    {
        get
        {
            lock (_gate)
            {
                return [.. _tenants.Keys];
            }
        }
    }

    public TenantKeys? Find(string tenant)
    {
        lock (_gate)
        {
            return _tenants.GetValueOrDefault(tenant);
        }
    }

    /// <summary>The tenant's keys, created and saved on first use.</summary>
    public TenantKeys GetOrCreate(string tenant, CryptoSuiteId suite)
    {
        lock (_gate)
        {
            if (_tenants.TryGetValue(tenant, out var existing))
            {
                return existing;
            }

            var s = CryptoSuite.For(suite);
            var (priv, pub) = s.CreateSigningKey();
            var keys = new TenantKeys(
                tenant,
                suite,
                [new KeyEncryptionKey(1, suite, s.NewKey())],
                RandomNumberGenerator.GetBytes(32),
                RandomNumberGenerator.GetBytes(32),
                new TenantKeys.SigningKey(NewKeyId(), suite, priv, pub),
                [],
                RandomNumberGenerator.GetBytes(32));
            _tenants[tenant] = keys;
            Save();
            return keys;
        }
    }

    /// <summary>Adds a new key-encryption key version; new subject keys are wrapped by it, old ones still open.</summary>
    public TenantKeys RotateKek(string tenant)
    {
        lock (_gate)
        {
            var t = _tenants[tenant];
            var next = new KeyEncryptionKey(t.CurrentKek.Version + 1, t.Suite, CryptoSuite.For(t.Suite).NewKey());
            var rotated = new TenantKeys(t.Tenant, t.Suite, [.. t.Keks, next], t.BlindIndexKey, t.AuditKey, t.Signing, t.RetiredSigning, t.TokenKey);
            _tenants[tenant] = rotated;
            Save();
            return rotated;
        }
    }

    private void Save()
    {
        var dto = new FileDto
        {
            Format = Format,
            Tenants = _tenants.ToDictionary(kv => kv.Key, kv => ToDto(kv.Value), StringComparer.Ordinal),
        };
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(directory);
        var temp = System.IO.Path.Combine(directory, $".{FileName}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, dto, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, Path, overwrite: true);
    }

    private static void EnsurePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new UnauthorizedAccessException($"The key file {path} is readable by group or others; run: chmod 600 {path}");
        }
    }

    private static string NewKeyId() => "ck_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static TenantKeys FromDto(string id, TenantDto t)
    {
        if (!CryptoSuite.TryParse(t.Suite, out var suite))
        {
            throw new InvalidDataException($"Tenant {id} in the key file has an unknown suite.");
        }

        var keks = (t.Keks ?? []).OrderBy(k => k.Version).Select(k => new KeyEncryptionKey(k.Version, suite, Convert.FromBase64String(k.Key))).ToList();
        if (keks.Count == 0 || t.Signing is null)
        {
            throw new InvalidDataException($"Tenant {id} in the key file is incomplete.");
        }

        return new TenantKeys(
            id,
            suite,
            keks,
            Convert.FromBase64String(t.BlindIndexKey),
            Convert.FromBase64String(t.AuditKey),
            FromDto(t.Signing, suite),
            [.. (t.RetiredSigning ?? []).Select(s => FromDto(s, suite))],
            Convert.FromBase64String(t.TokenKey));
    }

    private static TenantKeys.SigningKey FromDto(SigningDto s, CryptoSuiteId suite)
        => new(s.Id, CryptoSuite.TryParse(s.Suite, out var own) ? own : suite, Convert.FromBase64String(s.PrivateKey), Convert.FromBase64String(s.PublicKey));

    private static TenantDto ToDto(TenantKeys t) => new()
    {
        Suite = CryptoSuite.ToKey(t.Suite),
        Keks = [.. t.Keks.Select(k => new KekDto { Version = k.Version, Key = Convert.ToBase64String(k.Key) })],
        BlindIndexKey = Convert.ToBase64String(t.BlindIndexKey),
        AuditKey = Convert.ToBase64String(t.AuditKey),
        Signing = ToDto(t.Signing),
        RetiredSigning = t.RetiredSigning.Count == 0 ? null : [.. t.RetiredSigning.Select(ToDto)],
        TokenKey = Convert.ToBase64String(t.TokenKey),
    };

    private static SigningDto ToDto(TenantKeys.SigningKey s) => new()
    {
        Id = s.Id,
        Suite = CryptoSuite.ToKey(s.Suite),
        PrivateKey = Convert.ToBase64String(s.PrivateKey),
        PublicKey = Convert.ToBase64String(s.PublicKey),
    };

    private sealed class FileDto
    {
        public string Format { get; set; } = string.Empty;

        public Dictionary<string, TenantDto>? Tenants { get; set; }
    }

    private sealed class TenantDto
    {
        public string Suite { get; set; } = string.Empty;

        public List<KekDto>? Keks { get; set; }

        public string BlindIndexKey { get; set; } = string.Empty;

        public string AuditKey { get; set; } = string.Empty;

        public SigningDto? Signing { get; set; }

        public List<SigningDto>? RetiredSigning { get; set; }

        public string TokenKey { get; set; } = string.Empty;
    }

    private sealed class KekDto
    {
        public int Version { get; set; }

        public string Key { get; set; } = string.Empty;
    }

    private sealed class SigningDto
    {
        public string Id { get; set; } = string.Empty;

        public string Suite { get; set; } = string.Empty;

        public string PrivateKey { get; set; } = string.Empty;

        public string PublicKey { get; set; } = string.Empty;
    }
}
