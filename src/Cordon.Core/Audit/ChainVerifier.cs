using Cordon.Core.Crypto;

namespace Cordon.Core.Audit;

/// <summary>The result of verifying a tenant's audit chain.</summary>
public sealed record ChainVerification(bool Valid, long Entries, int? BrokenLane, long? FirstBroken, string? Reason)
{
    public static ChainVerification Intact(long entries) => new(true, entries, null, null, null);
}

/// <summary>
/// Verifies a chain fed lane by lane in sequence order. It finds the first entry that was edited
/// (its hash no longer matches), deleted (a gap in the sequence), reordered (the link to the previous
/// hash breaks), re-chained after an edit (a signed checkpoint no longer matches) or cut from the end
/// (a checkpoint or the lane head names entries that are gone).
/// </summary>
public sealed class ChainVerifier
{
    private readonly CryptoSuite _suite;
    private readonly string _tenant;
    private readonly Dictionary<(int Lane, long Seq), (byte[] Hash, long CheckpointId)> _sealed = [];
    private readonly Dictionary<int, LaneHead> _heads = [];
    private readonly byte[] _computed = new byte[CryptoSuite.HashSize];
    private readonly HashSet<int> _seenLanes = [];
    private int _lane = -1;
    private long _expected;
    private byte[] _running = [];
    private long _count;
    private ChainVerification? _broken;

    public ChainVerifier(CryptoSuite suite, string tenant)
    {
        _suite = Guard.NotNull(suite);
        _tenant = Guard.NotEmpty(tenant);
    }

    public bool IsBroken => _broken is not null;

    public long Entries => _count;

    /// <summary>Registers the signed checkpoints. A checkpoint whose signature fails breaks the chain.</summary>
    public void AddCheckpoints(IEnumerable<Checkpoint> checkpoints, Func<string, byte[]?> publicKeyById)
    {
        Guard.NotNull(checkpoints);
        Guard.NotNull(publicKeyById);
        foreach (var cp in checkpoints)
        {
            var key = publicKeyById(cp.KeyId);
            if (key is null || !string.Equals(cp.Tenant, _tenant, StringComparison.Ordinal) || !cp.VerifySignature(key))
            {
                var head = cp.Heads.Count > 0 ? cp.Heads[0] : null;
                Break(head?.Lane, head?.Seq, $"checkpoint {cp.Id} does not carry a valid signature");
                return;
            }

            foreach (var h in cp.Heads)
            {
                if (h.Seq > 0)
                {
                    _sealed[(h.Lane, h.Seq)] = (h.Hash, cp.Id);
                }
            }
        }
    }

    /// <summary>Registers the current lane heads as the store records them.</summary>
    public void AddLaneHeads(IEnumerable<LaneHead> heads)
    {
        foreach (var h in Guard.NotNull(heads))
        {
            _heads[h.Lane] = h;
        }
    }

    /// <summary>Feeds the next stored entry; returns false once the chain is broken.</summary>
    public bool Add(AuditEntry entry)
    {
        Guard.NotNull(entry);
        if (_broken is not null)
        {
            return false;
        }

        if (entry.Lane != _lane)
        {
            if (_lane >= 0 && !FinishLane())
            {
                return false;
            }

            if (entry.Lane < _lane)
            {
                Break(entry.Lane, entry.Seq, "lanes were not read in order");
                return false;
            }

            StartLane(entry.Lane);
        }

        if (entry.Seq != _expected)
        {
            return Break(entry.Lane, _expected, entry.Seq > _expected
                ? $"entry {_expected} of lane {entry.Lane} is missing (deleted)"
                : $"entry {entry.Seq} of lane {entry.Lane} is out of order or duplicated");
        }

        if (!entry.PrevHash.AsSpan().SequenceEqual(_running))
        {
            return Break(entry.Lane, entry.Seq, $"entry {entry.Seq} of lane {entry.Lane} does not link to its predecessor (reordered or replaced)");
        }

        AuditChain.ComputeHash(_suite, entry.Draft, entry.Lane, entry.Seq, entry.PrevHash, _computed);
        if (!entry.Hash.AsSpan().SequenceEqual(_computed))
        {
            return Break(entry.Lane, entry.Seq, $"entry {entry.Seq} of lane {entry.Lane} was altered");
        }

        if (_sealed.TryGetValue((entry.Lane, entry.Seq), out var seal) && !seal.Hash.AsSpan().SequenceEqual(entry.Hash))
        {
            return Break(entry.Lane, entry.Seq, $"lane {entry.Lane} up to entry {entry.Seq} differs from signed checkpoint {seal.CheckpointId} (edited and re-chained)");
        }

        _running = entry.Hash;
        _expected++;
        _count++;
        return true;
    }

    /// <summary>Completes verification once every entry has been fed.</summary>
    public ChainVerification Complete()
    {
        if (_broken is null && _lane >= 0)
        {
            FinishLane();
        }

        if (_broken is null)
        {
            // Lanes with no entries at all but sealed or headed entries: everything was removed.
            foreach (var (lane, head) in _heads.OrderBy(h => h.Key))
            {
                if (lane > _lane && head.Seq > 0)
                {
                    Break(lane, 1, $"lane {lane} records {head.Seq} entries but none are stored");
                    break;
                }
            }

            foreach (var ((lane, seq), seal) in _sealed.OrderBy(s => s.Key.Lane).ThenBy(s => s.Key.Seq))
            {
                if (lane > _lane && _broken is null)
                {
                    Break(lane, 1, $"lane {lane} is sealed up to entry {seq} by checkpoint {seal.CheckpointId} but none are stored");
                }
            }
        }

        return _broken ?? ChainVerification.Intact(_count);
    }

    private void StartLane(int lane)
    {
        _lane = lane;
        _expected = 1;
        _running = AuditChain.Genesis(_suite, _tenant, lane);

        // Lanes skipped entirely must have had no entries.
        foreach (var (l, head) in _heads)
        {
            if (l < lane && head.Seq > 0 && !_seenLanes.Contains(l))
            {
                Break(l, 1, $"lane {l} records {head.Seq} entries but none are stored");
                return;
            }
        }

        _seenLanes.Add(lane);
    }

    private bool FinishLane()
    {
        var last = _expected - 1;
        foreach (var ((lane, seq), seal) in _sealed)
        {
            if (lane == _lane && seq > last)
            {
                return Break(lane, last + 1, $"entries of lane {lane} after {last} were removed (checkpoint {seal.CheckpointId} sealed entry {seq})");
            }
        }

        if (_heads.TryGetValue(_lane, out var head))
        {
            if (head.Seq > last)
            {
                return Break(_lane, last + 1, $"entries of lane {_lane} after {last} were removed (the lane head is entry {head.Seq})");
            }

            if (head.Seq == last && last > 0 && !head.Hash.AsSpan().SequenceEqual(_running))
            {
                return Break(_lane, last, $"entry {last} of lane {_lane} differs from the recorded lane head");
            }
        }

        return true;
    }

    private bool Break(int? lane, long? seq, string reason)
    {
        _broken ??= new ChainVerification(false, _count, lane, seq, reason);
        return false;
    }
}
