using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace Cordon.Core.Crypto;

/// <summary>
/// The Chinese national suite through BouncyCastle: SM4-GCM (GB/T 32907, 128-bit keys), SM3 (GB/T 32905),
/// HMAC-SM3 and SM2 signatures (GB/T 32918) on the sm2p256v1 curve.
/// </summary>
internal sealed class NationalSuite : CryptoSuite
{
    private static readonly X9ECParameters Curve = GMNamedCurves.GetByName("sm2p256v1");
    private static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H);

    public override CryptoSuiteId Id => CryptoSuiteId.National;

    public override string Name => "sm4-gcm/sm3/sm2";

    public override int KeySize => 16;

    public override string SignatureAlgorithm => "sm2-sm3";

    public override IAeadKey CreateAead(ReadOnlySpan<byte> key) => new Sm4GcmKey(key);

    public override void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var digest = new SM3Digest();
        digest.BlockUpdate(data);
        digest.DoFinal(destination);
    }

    public override void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var hmac = new HMac(new SM3Digest());
        hmac.Init(new KeyParameter(key));
        hmac.BlockUpdate(data);
        hmac.DoFinal(destination);
    }

    public override IMacKey CreateMac(ReadOnlySpan<byte> key) => new HmacSm3Key(key);

    public override (byte[] PrivateKey, byte[] PublicKey) CreateSigningKey()
    {
        var d = new BigInteger(1, RandomNumberGenerator.GetBytes(32)).Mod(Domain.N.Subtract(BigInteger.Two)).Add(BigInteger.One);
        var q = Domain.G.Multiply(d).Normalize();
        return (d.ToByteArrayUnsigned(), q.GetEncoded(false));
    }

    public override byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data)
    {
        var signer = new SM2Signer(StandardDsaEncoding.Instance, new SM3Digest());
        var key = new ECPrivateKeyParameters(new BigInteger(1, privateKey.ToArray()), Domain);
        signer.Init(true, new ParametersWithRandom(key, new SecureRandom()));
        signer.BlockUpdate(data);
        return signer.GenerateSignature();
    }

    public override bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        ECPublicKeyParameters key;
        try
        {
            key = new ECPublicKeyParameters(Curve.Curve.DecodePoint(publicKey.ToArray()), Domain);
        }
        catch (ArgumentException)
        {
            return false;
        }

        var signer = new SM2Signer(StandardDsaEncoding.Instance, new SM3Digest());
        signer.Init(false, key);
        signer.BlockUpdate(data);
        try
        {
            return signer.VerifySignature(signature.ToArray());
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or CryptoException)
        {
            return false;
        }
    }

    private sealed class HmacSm3Key : IMacKey
    {
        private readonly HMac _hmac = new(new SM3Digest());

        public HmacSm3Key(ReadOnlySpan<byte> key) => _hmac.Init(new KeyParameter(key));

        /// <summary>DoFinal resets the MAC to its keyed state, ready for the next message.</summary>
        public void Compute(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            _hmac.BlockUpdate(data);
            _hmac.DoFinal(destination);
        }

        public void Dispose()
        {
        }
    }

    private sealed class Sm4GcmKey : IAeadKey
    {
        private readonly KeyParameter _key;
        private readonly GcmBlockCipher _gcm = new(new SM4Engine());

        public Sm4GcmKey(ReadOnlySpan<byte> key)
        {
            if (key.Length != 16)
            {
                throw new CryptographicException("SM4 keys are 16 bytes.");
            }

            _key = new KeyParameter(key);
        }

        public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
        {
            _gcm.Init(true, new AeadParameters(_key, TagSize * 8, nonce.ToArray()));
            _gcm.ProcessAadBytes(associatedData);
            Span<byte> output = ciphertext.Length >= plaintext.Length + TagSize ? ciphertext : new byte[plaintext.Length + TagSize];
            var written = _gcm.ProcessBytes(plaintext, output);
            written += _gcm.DoFinal(output[written..]);
            if (output != ciphertext)
            {
                output[..plaintext.Length].CopyTo(ciphertext);
            }

            output.Slice(plaintext.Length, TagSize).CopyTo(tag);
            _ = written;
        }

        public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
        {
            _gcm.Init(false, new AeadParameters(_key, TagSize * 8, nonce.ToArray()));
            _gcm.ProcessAadBytes(associatedData);
            var input = new byte[ciphertext.Length + TagSize];
            ciphertext.CopyTo(input);
            tag.CopyTo(input.AsSpan(ciphertext.Length));
            try
            {
                var written = _gcm.ProcessBytes(input, plaintext);
                _gcm.DoFinal(plaintext[written..]);
                return true;
            }
            catch (InvalidCipherTextException)
            {
                plaintext.Clear();
                return false;
            }
        }

        public void Dispose()
        {
        }
    }
}
