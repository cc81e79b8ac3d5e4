using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Crypto;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Cordon.Core.Sharing;

/// <summary>
/// A disclosure written as a package only its recipient can open: a fresh content key seals the payload with the suite's
/// AEAD (AES-256-GCM, or SM4-GCM under the national suite), and the content key is given to the recipient's public key —
/// ECDH P-256 with HKDF-SHA-256 under the standard suite, SM2 public-key encryption (GB/T 32918.4, C1C3C2) under the
/// national one. The disclosure id is bound as associated data, so a package cannot pass for another.
/// Layout: <c>"CDP1"</c>, suite byte, key-block length (2 bytes, big-endian), key block, nonce (12), tag (16), ciphertext.
/// </summary>
public static class DisclosurePackage
{
    private static ReadOnlySpan<byte> Magic => "CDP1"u8;

    private const string Info = "cordon disclosure package v1";

    private static readonly Org.BouncyCastle.Asn1.X9.X9ECParameters Sm2Curve = Org.BouncyCastle.Asn1.GM.GMNamedCurves.GetByName("sm2p256v1");

    /// <summary>Whether <paramref name="publicKeyPem"/> is a public key the suite can seal to.</summary>
    public static bool IsUsableKey(CryptoSuite suite, string publicKeyPem)
    {
        try
        {
            _ = Seal(suite, publicKeyPem, [], "check");
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Seals <paramref name="payload"/> to the recipient's key. Throws <see cref="CryptographicException"/> for a key the suite cannot use.</summary>
    public static byte[] Seal(CryptoSuite suite, string publicKeyPem, ReadOnlySpan<byte> payload, string disclosureId)
    {
        Guard.NotNull(suite);
        Guard.NotNull(publicKeyPem);
        var contentKey = suite.NewKey();
        byte[] keyBlock;
        if (suite.Id == CryptoSuiteId.National)
        {
            keyBlock = Sm2Encrypt(publicKeyPem, contentKey);
        }
        else
        {
            (keyBlock, var derived) = EcdhWrap(publicKeyPem, contentKey.Length, disclosureId);
            // The content key is the derived key itself: nothing to wrap under ECDH.
            contentKey = derived;
        }

        var header = 4 + 1 + 2 + keyBlock.Length;
        var package = new byte[header + CryptoSuite.NonceSize + CryptoSuite.TagSize + payload.Length];
        Magic.CopyTo(package);
        package[4] = (byte)suite.Id;
        BinaryPrimitives.WriteUInt16BigEndian(package.AsSpan(5), checked((ushort)keyBlock.Length));
        keyBlock.CopyTo(package.AsSpan(7));
        var nonce = package.AsSpan(header, CryptoSuite.NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aead = suite.CreateAead(contentKey);
        aead.Encrypt(nonce, payload, package.AsSpan(header + CryptoSuite.NonceSize + CryptoSuite.TagSize), package.AsSpan(header + CryptoSuite.NonceSize, CryptoSuite.TagSize), AssociatedData(package.AsSpan(0, header), disclosureId));
        CryptographicOperations.ZeroMemory(contentKey);
        return package;
    }

    /// <summary>Opens a package with the recipient's private key (PEM, PKCS#8): what the recipient does; Cordon uses it only to test.</summary>
    public static byte[] Open(string privateKeyPem, ReadOnlySpan<byte> package, string disclosureId)
    {
        Guard.NotNull(privateKeyPem);
        if (package.Length < 7 + CryptoSuite.NonceSize + CryptoSuite.TagSize || !package[..4].SequenceEqual(Magic))
        {
            throw new CryptographicException("Not a Cordon disclosure package.");
        }

        var suite = CryptoSuite.For((CryptoSuiteId)package[4]);
        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(package[5..]);
        var header = 7 + keyLength;
        if (package.Length < header + CryptoSuite.NonceSize + CryptoSuite.TagSize)
        {
            throw new CryptographicException("The package is truncated.");
        }

        var keyBlock = package.Slice(7, keyLength);
        var contentKey = suite.Id == CryptoSuiteId.National ? Sm2Decrypt(privateKeyPem, keyBlock) : EcdhUnwrap(privateKeyPem, keyBlock, suite.KeySize, disclosureId);
        var ciphertext = package[(header + CryptoSuite.NonceSize + CryptoSuite.TagSize)..];
        var plain = new byte[ciphertext.Length];
        using var aead = suite.CreateAead(contentKey);
        if (!aead.TryDecrypt(package.Slice(header, CryptoSuite.NonceSize), ciphertext, package.Slice(header + CryptoSuite.NonceSize, CryptoSuite.TagSize), plain, AssociatedData(package[..header], disclosureId)))
        {
            throw new CryptographicException("The package does not open with this key and disclosure id.");
        }

        return plain;
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, string disclosureId)
    {
        var id = Encoding.UTF8.GetBytes(disclosureId);
        var data = new byte[header.Length + id.Length];
        header.CopyTo(data);
        id.CopyTo(data.AsSpan(header.Length));
        return data;
    }

    private static (byte[] Ephemeral, byte[] Key) EcdhWrap(string publicKeyPem, int keySize, string disclosureId)
    {
        using var recipient = ECDiffieHellman.Create();
        ImportPem(recipient, publicKeyPem);
        if (recipient.KeySize != 256)
        {
            throw new CryptographicException("The standard suite seals packages to P-256 keys.");
        }

        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var shared = ephemeral.DeriveRawSecretAgreement(recipient.PublicKey);
        var ephemeralKey = ephemeral.PublicKey.ExportSubjectPublicKeyInfo();
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, keySize, ephemeralKey, Encoding.UTF8.GetBytes(Info + "|" + disclosureId));
        CryptographicOperations.ZeroMemory(shared);
        return (ephemeralKey, key);
    }

    private static byte[] EcdhUnwrap(string privateKeyPem, ReadOnlySpan<byte> ephemeralKey, int keySize, string disclosureId)
    {
        using var own = ECDiffieHellman.Create();
        ImportPem(own, privateKeyPem);
        using var ephemeral = ECDiffieHellman.Create();
        ephemeral.ImportSubjectPublicKeyInfo(ephemeralKey, out _);
        var shared = own.DeriveRawSecretAgreement(ephemeral.PublicKey);
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, keySize, ephemeralKey.ToArray(), Encoding.UTF8.GetBytes(Info + "|" + disclosureId));
        CryptographicOperations.ZeroMemory(shared);
        return key;
    }

    private static void ImportPem(ECDiffieHellman key, string pem)
    {
        try
        {
            key.ImportFromPem(pem);
        }
        catch (ArgumentException ex)
        {
            throw new CryptographicException("Not a PEM EC key.", ex);
        }
    }

    private static byte[] Sm2Encrypt(string publicKeyPem, byte[] contentKey)
    {
        if (ReadPem(publicKeyPem, "PUBLIC KEY", der => PublicKeyFactory.CreateKey(der)) is not ECPublicKeyParameters key || !key.Parameters.Curve.Equals(Sm2Curve.Curve))
        {
            throw new CryptographicException("The national suite seals packages to SM2 public keys (curve sm2p256v1).");
        }

        var engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
        engine.Init(true, new ParametersWithRandom(key, new SecureRandom()));
        try
        {
            return engine.ProcessBlock(contentKey, 0, contentKey.Length);
        }
        catch (CryptoException ex)
        {
            throw new CryptographicException("The SM2 key cannot encrypt.", ex);
        }
    }

    private static byte[] Sm2Decrypt(string privateKeyPem, ReadOnlySpan<byte> keyBlock)
    {
        var key = ReadPem(privateKeyPem, "PRIVATE KEY", der => PrivateKeyFactory.CreateKey(der)) as ECPrivateKeyParameters
            ?? throw new CryptographicException("Not an SM2 private key.");
        var engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
        engine.Init(false, key);
        try
        {
            return engine.ProcessBlock(keyBlock.ToArray(), 0, keyBlock.Length);
        }
        catch (InvalidCipherTextException ex)
        {
            throw new CryptographicException("The package's key block does not open with this key.", ex);
        }
    }

    private static AsymmetricKeyParameter ReadPem(string pem, string label, Func<byte[], AsymmetricKeyParameter> read)
    {
        var begin = $"-----BEGIN {label}-----";
        var end = $"-----END {label}-----";
        var start = pem.IndexOf(begin, StringComparison.Ordinal);
        var stop = pem.IndexOf(end, StringComparison.Ordinal);
        if (start < 0 || stop < start)
        {
            throw new CryptographicException($"Not a PEM {label.ToLowerInvariant()}.");
        }

        try
        {
            return read(Convert.FromBase64String(pem[(start + begin.Length)..stop]));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidCastException or IOException or SecurityUtilityException)
        {
            throw new CryptographicException($"The PEM {label.ToLowerInvariant()} cannot be read.", ex);
        }
    }
}
