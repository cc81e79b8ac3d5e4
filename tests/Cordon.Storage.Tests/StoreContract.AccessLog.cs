using Cordon.Core.Security;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract: the network access log's hash-chained segments (R44).</summary>
public abstract partial class StoreContract
{
    private static AccessLogEntry Access(DateTimeOffset at, int status = 200, string route = "/v1/records/{id}")
        => new(at, "10.0.0.7", Tenant, "dr-li", "physician", "GET", route, status, 512, 1_250, "okhttp/4.12", "req-1");

    [Fact]
    public async Task Access_segments_chain_one_after_another_and_come_back_by_time()
    {
        var first = await Store.AppendAccessSegmentAsync(T0, T0.AddSeconds(1), 2, AccessLogSegment.Encode([Access(T0), Access(T0.AddSeconds(1), 404)]), default);
        var second = await Store.AppendAccessSegmentAsync(T0.AddSeconds(2), T0.AddSeconds(3), 1, AccessLogSegment.Encode([Access(T0.AddSeconds(3), 401, "(unrouted)")]), default);

        Assert.Equal(first.Seq + 1, second.Seq);
        Assert.Equal(new byte[32], first.PreviousHash);
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.Equal(AccessLogSegment.ChainHash(first.Hash, second.Body), second.Hash);

        var later = await Store.ListAccessSegmentsAsync(T0.AddSeconds(2), T0.AddSeconds(10), default);
        var segment = Assert.Single(later);
        Assert.Equal(401, Assert.Single(AccessLogSegment.Decode(segment.Body)).Status);
        Assert.Equal(2, (await Store.ListAccessSegmentsAsync(T0, T0.AddSeconds(10), default)).Count);

        var chain = new List<AccessSegmentRow>();
        await foreach (var row in Store.ReadAccessChainAsync(default))
        {
            chain.Add(row);
        }

        Assert.Equal([first.Seq, second.Seq], chain.Select(c => c.Seq));
    }

    [Fact]
    public async Task Pruning_removes_only_segments_that_ended_before_the_cut()
    {
        await Store.AppendAccessSegmentAsync(T0, T0.AddSeconds(1), 1, AccessLogSegment.Encode([Access(T0)]), default);
        var kept = await Store.AppendAccessSegmentAsync(T0.AddDays(200), T0.AddDays(200), 1, AccessLogSegment.Encode([Access(T0.AddDays(200))]), default);

        Assert.Equal(1, await Store.PruneAccessSegmentsAsync(T0.AddDays(17), default));
        var left = await Store.ListAccessSegmentsAsync(T0, T0.AddDays(365), default);
        Assert.Equal(kept.Seq, Assert.Single(left).Seq);

        // The chain goes on from the segment kept.
        var next = await Store.AppendAccessSegmentAsync(T0.AddDays(201), T0.AddDays(201), 1, AccessLogSegment.Encode([Access(T0.AddDays(201))]), default);
        Assert.Equal(kept.Hash, next.PreviousHash);
    }
}
