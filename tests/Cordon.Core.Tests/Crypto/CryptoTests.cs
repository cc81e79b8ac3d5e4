using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Crypto;

namespace Cordon.Core.Tests.Crypto;

public sealed class SuiteTests
{
    [Fact]
    public void SM3_matches_the_standard_test_vector()
    {
        var hash = new byte[32];
        CryptoSuite.National.Hash(Encoding.ASCII.GetBytes("abc"), hash);
        Assert.Equal("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void SHA256_is_the_standard_suite_hash()
    {
        var hash = new byte[32];
        CryptoSuite.Standard.Hash(Encoding.ASCII.GetBytes("abc"), hash);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(hash));
    }

    [Theory]
    [InlineData(CryptoSuiteId.Standard)]
    [InlineData(CryptoSuiteId.National)]
    public void Signatures_verify_and_tampering_is_detected(CryptoSuiteId id)
    {
        var suite = CryptoSuite.For(id);
        var (privateKey, publicKey) = suite.CreateSigningKey();
        var data = Encoding.UTF8.GetBytes("checkpoint heads");
        var signature = suite.Sign(privateKey, data);

        Assert.True(suite.Verify(publicKey, data, signature));
        data[0] ^= 1;
        Assert.False(suite.Verify(publicKey, data, signature));
        var (_, otherPublic) = suite.CreateSigningKey();
        data[0] ^= 1;
        Assert.False(suite.Verify(otherPublic, data, signature));
    }

    [Theory]
    [InlineData(CryptoSuiteId.Standard)]
    [InlineData(CryptoSuiteId.National)]
    public void Macs_depend_on_the_key(CryptoSuiteId id)
    {
        var suite = CryptoSuite.For(id);
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        suite.Mac(new byte[32], "13800138000"u8, a);
        suite.Mac(Enumerable.Repeat((byte)1, 32).ToArray(), "13800138000"u8, b);
        Assert.False(a.SequenceEqual(b));
    }

    [Theory]
    [InlineData(CryptoSuiteId.Standard)]
    [InlineData(CryptoSuiteId.National)]
    public void A_reusable_MAC_gives_the_one_shot_MAC_of_every_message(CryptoSuiteId id)
    {
        var suite = CryptoSuite.For(id);
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        using var mac = suite.CreateMac(key);
        Span<byte> reused = stackalloc byte[32];
        Span<byte> oneShot = stackalloc byte[32];
        foreach (var message in new[] { "13800138000", string.Empty, new string('x', 200), "13800138000" })
        {
            mac.Compute(System.Text.Encoding.UTF8.GetBytes(message), reused);
            suite.Mac(key, System.Text.Encoding.UTF8.GetBytes(message), oneShot);
            Assert.True(reused.SequenceEqual(oneShot), message);
        }
    }
}

public sealed class EnvelopeTests
{
    [Theory]
    [InlineData(CryptoSuiteId.Standard)]
    [InlineData(CryptoSuiteId.National)]
    public void A_wrapped_data_key_unwraps_only_for_its_tenant_subject_and_version(CryptoSuiteId id)
    {
        var suite = CryptoSuite.For(id);
        var kek = new KeyEncryptionKey(1, id, suite.NewKey());
        var dataKey = suite.NewKey();
        var wrapped = Envelope.WrapDataKey(kek, dataKey, "t1", "sub_a", 1);

        Assert.Equal(dataKey, Envelope.UnwrapDataKey(kek, wrapped, "t1", "sub_a", 1));
        Assert.Throws<CryptographicException>(() => Envelope.UnwrapDataKey(kek, wrapped, "t1", "sub_b", 1));
        Assert.Throws<CryptographicException>(() => Envelope.UnwrapDataKey(kek, wrapped, "t2", "sub_a", 1));
        Assert.Throws<CryptographicException>(() => Envelope.UnwrapDataKey(kek, wrapped, "t1", "sub_a", 2));
        Assert.DoesNotContain(Convert.ToHexString(dataKey), Convert.ToHexString(wrapped), StringComparison.Ordinal);
    }

    [Fact]
    public void After_rotation_old_wrapped_keys_still_open_with_their_own_version()
    {
        var v1 = new KeyEncryptionKey(1, CryptoSuiteId.Standard, CryptoSuite.Standard.NewKey());
        var v2 = new KeyEncryptionKey(2, CryptoSuiteId.Standard, CryptoSuite.Standard.NewKey());
        var dataKey = CryptoSuite.Standard.NewKey();
        var old = Envelope.WrapDataKey(v1, dataKey, "t1", "sub_a", 1);

        Assert.Equal(1, Envelope.WrappedKeyVersion(old));
        Assert.Throws<CryptographicException>(() => Envelope.UnwrapDataKey(v2, old, "t1", "sub_a", 1));
        Assert.Equal(dataKey, Envelope.UnwrapDataKey(v1, old, "t1", "sub_a", 1));
    }
}

public sealed class RecordCipherTests
{
    private static readonly RecordBinding Binding = new("t1", "sub_a", "rec_1", "Observation", 1);

