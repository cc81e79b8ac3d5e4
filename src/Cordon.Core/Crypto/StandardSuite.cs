using System.Security.Cryptography;

namespace Cordon.Core.Crypto;

/// <summary>AES-256-GCM, SHA-256, HMAC-SHA256 and ECDSA P-256 from the platform (OpenSSL on Linux).</summary>
internal sealed class StandardSuite : CryptoSuite
{
    public override CryptoSuiteId Id => CryptoSuiteId.Standard;

    public override string Name => "aes-256-gcm/sha-256/ecdsa-p256";

    public override int KeySize => 32;

    public override string SignatureAlgorithm => "ecdsa-p256-sha256";

    public override IAeadKey CreateAead(ReadOnlySpan<byte> key) => new AesGcmKey(key);

    public override void Hash(ReadOnlySpan<byte> data, Span<byte> destination) => SHA256.HashData(data, destination);

    public override void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) => HMACSHA256.HashData(key, data, destination);

    public override IMacKey CreateMac(ReadOnlySpan<byte> key) => new HmacKey(key);

    public override (byte[] PrivateKey, byte[] PublicKey) CreateSigningKey()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (ecdsa.ExportPkcs8PrivateKey(), ecdsa.ExportSubjectPublicKeyInfo());
    }

    public override byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(privateKey, out _);
        return ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public override bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(publicKey, out _);
        }
        catch (CryptographicException)
        {
            return false;
        }

        return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private sealed class HmacKey(ReadOnlySpan<byte> key) : IMacKey
    {
        private readonly IncrementalHash _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);

        public void Compute(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            _hmac.AppendData(data);
            _hmac.GetHashAndReset(destination);
        }

        public void Dispose() => _hmac.Dispose();
    }

    private sealed class AesGcmKey(ReadOnlySpan<byte> key) : IAeadKey
    {
        private readonly AesGcm _aes = new(key, TagSize);

        public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
            => _aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);

        public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
        {
            try
            {
                _aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        public void Dispose() => _aes.Dispose();
    }
}
