using Cordon.Core.Security;

namespace Cordon.Core.Tests.Security;

public sealed class AccessLogSegmentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 1, 2, 3, TimeSpan.Zero);

    [Fact]
    public void A_segment_decodes_to_the_entries_it_was_made_of()
    {
        AccessLogEntry[] entries =
        [
            new(T0, "10.0.0.7", "demo", "dr-li", "physician", "GET", "/v1/records/{id}", 200, 1234, 870, "okhttp/4.12", "req-1"),
            new(T0.AddMilliseconds(5), null, null, null, null, "POST", "(unrouted)", 401, 0, 120, null, "0HN8:00000002"),
            new(T0.AddMilliseconds(3), "::1", "demo", "app", "app", "POST", "/v1/subjects/{id}/records", 201, 99_000_000_000, 5_000_000, "Mozilla/5.0 (中文)", null),
        ];

        Assert.Equal(entries, AccessLogSegment.Decode(AccessLogSegment.Encode(entries)));
    }

    [Fact]
    public void A_realistic_entry_costs_well_under_64_bytes_at_rest()
    {
        var random = new Random(7);
        var routes = new[] { "/v1/records/{id}", "/v1/subjects/{id}/records", "/v1/subjects/{id}/consents", "/healthz" };
        var entries = new List<AccessLogEntry>();
        for (var i = 0; i < 4096; i++)
        {
            entries.Add(new(T0.AddMilliseconds(i * 3 + random.Next(3)), $"10.0.{random.Next(4)}.{random.Next(250)}", "demo", $"actor-{random.Next(40)}", "physician", "GET",
                routes[random.Next(routes.Length)], random.Next(10) == 0 ? 403 : 200, random.Next(200, 4000), random.Next(300, 9000), "okhttp/4.12", $"req-{Guid.NewGuid():N}"));
        }

        var perEntry = AccessLogSegment.Encode(entries).Length / (double)entries.Count;
        Assert.True(perEntry < 64, $"{perEntry:F1} bytes per entry");
    }

    [Fact]
    public void The_chain_hash_depends_on_the_previous_hash_and_every_byte_of_the_body()
    {
        var body = AccessLogSegment.Encode([new(T0, "10.0.0.7", "demo", "a", "app", "GET", "/healthz", 200, 10, 10, null, null)]);
        var first = AccessLogSegment.ChainHash([], body);
        Assert.Equal(first, AccessLogSegment.ChainHash(new byte[32], body));
        Assert.NotEqual(first, AccessLogSegment.ChainHash(first, body));
        body[^1] ^= 1;
        Assert.NotEqual(first, AccessLogSegment.ChainHash([], body));
    }

    [Fact]
    public void A_huge_or_hostile_user_agent_is_cut_and_its_control_characters_replaced()
    {
        var clipped = AccessLogSegment.Clip(new string('a', 10_000) + "\r\n");
        Assert.Equal(AccessLogSegment.MaxUserAgent, clipped!.Length);
        Assert.Equal("curl?x", AccessLogSegment.Clip("curl\nx"));
    }
}
