using System.Text;

namespace Cordon.Core.Crypto;

/// <summary>
/// Keyed blind indexes: a searchable identifier (ID number, mobile) is stored only as a MAC under the
/// tenant's index key, so equality lookups work while the database holds no clear value.
/// </summary>
public sealed class BlindIndexer
{
    public const int Size = 16;
    private readonly CryptoSuite _suite;
    private readonly byte[] _key;

    public BlindIndexer(CryptoSuiteId suite, byte[] key)
    {
        _suite = CryptoSuite.For(suite);
        _key = Guard.NotNull(key);
        Guard.That(key.Length >= 16, "index keys are at least 128 bits");
    }

    /// <summary>The 16-byte index of a normalised value of a kind (e.g. <c>cn-mobile</c>).</summary>
    public byte[] Compute(string kind, string normalizedValue)
    {
        var input = new byte[Encoding.UTF8.GetByteCount(kind) + 1 + Encoding.UTF8.GetByteCount(normalizedValue)];
        var n = Encoding.UTF8.GetBytes(kind, input);
        input[n] = 0;
        Encoding.UTF8.GetBytes(normalizedValue, input.AsSpan(n + 1));
        Span<byte> mac = stackalloc byte[CryptoSuite.HashSize];
        _suite.Mac(_key, input, mac);
        return mac[..Size].ToArray();
    }
}
