using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cordon.Core.Crypto;
using Cordon.Core.Deidentification;

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

    /// <summary>The de-identification keys, derived from the blind-index key by HKDF with their own info string (<see cref="DeidentificationKeys.Info"/>).</summary>
    public DeidentificationKeys CreateDeidentificationKeys() => DeidentificationKeys.Derive(CryptoSuite.For(Suite), Tenant, BlindIndexKey);

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
/// The key files in the data directory, each sealed (AES-256-GCM) under a key derived from the master secret
/// (<see cref="MasterKey"/>), which never lives beside them: <c>keys.json</c> holds every tenant's key-encryption keys,
/// blind-index, audit-note and token keys; <c>audit-signing.json</c> (or <c>CORDON_SIGNING_KEY_FILE</c>) holds the
/// checkpoint signing keys, apart from the token key, so that whoever reads one cannot use the other. Both are mode
/// 0600, written atomically, never logged. A key file of an older Cordon, in clear, is sealed the first time it is opened.
/// Back them up apart from the database: without them the database is unreadable, which is the point.
/// </summary>
public sealed class KeyFile : ITenantKeyProvider
{
    public const string FileName = "keys.json";
    public const string SigningFileName = "audit-signing.json";
    public const string SigningFileVariable = "CORDON_SIGNING_KEY_FILE";
    private const string LegacyFormat = "cordon-keys@1";
    private const string KeysPurpose = "keys";
    private const string SigningPurpose = "audit-signing";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly Dictionary<string, TenantKeys> _tenants;
    private readonly object _gate = new();
    private readonly MasterKey _master;
    private readonly SealedDocument.Header _header;

    private KeyFile(string path, string signingPath, Dictionary<string, TenantKeys> tenants, MasterKey master, SealedDocument.Header header)
    {
        Path = path;
        SigningPath = signingPath;
        _tenants = tenants;
        _master = master;
        _header = header;
    }

    public string Path { get; }

    /// <summary>Where the checkpoint signing keys are kept.</summary>
    public string SigningPath { get; }

    public string Description => $"{Path} (sealed under {MasterDescription})";

    /// <summary>Where the master secret came from (never the secret).</summary>
    public string MasterDescription => _master.Description;

    /// <summary>The master key file this open generated (a new data directory without a configured master key), or null.</summary>
    public string? GeneratedMasterKey { get; private init; }

    /// <summary>True when this open found a key file in clear (an older Cordon) and sealed it.</summary>
    public bool SealedFromPlaintext { get; private init; }

    public static string PathIn(string dataDirectory) => System.IO.Path.Combine(dataDirectory, FileName);

