using Cordon.Core.Crypto;

namespace Cordon.Core.Audit;

/// <summary>The last entry of a lane at some moment.</summary>
public sealed record LaneHead(int Lane, long Seq, byte[] Hash);

/// <summary>
/// A signed seal over the heads of all lanes: whoever edits and re-chains entries cannot forge it,
/// and entries it covers cannot be removed from the end unnoticed.
/// </summary>
public sealed record Checkpoint
{
    public long Id { get; init; }

    public required string Tenant { get; init; }

    public required DateTimeOffset Time { get; init; }

    public required IReadOnlyList<LaneHead> Heads { get; init; }

    public required CryptoSuiteId Suite { get; init; }

    public required string KeyId { get; init; }

    public required byte[] Signature { get; init; }

    public static byte[] SigningBytes(string tenant, DateTimeOffset time, IReadOnlyList<LaneHead> heads)
    {
        Guard.NotNull(heads);
        var w = new CanonicalWriter(64 + (heads.Count * 48));
        try
        {
            w.String("cordon-audit-checkpoint@1");
            w.String(tenant);
            w.Int64(time.ToUnixTimeMilliseconds());
            w.Int32(heads.Count);
            foreach (var h in heads.OrderBy(h => h.Lane))
            {
                w.Int32(h.Lane);
                w.Int64(h.Seq);
                w.Bytes(h.Hash.AsSpan());
            }

            return w.Written.ToArray();
        }
        finally
        {
            w.Dispose();
        }
    }

    public static Checkpoint Create(CryptoSuite suite, ReadOnlySpan<byte> privateKey, string keyId, string tenant, DateTimeOffset time, IReadOnlyList<LaneHead> heads)
    {
        Guard.NotNull(suite);
        var signature = suite.Sign(privateKey, SigningBytes(tenant, time, heads));
        return new Checkpoint { Tenant = tenant, Time = time, Heads = heads, Suite = suite.Id, KeyId = keyId, Signature = signature };
    }

    public bool VerifySignature(ReadOnlySpan<byte> publicKey)
        => CryptoSuite.For(Suite).Verify(publicKey, SigningBytes(Tenant, Time, Heads), Signature);
}
