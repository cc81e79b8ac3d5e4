using Cordon.Core.Crypto;

namespace Cordon.Core.Audit;

/// <summary>What kind of damage a broken range shows.</summary>
public enum ChainBreakKind
{
    /// <summary>The entry's hash does not match its contents, or its search columns differ from it.</summary>
    Altered,

    /// <summary>Entries are gone from the middle of a lane, or from its end (the lane head or a seal names them).</summary>
    Missing,

    /// <summary>The entry does not link to the one before it (reordered, replaced or re-chained).</summary>
    Relinked,

    /// <summary>A sequence number appears twice or goes backwards.</summary>
    OutOfOrder,

    /// <summary>The lane up to here differs from what a signed checkpoint sealed (edited and re-chained).</summary>
    Resealed,

    /// <summary>A checkpoint's signature does not verify.</summary>
    BadSignature,

    /// <summary>The stored bytes are not an entry.</summary>
    Unreadable,
}

/// <summary>One broken range of a lane: entries <see cref="From"/> to <see cref="To"/> (inclusive).</summary>
public sealed record ChainBreak(int Lane, long From, long To, ChainBreakKind Kind, string Reason);

/// <summary>The result of verifying a tenant's audit chain: every broken range, in lane and sequence order.</summary>
public sealed record ChainVerification(long Entries, IReadOnlyList<ChainBreak> Breaks, long MoreBreaks = 0)
{
    /// <summary>What in the witness itself does not hold together (a removed or edited line).</summary>
    public IReadOnlyList<string> WitnessProblems { get; init; } = [];

    /// <summary>How many checkpoints the witness held, and the newest of them (null without a witness).</summary>
    public int WitnessedCheckpoints { get; init; }

    public Checkpoint? LatestWitnessed { get; init; }

    public bool Valid => Breaks.Count == 0 && MoreBreaks == 0 && WitnessProblems.Count == 0;

    public int? BrokenLane => Breaks.Count == 0 ? null : Breaks[0].Lane;

    public long? FirstBroken => Breaks.Count == 0 ? null : Breaks[0].From;

    public string? Reason => Breaks.Count == 0 ? null : Breaks[0].Reason;

    public static ChainVerification Intact(long entries) => new(entries, []);
}

/// <summary>
/// Verifies a chain fed lane by lane in sequence order, to the end: it reports every range that was edited (a hash or
/// a search column no longer matches), deleted (a gap, or entries a lane head, a checkpoint or the witness names that
/// are gone), reordered (a link to the previous hash breaks), re-chained after an edit (a signed seal no longer
/// matches) or is unreadable. A break does not stop it, so damage after a first break is still found.
/// </summary>
public sealed class ChainVerifier
{
    /// <summary>Ranges reported at most; the rest are counted.</summary>
    public const int MaxBreaks = 1000;

    private readonly CryptoSuite _suite;
    private readonly string _tenant;
    private readonly Dictionary<(int Lane, long Seq), (byte[] Hash, string By)> _sealed = [];
    private readonly Dictionary<int, long> _sealedUpTo = [];
    private readonly Dictionary<int, LaneHead> _heads = [];
    private readonly byte[] _computed = new byte[CryptoSuite.HashSize];
    private readonly HashSet<int> _seenLanes = [];
    private readonly List<ChainBreak> _breaks = [];
    private readonly List<string> _witnessProblems = [];
    private long _moreBreaks;
    private int _witnessed;
    private Checkpoint? _latestWitnessed;
    private int _lane = -1;
    private long _expected;
    private byte[] _running = [];
    private long _count;

    public ChainVerifier(CryptoSuite suite, string tenant)
    {
        _suite = Guard.NotNull(suite);
        _tenant = Guard.NotEmpty(tenant);
    }

    public bool IsBroken => _breaks.Count > 0 || _moreBreaks > 0;

    public long Entries => _count;

    /// <summary>Registers the signed checkpoints the store holds. A checkpoint whose signature fails is a break.</summary>
    public void AddCheckpoints(IEnumerable<Checkpoint> checkpoints, Func<string, byte[]?> publicKeyById)
        => AddSeals(checkpoints, publicKeyById, cp => $"checkpoint {cp.Id}");