    /// <summary>The signing key file that goes with <paramref name="keyFilePath"/>: <c>CORDON_SIGNING_KEY_FILE</c>, or beside it.</summary>
    public static string SigningPathFor(string keyFilePath)
        => Environment.GetEnvironmentVariable(SigningFileVariable) is { Length: > 0 } configured
            ? configured
            : System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(keyFilePath)) ?? ".", SigningFileName);

    /// <summary>
    /// Opens the key file, creating an empty one when it does not exist. Without <paramref name="master"/>, the master key
    /// comes from the environment, or for a new file is generated under the user's configuration directory
    /// (<see cref="GeneratedMasterKey"/> says where).
    /// </summary>
    public static KeyFile OpenOrCreate(string path, MasterKey? master = null)
    {
        if (File.Exists(path))
        {
            return Open(path, master);
        }

        var (masterId, resolved, generated) = NewMaster(master);
        master = resolved;

        var created = new KeyFile(path, SigningPathFor(path), new Dictionary<string, TenantKeys>(StringComparer.Ordinal), master, new SealedDocument.Header(masterId, master.NewKdf()))
        {
            GeneratedMasterKey = generated,
        };
        created.Save();
        return created;
    }

    public static KeyFile Open(string path, MasterKey? master = null)
    {
        EnsurePrivate(path);
        var bytes = File.ReadAllBytes(path);
        if (IsLegacy(bytes, path) is { } legacy)
        {
            return SealLegacy(path, legacy, master);
        }

        var header = SealedDocument.ReadHeader(bytes, path);
        master ??= MasterKey.FromEnvironment() ?? DefaultMaster(header.MasterId, path);
        var tenants = JsonSerializer.Deserialize<Dictionary<string, TenantDto>>(SealedDocument.Open(bytes, path, KeysPurpose, master), Json) ?? [];
        var signingPath = SigningPathFor(path);
        if (!File.Exists(signingPath))
        {
            throw new InvalidDataException($"The checkpoint signing key file {signingPath} is missing; restore it from the backup taken with {path}.");
        }

        EnsurePrivate(signingPath);
        var signingBytes = File.ReadAllBytes(signingPath);
        var signingHeader = SealedDocument.ReadHeader(signingBytes, signingPath);
        if (!string.Equals(signingHeader.MasterId, header.MasterId, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The signing key file {signingPath} does not belong to {path} (another master key).");
        }

        var signing = JsonSerializer.Deserialize<Dictionary<string, SigningSetDto>>(SealedDocument.Open(signingBytes, signingPath, SigningPurpose, master), Json) ?? [];
        var keys = new Dictionary<string, TenantKeys>(StringComparer.Ordinal);
        foreach (var (id, t) in tenants)
        {
            if (!signing.TryGetValue(id, out var set))
            {
                throw new InvalidDataException($"The signing key file {signingPath} has no keys for tenant {id}; restore it from the backup taken with {path}.");
            }

            keys[id] = FromDto(id, t, set);
        }

        return new KeyFile(path, signingPath, keys, master, header);
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

    /// <summary>The signing keys first: a crash between the two writes leaves a signing file that knows one tenant more, never one less.</summary>
    private void Save()
    {
        var signing = _tenants.ToDictionary(kv => kv.Key, kv => ToSigningDto(kv.Value), StringComparer.Ordinal);
        SealedDocument.Write(SigningPath, SigningPurpose, _header, _master, JsonSerializer.SerializeToUtf8Bytes(signing, Json));
        var keys = _tenants.ToDictionary(kv => kv.Key, kv => ToDto(kv.Value), StringComparer.Ordinal);
        SealedDocument.Write(Path, KeysPurpose, _header, _master, JsonSerializer.SerializeToUtf8Bytes(keys, Json));
    }

    /// <summary>A new key file's master: the one given, else the environment's, else one generated under the configuration directory.</summary>
    private static (string MasterId, MasterKey Master, string? Generated) NewMaster(MasterKey? master)
    {
        var masterId = "mk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        master ??= MasterKey.FromEnvironment();
        if (master is not null)
        {
            return (masterId, master, null);
        }

        var generated = MasterKey.DefaultPath(masterId);
        return (masterId, MasterKey.Generate(generated), generated);
    }

    private static MasterKey DefaultMaster(string masterId, string path)
    {
        var file = MasterKey.DefaultPath(masterId);
        return File.Exists(file)
            ? MasterKey.FromFile(file)
            : throw new InvalidDataException($"The key file {path} is sealed under master key {masterId}: set {MasterKey.FileVariable} to its master key file (it was created at {file}) or {MasterKey.PassphraseVariable} to its passphrase.");
    }

    private static LegacyFileDto? IsLegacy(byte[] bytes, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (!doc.RootElement.TryGetProperty("format", out var format) || format.GetString() != LegacyFormat)
            {
                return null;
            }

            return JsonSerializer.Deserialize<LegacyFileDto>(bytes, Json);
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"The key file {path} is not valid.");
        }
    }

    /// <summary>A key file of an older Cordon, in clear: sealed now, its signing keys moved to their own file.</summary>
    private static KeyFile SealLegacy(string path, LegacyFileDto legacy, MasterKey? master)
    {
        var (masterId, resolved, generated) = NewMaster(master);
        master = resolved;

        var tenants = new Dictionary<string, TenantKeys>(StringComparer.Ordinal);
        foreach (var (id, t) in legacy.Tenants ?? [])
        {
            if (t.Signing is null)
            {
                throw new InvalidDataException($"Tenant {id} in the key file is incomplete.");
            }

            tenants[id] = FromDto(id, t, new SigningSetDto { Current = t.Signing, Retired = t.RetiredSigning });
        }

        var file = new KeyFile(path, SigningPathFor(path), tenants, master, new SealedDocument.Header(masterId, master.NewKdf()))
        {
            GeneratedMasterKey = generated,
            SealedFromPlaintext = true,
        };
        file.Save();
        return file;
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

    private static TenantKeys FromDto(string id, TenantDto t, SigningSetDto signing)
    {
        if (!CryptoSuite.TryParse(t.Suite, out var suite))
        {
            throw new InvalidDataException($"Tenant {id} in the key file has an unknown suite.");
        }

        var keks = (t.Keks ?? []).OrderBy(k => k.Version).Select(k => new KeyEncryptionKey(k.Version, suite, Convert.FromBase64String(k.Key))).ToList();
        if (keks.Count == 0 || signing.Current is null)
        {
            throw new InvalidDataException($"Tenant {id} in the key file is incomplete.");
        }

        return new TenantKeys(
            id,
            suite,
            keks,
            Convert.FromBase64String(t.BlindIndexKey),
            Convert.FromBase64String(t.AuditKey),
            FromDto(signing.Current, suite),
            [.. (signing.Retired ?? []).Select(s => FromDto(s, suite))],
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
        TokenKey = Convert.ToBase64String(t.TokenKey),
    };

    private static SigningSetDto ToSigningDto(TenantKeys t) => new()
    {
        Current = ToDto(t.Signing),
        Retired = t.RetiredSigning.Count == 0 ? null : [.. t.RetiredSigning.Select(ToDto)],
    };

    private static SigningDto ToDto(TenantKeys.SigningKey s) => new()
    {
        Id = s.Id,
        Suite = CryptoSuite.ToKey(s.Suite),
        PrivateKey = Convert.ToBase64String(s.PrivateKey),
        PublicKey = Convert.ToBase64String(s.PublicKey),
    };

    private sealed class LegacyFileDto
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

        /// <summary>Only in key files of an older Cordon: the signing keys now live in their own file.</summary>
        public SigningDto? Signing { get; set; }

        public List<SigningDto>? RetiredSigning { get; set; }

        public string TokenKey { get; set; } = string.Empty;
    }

    private sealed class SigningSetDto
    {
        public SigningDto? Current { get; set; }

        public List<SigningDto>? Retired { get; set; }
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
