using Cordon.Core.Audit;
using Cordon.Core.Crypto;

namespace Cordon.Core.Tests.Audit;

public sealed class ChainVerifierTests
{
    private const string Tenant = "t1";
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
    private readonly (byte[] Private, byte[] Public) _key = CryptoSuite.Standard.CreateSigningKey();

    [Theory]
    [InlineData(CryptoSuiteId.Standard)]
    [InlineData(CryptoSuiteId.National)]
    public void An_intact_chain_over_several_lanes_verifies(CryptoSuiteId id)
    {
        var suite = CryptoSuite.For(id);
        var entries = Lanes(suite, 3, 20);

        var result = Verify(suite, entries);

        Assert.True(result.Valid, result.Reason);
        Assert.Equal(60, result.Entries);
    }

    [Fact]
    public void Each_field_of_an_entry_is_covered_by_its_hash()
    {
        var entries = Lanes(CryptoSuite.Standard, 1, 3);
        var original = entries[1];
        var edits = new Func<AuditDraft, AuditDraft>[]
        {
            d => d with { Time = d.Time.AddMilliseconds(1) },
            d => d with { ActorId = "other" },
            d => d with { ActorRole = "admin" },
            d => d with { Purpose = "marketing.push" },
            d => d with { Action = "record.write" },
            d => d with { SubjectId = "sub_other" },
            d => d with { RecordIds = ["rec_x"] },
            d => d with { Outcome = AuditOutcome.Deny },
            d => d with { Code = "consent.missing" },
            d => d with { Rules = ["R02"] },
            d => d with { ClientAddress = "10.9.9.9" },
            d => d with { RequestId = "r2" },
            d => d with { Flags = AuditFlags.BreakGlass },
            d => d with { SealedNote = [9] },
            d => d with { Tenant = "t2" },
        };
        foreach (var edit in edits)
        {
            var tampered = entries.ToList();
            tampered[1] = original with { Draft = edit(original.Draft) };
            var result = Verify(CryptoSuite.Standard, tampered);
            Assert.False(result.Valid);
            Assert.Equal(2, result.FirstBroken);
        }
    }

    [Fact]
    public void Null_and_empty_strings_hash_differently()
    {
        var a = Draft(null) with { Purpose = null };
        var b = Draft(null) with { Purpose = string.Empty };
        Assert.NotEqual(AuditChain.ComputeHash(CryptoSuite.Standard, a, 0, 1, new byte[32]), AuditChain.ComputeHash(CryptoSuite.Standard, b, 0, 1, new byte[32]));
    }

    [Fact]
    public void A_missing_entry_is_named()
    {
        var entries = Lanes(CryptoSuite.Standard, 1, 10);
        entries.RemoveAt(4);

        var result = Verify(CryptoSuite.Standard, entries);

        Assert.False(result.Valid);
        Assert.Equal(5, result.FirstBroken);
        Assert.Contains("missing", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Swapped_entries_are_found()
    {
        var entries = Lanes(CryptoSuite.Standard, 1, 10);
        (entries[3], entries[4]) = (entries[4] with { Seq = 4 }, entries[3] with { Seq = 5 });

        var result = Verify(CryptoSuite.Standard, entries);

        Assert.False(result.Valid);
        Assert.Equal(4, result.FirstBroken);
    }

    [Fact]
    public void Truncation_is_caught_by_the_lane_head_and_by_a_checkpoint()
    {
        var suite = CryptoSuite.Standard;
        var entries = Lanes(suite, 1, 10);
        var heads = new[] { new LaneHead(0, 10, entries[^1].Hash) };

        var byHead = Verify(suite, entries.Take(8).ToList(), heads: heads);
        Assert.Equal(9, byHead.FirstBroken);

        var checkpoint = Checkpoint.Create(suite, _key.Private, "k1", Tenant, T0, heads);
        var byCheckpoint = Verify(suite, entries.Take(8).ToList(), checkpoints: [checkpoint]);
        Assert.Equal(9, byCheckpoint.FirstBroken);
    }

    [Fact]
    public void A_forged_checkpoint_signature_breaks_the_chain()
    {
        var suite = CryptoSuite.Standard;
        var entries = Lanes(suite, 1, 5);
        var checkpoint = Checkpoint.Create(suite, _key.Private, "k1", Tenant, T0, [new LaneHead(0, 5, entries[^1].Hash)]);
        var forged = checkpoint with { Heads = [new LaneHead(0, 4, entries[3].Hash)] };

        var result = Verify(suite, entries, checkpoints: [forged]);

        Assert.False(result.Valid);
        Assert.Contains("signature", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Lanes_spread_subjects_stably()
    {
        Assert.Equal(AuditChain.LaneOf("sub_abc", 8), AuditChain.LaneOf("sub_abc", 8));
        Assert.Equal(0, AuditChain.LaneOf(null, 8));
        Assert.Equal(0, AuditChain.LaneOf("sub_abc", 1));
        var lanes = Enumerable.Range(0, 400).Select(i => AuditChain.LaneOf($"sub_{i}", 8)).Distinct().Count();
        Assert.Equal(8, lanes);
    }

    private ChainVerification Verify(CryptoSuite suite, List<AuditEntry> entries, IReadOnlyList<LaneHead>? heads = null, IReadOnlyList<Checkpoint>? checkpoints = null)
    {
        var verifier = new ChainVerifier(suite, Tenant);
        verifier.AddCheckpoints(checkpoints ?? [], id => id == "k1" ? _key.Public : null);
        verifier.AddLaneHeads(heads ?? []);
        foreach (var e in entries.OrderBy(e => e.Lane))
        {
            if (!verifier.Add(e))
            {
                break;
            }
        }

        return verifier.Complete();
    }

    private static List<AuditEntry> Lanes(CryptoSuite suite, int lanes, int perLane)
    {
        var all = new List<AuditEntry>();
        for (var lane = 0; lane < lanes; lane++)
        {
            var prev = AuditChain.Genesis(suite, Tenant, lane);
            for (var seq = 1; seq <= perLane; seq++)
            {
                var entry = AuditChain.Link(suite, Draft($"sub_{lane}") with { Time = T0.AddSeconds(seq) }, lane, seq, prev);
                all.Add(entry);
                prev = entry.Hash;
            }
        }

        return all;
    }

    private static AuditDraft Draft(string? subject) => new()
    {
        Tenant = Tenant,
        Time = T0,
        ActorId = "dr-li",
        ActorRole = "physician",
        Purpose = "consultation",
        Action = "record.read",
        SubjectId = subject,
        RecordIds = ["rec_1"],
        Outcome = AuditOutcome.Permit,
        Rules = ["R46"],
        ClientAddress = "10.0.0.1",
        RequestId = "r1",
    };
}