    /// <summary>
    /// Registers checkpoints kept outside the store (the witness). They seal like the store's own, so whatever the store
    /// lost or rewrote up to them is found even when its own checkpoints were deleted with it.
    /// </summary>
    public void AddWitnessed(IEnumerable<Checkpoint> checkpoints, Func<string, byte[]?> publicKeyById)
        => AddSeals(checkpoints, publicKeyById, cp => $"the witnessed checkpoint of {cp.Time:yyyy-MM-dd HH:mm:ss}Z");

    /// <summary>Registers a witness's checkpoints (<see cref="AddWitnessed"/>) and its own problems.</summary>
    public void AddWitness(WitnessContents witness, Func<string, byte[]?> publicKeyById)
    {
        Guard.NotNull(witness);
        AddWitnessed(witness.Checkpoints, publicKeyById);
        _witnessProblems.AddRange(witness.Problems);
        _witnessed += witness.Checkpoints.Count;
        _latestWitnessed = witness.Latest ?? _latestWitnessed;
    }

    /// <summary>Registers the current lane heads as the store records them.</summary>
    public void AddLaneHeads(IEnumerable<LaneHead> heads)
    {
        foreach (var h in Guard.NotNull(heads))
        {
            _heads[h.Lane] = h;
        }
    }

    /// <summary>Feeds the next stored entry (lanes in order, each in sequence order).</summary>
    public void Add(AuditEntry entry)
    {
        Guard.NotNull(entry);
        _count++;
        if (entry.Lane != _lane)
        {
            if (entry.Lane < _lane)
            {
                Break(entry.Lane, entry.Seq, entry.Seq, ChainBreakKind.OutOfOrder, "lanes were not read in order");
                return;
            }

            if (_lane >= 0)
            {
                FinishLane();
            }

            StartLane(entry.Lane);
        }

        var seq = entry.Seq;
        var linkKnown = true;
        if (seq < _expected)
        {
            Break(entry.Lane, seq, seq, ChainBreakKind.OutOfOrder, "out of order or duplicated");
            return;
        }

        if (seq > _expected)
        {
            Break(entry.Lane, _expected, seq - 1, ChainBreakKind.Missing, "missing (deleted)");
            linkKnown = false;
        }

        if (linkKnown && !entry.PrevHash.AsSpan().SequenceEqual(_running))
        {
            Break(entry.Lane, seq, seq, ChainBreakKind.Relinked, "does not link to its predecessor (reordered, replaced or re-chained)");
        }

        if (entry.Unreadable)
        {
            Break(entry.Lane, seq, seq, ChainBreakKind.Unreadable, "its stored bytes are not an audit entry");
        }
        else
        {
            if (entry.Body is { } body)
            {
                AuditChain.ComputeHash(_suite, body, entry.Lane, seq, entry.PrevHash, _computed);
            }
            else
            {
                AuditChain.ComputeHash(_suite, entry.Draft, entry.Lane, seq, entry.PrevHash, _computed);
            }

            if (!entry.Hash.AsSpan().SequenceEqual(_computed))
            {
                Break(entry.Lane, seq, seq, ChainBreakKind.Altered, "altered (its hash does not match its contents)");
            }
            else if (entry.Indexed is { } indexed && indexed != AuditChain.IndexOf(entry.Draft))
            {
                Break(entry.Lane, seq, seq, ChainBreakKind.Altered, "altered (its search columns differ from the entry)");
            }
        }

        if (_sealed.TryGetValue((entry.Lane, seq), out var seal) && !seal.Hash.AsSpan().SequenceEqual(entry.Hash))
        {
            Break(entry.Lane, seq, seq, ChainBreakKind.Resealed, $"differs from what {seal.By} sealed (edited and re-chained)");
        }

        _running = entry.Hash;
        _expected = seq + 1;
    }

    /// <summary>Completes verification once every entry has been fed.</summary>
    public ChainVerification Complete()
    {
        if (_lane >= 0)
        {
            FinishLane();
        }

        // Lanes with no entries at all but headed or sealed entries: everything was removed.
        foreach (var lane in _heads.Keys.Concat(_sealedUpTo.Keys).Distinct().Order())
        {
            if (!_seenLanes.Contains(lane))
            {
                ReportLaneGone(lane);
            }
        }

        _breaks.Sort((a, b) => a.Lane != b.Lane ? a.Lane.CompareTo(b.Lane) : a.From.CompareTo(b.From));
        return new ChainVerification(_count, [.. _breaks], _moreBreaks)
        {
            WitnessProblems = [.. _witnessProblems],
            WitnessedCheckpoints = _witnessed,
            LatestWitnessed = _latestWitnessed,
        };
    }