    [Theory]
    [InlineData(CryptoSuiteId.Standard)]
    [InlineData(CryptoSuiteId.National)]
    public void A_sealed_record_opens_to_the_same_bytes_and_carries_suite_and_key_version(CryptoSuiteId id)
    {
        var key = CryptoSuite.For(id).NewKey();
        using var cipher = new RecordCipher(id, key, 3);
        var plaintext = Encoding.UTF8.GetBytes("""{"resourceType":"Observation","valueString":"HbA1c 6.1%"}""");

        var sealedBytes = cipher.Seal(Binding, plaintext);

        Assert.Equal((id, 3), RecordCipher.ReadHeader(sealedBytes));
        Assert.Equal(plaintext, cipher.Open(Binding, sealedBytes));
        Assert.Equal(-1, Convert.ToHexString(sealedBytes).IndexOf(Convert.ToHexString(plaintext[..16]), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("t2", "sub_a", "rec_1", "Observation", 1)]
    [InlineData("t1", "sub_b", "rec_1", "Observation", 1)]
    [InlineData("t1", "sub_a", "rec_2", "Observation", 1)]
    [InlineData("t1", "sub_a", "rec_1", "Condition", 1)]
    [InlineData("t1", "sub_a", "rec_1", "Observation", 2)]
    public void A_ciphertext_moved_to_another_tenant_subject_record_type_or_version_does_not_open(string tenant, string subject, string record, string type, int version)
    {
        using var cipher = new RecordCipher(CryptoSuiteId.Standard, CryptoSuite.Standard.NewKey(), 1);
        var sealedBytes = cipher.Seal(Binding, "secret"u8);
        var output = new byte[6];

        Assert.False(cipher.TryOpen(new RecordBinding(tenant, subject, record, type, version), sealedBytes, output));
        Assert.Throws<CryptographicException>(() => cipher.Open(new RecordBinding(tenant, subject, record, type, version), sealedBytes));
    }

    [Fact]
    public void A_flipped_bit_anywhere_is_detected()
    {
        using var cipher = new RecordCipher(CryptoSuiteId.Standard, CryptoSuite.Standard.NewKey(), 1);
        var sealedBytes = cipher.Seal(Binding, "secret payload"u8);
        for (var i = 6; i < sealedBytes.Length; i++)
        {
            var copy = (byte[])sealedBytes.Clone();
            copy[i] ^= 0x40;
            Assert.False(cipher.TryOpen(Binding, copy, new byte[copy.Length - RecordCipher.Overhead]), $"byte {i}");
        }
    }

    [Fact]
    public void The_wrong_key_does_not_open()
    {
        using var a = new RecordCipher(CryptoSuiteId.Standard, CryptoSuite.Standard.NewKey(), 1);
        using var b = new RecordCipher(CryptoSuiteId.Standard, CryptoSuite.Standard.NewKey(), 1);
        Assert.Throws<CryptographicException>(() => b.Open(Binding, a.Seal(Binding, "x"u8)));
    }

    [Fact]
    public void Two_seals_of_the_same_bytes_differ()
    {
        using var cipher = new RecordCipher(CryptoSuiteId.Standard, CryptoSuite.Standard.NewKey(), 1);
        Assert.NotEqual(cipher.Seal(Binding, "same"u8), cipher.Seal(Binding, "same"u8));
    }
}

public sealed class BlindIndexTests
{
    [Fact]
    public void Equal_values_index_alike_and_different_keys_or_kinds_differ()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var a = new BlindIndexer(CryptoSuiteId.Standard, key);
        var b = new BlindIndexer(CryptoSuiteId.Standard, RandomNumberGenerator.GetBytes(32));

        Assert.Equal(a.Compute("cn-mobile", "13800138000"), a.Compute("cn-mobile", "13800138000"));
        Assert.NotEqual(a.Compute("cn-mobile", "13800138000"), a.Compute("cn-mobile", "13800138001"));
        Assert.NotEqual(a.Compute("cn-mobile", "13800138000"), b.Compute("cn-mobile", "13800138000"));
        Assert.NotEqual(a.Compute("cn-mobile", "13800138000"), a.Compute("external-id", "13800138000"));
        Assert.Equal(BlindIndexer.Size, a.Compute("cn-mobile", "13800138000").Length);
    }
}
