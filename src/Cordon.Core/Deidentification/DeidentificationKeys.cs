using System.Text;
using Cordon.Core.Crypto;

namespace Cordon.Core.Deidentification;

/// <summary>
/// The keys of one tenant's de-identification, each derived from one secret by HKDF over the suite's MAC
/// (HKDF-HMAC-SHA-256 on the standard suite, HKDF-HMAC-SM3 on the national one) with its own info string, so that
/// pseudonyms, hashes, date offsets, noise and ciphertexts never share a key. The tenant's blind-index key is the usual
/// secret (<see cref="Derive"/>, info <c>cordon/deidentification/v1</c>): whoever holds the tenant's keys can re-create the
/// same pseudonyms, nobody else can. <see cref="ToString"/> never shows key material.
/// </summary>
public sealed class DeidentificationKeys
{
    public const string Info = "cordon/deidentification/v1";

    private DeidentificationKeys(string tenant, CryptoSuite suite, byte[] root)
    {
        Tenant = tenant;
        Pseudonym = Expand(suite, root, "pseudonym", CryptoSuite.HashSize);
        Hash = Expand(suite, root, "crypto-hash", CryptoSuite.HashSize);
        DateShift = Expand(suite, root, "date-shift", CryptoSuite.HashSize);
        Perturb = Expand(suite, root, "perturb", CryptoSuite.HashSize);
        Encrypt = Expand(suite, root, "encrypt", suite.KeySize);
        Nonce = Expand(suite, root, "encrypt-nonce", CryptoSuite.HashSize);
    }

    /// <summary>The tenant the pseudonym system names (<c>urn:cordon:pseudonym:&lt;tenant&gt;:…</c>).</summary>
    public string Tenant { get; }

    internal byte[] Pseudonym { get; }

    internal byte[] Hash { get; }

    internal byte[] DateShift { get; }

    internal byte[] Perturb { get; }

    internal byte[] Encrypt { get; }

    internal byte[] Nonce { get; }

    /// <summary>The keys derived from <paramref name="secret"/> (the tenant's blind-index key, or a key file's bytes) with the tenant as salt.</summary>
    public static DeidentificationKeys Derive(CryptoSuite suite, string tenant, ReadOnlySpan<byte> secret)
    {
        Guard.NotNull(suite);
        Guard.NotEmpty(tenant);
        Guard.That(secret.Length >= 16, "a de-identification secret is at least 128 bits");
        Span<byte> prk = stackalloc byte[CryptoSuite.HashSize];
        suite.Mac(Encoding.UTF8.GetBytes("cordon-deid:" + tenant), secret, prk);
        var root = Expand(suite, prk.ToArray(), Info, CryptoSuite.HashSize);
        return new DeidentificationKeys(tenant, suite, root);
    }

    public override string ToString() => $"DeidentificationKeys({Tenant}, redacted)";

    /// <summary>HKDF-Expand (RFC 5869) over the suite's MAC.</summary>
    private static byte[] Expand(CryptoSuite suite, byte[] prk, string info, int length)
    {
        var infoBytes = Encoding.UTF8.GetBytes(info);
        var output = new byte[length];
        Span<byte> block = stackalloc byte[CryptoSuite.HashSize];
        var input = new byte[CryptoSuite.HashSize + infoBytes.Length + 1];
        var previous = 0;
        for (byte counter = 1, written = 0; written < length; counter++)
        {
            block[..previous].CopyTo(input);
            infoBytes.CopyTo(input, previous);
            input[previous + infoBytes.Length] = counter;
            suite.Mac(prk, input.AsSpan(0, previous + infoBytes.Length + 1), block);
            var take = Math.Min(block.Length, length - written);
            block[..take].CopyTo(output.AsSpan(written));
            written += (byte)take;
            previous = CryptoSuite.HashSize;
        }

        return output;
    }
}