    private void AddSeals(IEnumerable<Checkpoint> checkpoints, Func<string, byte[]?> publicKeyById, Func<Checkpoint, string> name)
    {
        Guard.NotNull(checkpoints);
        Guard.NotNull(publicKeyById);
        foreach (var cp in checkpoints)
        {
            var key = publicKeyById(cp.KeyId);
            if (key is null || !string.Equals(cp.Tenant, _tenant, StringComparison.Ordinal) || !cp.VerifySignature(key))
            {
                var head = cp.Heads.Count > 0 ? cp.Heads[0] : new LaneHead(0, 0, []);
                Break(head.Lane, head.Seq, head.Seq, ChainBreakKind.BadSignature, $"{name(cp)} does not carry a valid signature");
                continue;
            }

            foreach (var h in cp.Heads)
            {
                if (h.Seq <= 0)
                {
                    continue;
                }

                var by = name(cp);
                if (_sealed.TryGetValue((h.Lane, h.Seq), out var other) && !other.Hash.AsSpan().SequenceEqual(h.Hash))
                {
                    Break(h.Lane, h.Seq, h.Seq, ChainBreakKind.Resealed, $"{other.By} and {by} seal different entries (one of them was re-signed)");
                }

                _sealed[(h.Lane, h.Seq)] = (h.Hash, by);
                _sealedUpTo[h.Lane] = Math.Max(h.Seq, _sealedUpTo.GetValueOrDefault(h.Lane));
            }
        }
    }

    private void StartLane(int lane)
    {
        _lane = lane;
        _expected = 1;
        _running = AuditChain.Genesis(_suite, _tenant, lane);
        _seenLanes.Add(lane);
    }

    private void FinishLane()
    {
        var last = _expected - 1;
        var sealedTo = _sealedUpTo.GetValueOrDefault(_lane);
        var headTo = _heads.TryGetValue(_lane, out var head) ? head.Seq : 0;
        if (sealedTo > last || headTo > last)
        {
            var to = Math.Max(sealedTo, headTo);
            var by = sealedTo >= headTo ? SealName(_lane, sealedTo) : "the lane head";
            Break(_lane, last + 1, to, ChainBreakKind.Missing, $"removed from the end of the lane ({by} names entry {to})");
        }
        else if (head is not null && head.Seq == last && last > 0 && !head.Hash.AsSpan().SequenceEqual(_running))
        {
            Break(_lane, last, last, ChainBreakKind.Relinked, "differs from the recorded lane head");
        }
    }

    private void ReportLaneGone(int lane)
    {
        var sealedTo = _sealedUpTo.GetValueOrDefault(lane);
        var headTo = _heads.TryGetValue(lane, out var head) ? head.Seq : 0;
        var to = Math.Max(sealedTo, headTo);
        if (to > 0)
        {
            var by = sealedTo >= headTo ? SealName(lane, sealedTo) : "the lane head";
            Break(lane, 1, to, ChainBreakKind.Missing, $"none are stored ({by} names entry {to})");
        }
    }

    private string SealName(int lane, long seq) => _sealed.TryGetValue((lane, seq), out var seal) ? seal.By : "a checkpoint";

    /// <summary>Records a broken range, merging it into the previous one when it continues it with the same kind.</summary>
    private void Break(int lane, long from, long to, ChainBreakKind kind, string what)
    {
        if (_breaks.Count > 0)
        {
            var last = _breaks[^1];
            if (last.Lane == lane && last.Kind == kind && from <= last.To + 1 && from >= last.From)
            {
                var merged = Math.Max(last.To, to);
                _breaks[^1] = last with { To = merged, Reason = Describe(lane, last.From, merged, what) };
                return;
            }
        }

        if (_breaks.Count >= MaxBreaks)
        {
            _moreBreaks++;
            return;
        }

        _breaks.Add(new ChainBreak(lane, from, to, kind, Describe(lane, from, to, what)));
    }

    private static string Describe(int lane, long from, long to, string what)
        => from == to ? $"entry {from} of lane {lane}: {what}" : $"entries {from}–{to} of lane {lane}: {what}";
}
