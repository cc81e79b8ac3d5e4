using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Crypto;
using Cordon.Core.Sharing;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Cordon.Core.Tests.Sharing;

/// <summary>Packages sealed to a recipient's key open with its private key and that disclosure id only, under both suites.</summary>
public sealed class DisclosurePackageTests
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"name\":[{\"text\":\"张三\"}]}}]}");

    private static (string Public, string Private) P256()
    {
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportSubjectPublicKeyInfoPem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static (string Public, string Private) Sm2()
    {
        var generator = new ECKeyPairGenerator();
        var domain = new ECDomainParameters(GMNamedCurves.GetByName("sm2p256v1"));
        generator.Init(new ECKeyGenerationParameters(domain, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var spki = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded();
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetDerEncoded();
        return (new string(PemEncoding.Write("PUBLIC KEY", spki)), new string(PemEncoding.Write("PRIVATE KEY", pkcs8)));
    }

    public static TheoryData<string> Suites => ["standard", "national"];

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_package_opens_with_the_recipients_key_and_its_disclosure_id_only(string suiteKey)
    {
        var suite = suiteKey == "national" ? CryptoSuite.National : CryptoSuite.Standard;
        var (publicKey, privateKey) = suiteKey == "national" ? Sm2() : P256();
        var (_, otherPrivate) = suiteKey == "national" ? Sm2() : P256();

        var package = DisclosurePackage.Seal(suite, publicKey, Payload, "dsc_1");
        Assert.Equal(-1, package.AsSpan().IndexOf("张三"u8));
        Assert.Equal((byte)suite.Id, package[4]);
        Assert.Equal(Payload, DisclosurePackage.Open(privateKey, package, "dsc_1"));
        Assert.NotEqual(package, DisclosurePackage.Seal(suite, publicKey, Payload, "dsc_1"));

        Assert.Throws<CryptographicException>(() => DisclosurePackage.Open(privateKey, package, "dsc_2"));
        Assert.ThrowsAny<CryptographicException>(() => DisclosurePackage.Open(otherPrivate, package, "dsc_1"));
        var tampered = (byte[])package.Clone();
        tampered[^1] ^= 1;
        Assert.Throws<CryptographicException>(() => DisclosurePackage.Open(privateKey, tampered, "dsc_1"));
        Assert.Throws<CryptographicException>(() => DisclosurePackage.Open(privateKey, package.AsSpan(0, 20), "dsc_1"));
    }

    [Fact]
    public void A_key_the_suite_cannot_seal_to_is_refused_before_anything_is_sealed()
    {
        using var rsa = RSA.Create(2048);
        Assert.False(DisclosurePackage.IsUsableKey(CryptoSuite.Standard, rsa.ExportSubjectPublicKeyInfoPem()));
        Assert.False(DisclosurePackage.IsUsableKey(CryptoSuite.National, P256().Public));
        Assert.False(DisclosurePackage.IsUsableKey(CryptoSuite.Standard, "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----"));
        Assert.True(DisclosurePackage.IsUsableKey(CryptoSuite.Standard, P256().Public));
        Assert.True(DisclosurePackage.IsUsableKey(CryptoSuite.National, Sm2().Public));
    }
}
