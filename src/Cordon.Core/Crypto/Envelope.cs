using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Cordon.Core.Crypto;

/// <summary>A tenant's key-encryption key of one version. Wraps subjects' data keys; never leaves the key file.</summary>
public sealed class KeyEncryptionKey
{
    private const int MaxIdleContexts = 16;

    /// <summary>
    /// AEAD contexts over this key, kept for reuse: every opened subject unwraps its data key with the KEK, and setting up
    /// a cipher context costs more than unwrapping 32 bytes. A context is used by one thread at a time (rented, then returned).
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentBag<IAeadKey> _contexts = [];

    public KeyEncryptionKey(int version, CryptoSuiteId suite, byte[] key)
    {
        Guard.That(version > 0, "key versions start at 1");
        Guard.That(key.Length == CryptoSuite.For(suite).KeySize, "key size matches the suite");
        Version = version;
        Suite = suite;
        Key = key;
    }

    public int Version { get; }

    public CryptoSuiteId Suite { get; }

    internal byte[] Key { get; }

    public override string ToString() => $"KEK v{Version} ({CryptoSuite.ToKey(Suite)})";

    internal IAeadKey RentAead() => _contexts.TryTake(out var aead) ? aead : CryptoSuite.For(Suite).CreateAead(Key);

    internal void ReturnAead(IAeadKey aead)
    {
        if (_contexts.Count < MaxIdleContexts)
        {
            _contexts.Add(aead);
        }
        else
        {
            aead.Dispose();
        }
    }
}

/// <summary>
/// Envelope encryption. A subject's random data key is wrapped by the tenant's key-encryption key;
/// the wrapped form is <c>[0xC1][suite][kek version u32][nonce 12][key][tag 16]</c>, its associated data
/// binds tenant, subject and data-key version. Destroying the wrapped key destroys every record sealed under it.
/// </summary>
public static class Envelope
{
    private const byte WrappedMagic = 0xC1;
    private const int WrappedHeader = 1 + 1 + 4;

    public static byte[] WrapDataKey(KeyEncryptionKey kek, ReadOnlySpan<byte> dataKey, string tenant, string subject, int dataKeyVersion)
    {
        Guard.NotNull(kek);
        var wrapped = new byte[WrappedHeader + CryptoSuite.NonceSize + dataKey.Length + CryptoSuite.TagSize];
        wrapped[0] = WrappedMagic;
        wrapped[1] = (byte)kek.Suite;
        BinaryPrimitives.WriteInt32BigEndian(wrapped.AsSpan(2), kek.Version);
        var nonce = wrapped.AsSpan(WrappedHeader, CryptoSuite.NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var aad = KeyAad(tenant, subject, dataKeyVersion);
        var aead = kek.RentAead();
        try
        {
            aead.Encrypt(nonce, dataKey, wrapped.AsSpan(WrappedHeader + CryptoSuite.NonceSize, dataKey.Length), wrapped.AsSpan(wrapped.Length - CryptoSuite.TagSize), aad);
        }
        catch
        {
            aead.Dispose();
            throw;
        }

        kek.ReturnAead(aead);
        return wrapped;
    }

    /// <summary>The KEK version a wrapped key needs, so the caller can find it.</summary>
    public static int WrappedKeyVersion(ReadOnlySpan<byte> wrapped)
    {
        if (wrapped.Length < WrappedHeader || wrapped[0] != WrappedMagic)
        {
            throw new CryptographicException("Not a wrapped data key.");
        }

        return BinaryPrimitives.ReadInt32BigEndian(wrapped[2..]);
    }

    public static byte[] UnwrapDataKey(KeyEncryptionKey kek, ReadOnlySpan<byte> wrapped, string tenant, string subject, int dataKeyVersion)
    {
        Guard.NotNull(kek);
        if (WrappedKeyVersion(wrapped) != kek.Version || wrapped[1] != (byte)kek.Suite)
        {
            throw new CryptographicException("The wrapped data key needs another key-encryption key.");
        }

        var suite = CryptoSuite.For(kek.Suite);
        var keyLength = wrapped.Length - WrappedHeader - CryptoSuite.NonceSize - CryptoSuite.TagSize;
        if (keyLength != suite.KeySize)
        {
            throw new CryptographicException("The wrapped data key has the wrong length.");
        }

        var key = new byte[keyLength];
        var aead = kek.RentAead();
        bool opened;
        try
        {
            opened = aead.TryDecrypt(
                wrapped.Slice(WrappedHeader, CryptoSuite.NonceSize),
                wrapped.Slice(WrappedHeader + CryptoSuite.NonceSize, keyLength),
                wrapped[^CryptoSuite.TagSize..],
                key,
                KeyAad(tenant, subject, dataKeyVersion));
        }
        catch
        {
            aead.Dispose();
            throw;
        }

        kek.ReturnAead(aead);
        if (!opened)
        {
            throw new CryptographicException("The wrapped data key does not authenticate for this tenant and subject.");
        }

        return key;
    }

    private static byte[] KeyAad(string tenant, string subject, int version)
    {
        var buffer = new byte[Encoding.UTF8.GetByteCount(tenant) + Encoding.UTF8.GetByteCount(subject) + 32];
        var span = buffer.AsSpan();
        var n = AssociatedData.Write(span, "dek");
        n += AssociatedData.Write(span[n..], tenant);
        n += AssociatedData.Write(span[n..], subject);
        BinaryPrimitives.WriteInt32BigEndian(span[n..], version);
        return buffer[..(n + 4)];
    }
}

/// <summary>Length-prefixed encoding of associated data, so that no two different tuples encode alike.</summary>
internal static class AssociatedData
{
    public static int Write(Span<byte> destination, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, destination[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination, checked((ushort)length));
        return length + 2;
    }

    public static int MaxBytes(string value) => Encoding.UTF8.GetMaxByteCount(value.Length) + 2;
}
