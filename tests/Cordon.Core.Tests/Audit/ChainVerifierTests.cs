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
            tampered[1] = original with { Draft = edit(original.Draft), Body = AuditChain.EncodeBody(edit(original.Draft)) };
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
    public void Verification_goes_on_after_a_break_and_names_every_broken_range()
    {
        var suite = CryptoSuite.Standard;
        var entries = Lanes(suite, 3, 10);
        entries[2] = entries[2] with { Body = AuditChain.EncodeBody(entries[2].Draft with { ActorId = "x" }) };
        entries.RemoveAt(14);
        entries.RemoveAt(13);
        entries[25] = entries[25] with { Indexed = AuditChain.IndexOf(entries[25].Draft) with { Actor = "someone-else" } };

        var result = Verify(suite, entries);

        Assert.False(result.Valid);
        Assert.Equal(28, result.Entries);
        Assert.Collection(
            result.Breaks,
            b => Assert.Equal((0, 3L, 3L, ChainBreakKind.Altered), (b.Lane, b.From, b.To, b.Kind)),
            b => Assert.Equal((1, 4L, 5L, ChainBreakKind.Missing), (b.Lane, b.From, b.To, b.Kind)),
            b => Assert.Equal((2, 8L, 8L, ChainBreakKind.Altered), (b.Lane, b.From, b.To, b.Kind)));
        Assert.Equal("entries 4–5 of lane 1: missing (deleted)", result.Breaks[1].Reason);
    }

    [Fact]
    public void Entry_bytes_round_trip_whatever_the_strings_hold()
    {
        var random = new Random(7);
        string RandomText()
        {
            var chars = new System.Text.StringBuilder();
            for (var i = random.Next(0, 40); i > 0; i--)
            {
                var scalar = random.Next(6) switch
                {
                    0 => random.Next(0, 0x20),
                    1 => ",;|\"'\\%_"[random.Next(8)],
                    2 => random.Next(0x4E00, 0x9FFF),
                    3 => random.Next(0x1F300, 0x1FAFF),
                    4 => random.Next(0x20000, 0x2A6DF),
                    _ => random.Next(0x20, 0x7F),
                };
                chars.Append(char.ConvertFromUtf32(scalar));
            }

            return chars.ToString();
        }

        for (var n = 0; n < 500; n++)
        {
            var draft = Draft(RandomText()) with
            {
                ActorId = RandomText(),
                ActorRole = RandomText(),
                Purpose = n % 5 == 0 ? null : RandomText(),
                Action = RandomText(),
                RecordIds = [.. Enumerable.Range(0, random.Next(5)).Select(_ => RandomText())],
                Code = n % 3 == 0 ? null : RandomText(),
                Rules = [.. Enumerable.Range(0, random.Next(5)).Select(_ => RandomText())],
                ClientAddress = RandomText(),
                RequestId = n % 4 == 0 ? null : RandomText(),
                Flags = (AuditFlags)random.Next(64),
                SealedNote = n % 2 == 0 ? null : [.. Enumerable.Range(0, random.Next(30)).Select(_ => (byte)random.Next(256))],
            };

            var body = AuditChain.EncodeBody(draft);
            Assert.True(AuditChain.TryDecodeBody(body, out var read));
            Assert.Equal(body, AuditChain.EncodeBody(read));
            Assert.Equal(draft.RecordIds, read.RecordIds);
            Assert.Equal(draft.Rules, read.Rules);
            Assert.Equal((draft.ActorId, draft.Purpose, draft.Code, draft.SubjectId), (read.ActorId, read.Purpose, read.Code, read.SubjectId));
            Assert.Equal(AuditChain.ComputeHash(CryptoSuite.Standard, draft, 0, 1, new byte[32]), AuditChain.ComputeHash(CryptoSuite.Standard, read, 0, 1, new byte[32]));
        }
    }

    [Fact]
    public void Bytes_that_are_no_entry_do_not_decode()
    {
        var body = AuditChain.EncodeBody(Draft("sub_1"));
        Assert.False(AuditChain.TryDecodeBody(body.AsSpan(0, body.Length - 1), out _));
        Assert.False(AuditChain.TryDecodeBody([.. body, 0], out _));
        Assert.False(AuditChain.TryDecodeBody([], out _));
        var huge = body.ToArray();
        huge[8] = 0x7F;
        Assert.False(AuditChain.TryDecodeBody(huge, out _));
    }

    [Fact]
    public void The_witness_seals_what_the_store_lost_with_its_own_checkpoints()
    {
        var suite = CryptoSuite.Standard;
        var entries = Lanes(suite, 2, 10);
        var checkpoint = Checkpoint.Create(suite, _key.Private, "k1", Tenant, T0, [new LaneHead(0, 10, entries[9].Hash), new LaneHead(1, 10, entries[19].Hash)]);
        var line = WitnessFormat.Line(checkpoint, WitnessFormat.Start);
        var witness = WitnessFormat.Read([line], Tenant);
        Assert.Empty(witness.Problems);

        // The store's checkpoints and lane heads are gone, lane 0 was cut to 6 entries and lane 1 deleted outright.
        var cut = entries.Take(6).ToList();
        var verifier = new ChainVerifier(suite, Tenant);
        verifier.AddWitness(witness, id => id == "k1" ? _key.Public : null);
        foreach (var e in cut)
        {
            verifier.Add(e);
        }

        var result = verifier.Complete();
        Assert.False(result.Valid);
        Assert.Equal(1, result.WitnessedCheckpoints);
        Assert.Collection(
            result.Breaks,
            b => Assert.Equal((0, 7L, 10L, ChainBreakKind.Missing), (b.Lane, b.From, b.To, b.Kind)),
            b => Assert.Equal((1, 1L, 10L, ChainBreakKind.Missing), (b.Lane, b.From, b.To, b.Kind)));
        Assert.Contains("witnessed checkpoint", result.Breaks[0].Reason, StringComparison.Ordinal);

        // Rewriting lane 0 from its start and re-chaining it is found at the witnessed head.
        var prev = AuditChain.Genesis(suite, Tenant, 0);
        var rewritten = new List<AuditEntry>();
        foreach (var e in entries.Take(10))
        {
            var forged = AuditChain.Link(suite, e.Draft with { ActorId = "forger" }, 0, e.Seq, prev);
            rewritten.Add(forged);
            prev = forged.Hash;
        }

        var again = new ChainVerifier(suite, Tenant);
        again.AddWitness(witness, id => id == "k1" ? _key.Public : null);
        foreach (var e in rewritten.Concat(entries.Skip(10)))
        {
            again.Add(e);
        }

        var resealed = Assert.Single(again.Complete().Breaks);
        Assert.Equal((0, 10L, ChainBreakKind.Resealed), (resealed.Lane, resealed.From, resealed.Kind));
    }

    [Fact]
    public void A_line_removed_from_or_edited_in_the_witness_is_named()
    {
        var suite = CryptoSuite.Standard;
        var lines = new List<string>();
        var previous = WitnessFormat.Start;
        for (var i = 1; i <= 4; i++)
        {
            var line = WitnessFormat.Line(Checkpoint.Create(suite, _key.Private, "k1", Tenant, T0.AddMinutes(i), [new LaneHead(0, i, new byte[32])]), previous);
            lines.Add(line);
            previous = WitnessFormat.LineHash(line);
        }

        Assert.Empty(WitnessFormat.Read(lines, Tenant).Problems);
        Assert.Equal(4, WitnessFormat.Read(lines, Tenant).Checkpoints.Count);

        var removed = lines.Where((_, i) => i != 1).ToList();
        Assert.Equal(["witness line 2 does not follow line 1 (a line was removed, inserted or edited)"], WitnessFormat.Read(removed, Tenant).Problems);

        var edited = lines.ToList();
        edited[1] = edited[1].Replace("\"entries\":2", "\"entries\":3", StringComparison.Ordinal);
        Assert.Contains("witness line 3 does not follow line 2 (a line was removed, inserted or edited)", WitnessFormat.Read(edited, Tenant).Problems);

        var garbage = lines.Append("not json").ToList();
        Assert.Contains("witness line 5 is not a witnessed checkpoint", WitnessFormat.Read(garbage, Tenant).Problems);

        var headless = lines.Skip(1).ToList();
        Assert.Contains("removed", Assert.Single(WitnessFormat.Read(headless, Tenant).Problems), StringComparison.Ordinal);
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
            verifier.Add(e);
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
