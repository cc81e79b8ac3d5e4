using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cordon.Core.Crypto;

/// <summary>What a record ciphertext is bound to: it opens only for the same tenant, subject, record, type and version.</summary>
public readonly record struct RecordBinding(string Tenant, string Subject, string RecordId, string Type, int Version);

/// <summary>
/// Seals and opens record payloads with one subject's data key. The sealed form is
/// <c>[0xC2][suite][data-key version u32][nonce 12][ciphertext][tag 16]</c>; its associated data binds
/// tenant, subject, record id, type and version so ciphertexts cannot be swapped between rows.
/// Not thread-safe: use one per request.
/// </summary>
public sealed class RecordCipher : IDisposable
{
    public const int Overhead = Header + CryptoSuite.NonceSize + CryptoSuite.TagSize;
    private const byte SealedMagic = 0xC2;
    private const int Header = 1 + 1 + 4;

    private readonly IAeadKey _aead;

    public RecordCipher(CryptoSuiteId suite, ReadOnlySpan<byte> dataKey, int dataKeyVersion)
    {
        Suite = suite;
        DataKeyVersion = dataKeyVersion;
        _aead = CryptoSuite.For(suite).CreateAead(dataKey);
    }

    public CryptoSuiteId Suite { get; }

    public int DataKeyVersion { get; }

    /// <summary>The suite and data-key version a sealed payload was written with.</summary>
    public static (CryptoSuiteId Suite, int DataKeyVersion) ReadHeader(ReadOnlySpan<byte> sealedData)
    {
        if (sealedData.Length < Overhead || sealedData[0] != SealedMagic)
        {
            throw new CryptographicException("Not a sealed record.");
        }

        return ((CryptoSuiteId)sealedData[1], BinaryPrimitives.ReadInt32BigEndian(sealedData[2..]));
    }

    public byte[] Seal(in RecordBinding binding, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[plaintext.Length + Overhead];
        Seal(binding, plaintext, output);
        return output;
    }

    /// <summary>Seals into <paramref name="destination"/> (at least <c>plaintext.Length + Overhead</c> bytes); returns the bytes written.</summary>
    public int Seal(in RecordBinding binding, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        var total = plaintext.Length + Overhead;
        destination[0] = SealedMagic;
        destination[1] = (byte)Suite;
        BinaryPrimitives.WriteInt32BigEndian(destination[2..], DataKeyVersion);
        var nonce = destination.Slice(Header, CryptoSuite.NonceSize);
        NonceSource.Fill(nonce);
        Span<byte> aad = stackalloc byte[MaxAad(binding)];
        var aadLength = WriteAad(binding, aad);
        _aead.Encrypt(
            nonce,
            plaintext,
            destination.Slice(Header + CryptoSuite.NonceSize, plaintext.Length),
            destination.Slice(total - CryptoSuite.TagSize, CryptoSuite.TagSize),
            aad[..aadLength]);
        return total;
    }

    public byte[] Open(in RecordBinding binding, ReadOnlySpan<byte> sealedData)
    {
        var output = new byte[sealedData.Length - Overhead];
        if (!TryOpen(binding, sealedData, output))
        {
            throw new CryptographicException("The record does not authenticate: wrong key, or moved, altered or swapped.");
        }

        return output;
    }

    /// <summary>Opens into <paramref name="destination"/> (<c>sealedData.Length - Overhead</c> bytes); false when it does not authenticate.</summary>
    public bool TryOpen(in RecordBinding binding, ReadOnlySpan<byte> sealedData, Span<byte> destination)
    {
        var (suite, version) = ReadHeader(sealedData);
        if (suite != Suite || version != DataKeyVersion)
        {
            return false;
        }

        var length = sealedData.Length - Overhead;
        Span<byte> aad = stackalloc byte[MaxAad(binding)];
        var aadLength = WriteAad(binding, aad);
        return _aead.TryDecrypt(
            sealedData.Slice(Header, CryptoSuite.NonceSize),
            sealedData.Slice(Header + CryptoSuite.NonceSize, length),
            sealedData[^CryptoSuite.TagSize..],
            destination[..length],
            aad[..aadLength]);
    }

    public void Dispose() => _aead.Dispose();

    private static int MaxAad(in RecordBinding b)
        => AssociatedData.MaxBytes(b.Tenant) + AssociatedData.MaxBytes(b.Subject) + AssociatedData.MaxBytes(b.RecordId) + AssociatedData.MaxBytes(b.Type) + 8;

    private static int WriteAad(in RecordBinding b, Span<byte> aad)
    {
        var n = AssociatedData.Write(aad, b.Tenant);
        n += AssociatedData.Write(aad[n..], b.Subject);
        n += AssociatedData.Write(aad[n..], b.RecordId);
        n += AssociatedData.Write(aad[n..], b.Type);
        BinaryPrimitives.WriteInt32BigEndian(aad[n..], b.Version);
        return n + 4;
    }
}
