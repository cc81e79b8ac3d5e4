using System.Security.Cryptography;

namespace Cordon.Core.Crypto;

/// <summary>
/// The primitives of one suite: an AEAD for records and wrapped keys, a 32-byte hash for the audit chain,
/// a 32-byte MAC for blind indexes, and a signature for checkpoints.
/// </summary>
public abstract class CryptoSuite
{
    public const int HashSize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    public static CryptoSuite Standard { get; } = new StandardSuite();

    public static CryptoSuite National { get; } = new NationalSuite();

    public abstract CryptoSuiteId Id { get; }

    /// <summary>Human-readable name, e.g. <c>aes-256-gcm/sha-256/ecdsa-p256</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Size in bytes of data keys and key-encryption keys for this suite's AEAD.</summary>
    public abstract int KeySize { get; }

    public abstract string SignatureAlgorithm { get; }

    public static CryptoSuite For(CryptoSuiteId id) => id switch
    {
        CryptoSuiteId.Standard => Standard,
        CryptoSuiteId.National => National,
        _ => throw new CryptographicException("Unknown crypto suite id."),
    };

    public static bool TryParse(string? key, out CryptoSuiteId id)
    {
        id = key switch
        {
            "standard" => CryptoSuiteId.Standard,
            "national" => CryptoSuiteId.National,
            _ => 0,
        };
        return id != 0;
    }

    public static string ToKey(CryptoSuiteId id) => id switch
    {
        CryptoSuiteId.Standard => "standard",
        CryptoSuiteId.National => "national",
        _ => throw new ArgumentOutOfRangeException(nameof(id)),
    };

    /// <summary>A reusable AEAD over <paramref name="key"/>. Instances are not thread-safe.</summary>
    public abstract IAeadKey CreateAead(ReadOnlySpan<byte> key);

    /// <summary>Writes the 32-byte digest of <paramref name="data"/>.</summary>
    public abstract void Hash(ReadOnlySpan<byte> data, Span<byte> destination);

    /// <summary>Writes the 32-byte keyed MAC of <paramref name="data"/>.</summary>
    public abstract void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination);

    /// <summary>
    /// A reusable MAC under <paramref name="key"/>, the same as <see cref="Mac"/> but set up once for many messages (the
    /// key schedule and the platform context are the costliest part of a short message's MAC). Instances are not thread-safe.
    /// </summary>
    public abstract IMacKey CreateMac(ReadOnlySpan<byte> key);

    /// <summary>Creates a new signing key pair: (private key, public key), both in the suite's encoding.</summary>
    public abstract (byte[] PrivateKey, byte[] PublicKey) CreateSigningKey();

    public abstract byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data);

    public abstract bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>A fresh random key of <see cref="KeySize"/> bytes.</summary>
    public byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);
}

/// <summary>A MAC bound to one key: 32-byte MACs.</summary>
public interface IMacKey : IDisposable
{
    /// <summary>Writes the 32-byte keyed MAC of <paramref name="data"/>.</summary>
    void Compute(ReadOnlySpan<byte> data, Span<byte> destination);
}

/// <summary>An AEAD bound to one key: 12-byte nonces, 16-byte tags.</summary>
public interface IAeadKey : IDisposable
{
    void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData);

    /// <summary>False when the tag does not authenticate (wrong key, tampered data or wrong associated data).</summary>
    bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData);
}
