using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Cordon.Core.Audit;
using Cordon.Core.Crypto;

namespace Cordon.Bench;

/// <summary>
/// Verifying the audit chain: re-hashing every entry's stored bytes and checking its links, against SHA-256 over the
/// same canonical bytes (the baseline). "as read from the store" is what <c>cordon audit verify</c> does per entry:
/// decode the stored bytes into the entry, compare the search columns with it, hash, check the links and the seals of a
/// witnessed checkpoint. Reported per 10,000 entries.
/// </summary>
[MemoryDiagnoser]
public class AuditBenchmarks
{
    public const int Entries = 10_000;
    private readonly List<AuditEntry> _standard = [];
    private readonly List<AuditEntry> _national = [];
    private byte[][] _canonical = [];
    private (byte[] Private, byte[] Public) _key;
    private Checkpoint[] _witnessed = [];
    private List<(byte[] Body, AuditIndex Index, byte[] Prev, byte[] Hash, long Seq)> _stored = [];

    [GlobalSetup]
    public void Setup()
    {
        _standard.AddRange(Chain(CryptoSuite.Standard));
        _national.AddRange(Chain(CryptoSuite.National));
        _canonical = [.. _standard.Select(e => AuditChain.CanonicalBytes(e.Draft, e.Lane, e.Seq, e.PrevHash))];
        _stored = [.. _standard.Select(e => (e.Body!, AuditChain.IndexOf(e.Draft), e.PrevHash, e.Hash, e.Seq))];
        _key = CryptoSuite.Standard.CreateSigningKey();

        // A witnessed checkpoint every 1,000 entries, as a busy tenant's witness would hold.
        _witnessed = [.. Enumerable.Range(1, Entries / 1000).Select(k => Checkpoint.Create(CryptoSuite.Standard, _key.Private, "k1", "tenant-a", DateTimeOffset.UnixEpoch.AddSeconds(k), [new LaneHead(0, k * 1000, _standard[(k * 1000) - 1].Hash)]))];
    }

    [Benchmark(OperationsPerInvoke = Entries, Description = "verify as read from the store, with the witness (SHA-256)")]
    public long VerifyStoredWithWitness()
    {
        var verifier = new ChainVerifier(CryptoSuite.Standard, "tenant-a");
        verifier.AddWitness(new WitnessContents(_witnessed, []), id => id == "k1" ? _key.Public : null);
        foreach (var (body, index, prev, hash, seq) in _stored)
        {
            AuditChain.TryDecodeBody(body, out var draft);
            verifier.Add(new AuditEntry { Draft = draft!, Lane = 0, Seq = seq, PrevHash = prev, Hash = hash, Body = body, Indexed = index });
        }

        var result = verifier.Complete();
        return result.Valid ? result.Entries : throw new InvalidOperationException(result.Reason);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Entries, Description = "SHA-256 over the canonical bytes")]
    public byte Sha256OverSameBytes()
    {
        Span<byte> hash = stackalloc byte[32];
        byte x = 0;
        foreach (var bytes in _canonical)
        {
            SHA256.HashData(bytes, hash);
            x ^= hash[0];
        }

        return x;
    }

    [Benchmark(OperationsPerInvoke = Entries, Description = "verify chain (SHA-256)")]
    public long VerifyStandard() => Verify(CryptoSuite.Standard, _standard);

    [Benchmark(OperationsPerInvoke = Entries, Description = "verify chain (SM3)")]
    public long VerifyNational() => Verify(CryptoSuite.National, _national);

    private static long Verify(CryptoSuite suite, List<AuditEntry> entries)
    {
        var verifier = new ChainVerifier(suite, "tenant-a");
        foreach (var entry in entries)
        {
            verifier.Add(entry);
        }

        var result = verifier.Complete();
        return result.Valid ? result.Entries : throw new InvalidOperationException(result.Reason);
    }

    private static IEnumerable<AuditEntry> Chain(CryptoSuite suite)
    {
        var prev = AuditChain.Genesis(suite, "tenant-a", 0);
        var t0 = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
        for (var i = 1; i <= Entries; i++)
        {
            var draft = new AuditDraft
            {
                Tenant = "tenant-a",
                Time = t0.AddMilliseconds(i * 37),
                ActorId = "dr-li-" + (i % 40),
                ActorRole = "physician",
                Purpose = "consultation",
                Action = "record.read",
                SubjectId = "sub_0123456789abc" + (i % 1000).ToString("D3", System.Globalization.CultureInfo.InvariantCulture),
                RecordIds = ["rec_0123456789abcdef", "rec_fedcba9876543210"],
                Outcome = AuditOutcome.Permit,
                Rules = ["R02", "R46"],
                ClientAddress = "10.0.3.17",
                RequestId = "0HN7Q2K3M4P5:00000001",
            };
            var entry = AuditChain.Link(suite, draft, 0, i, prev);
            prev = entry.Hash;
            yield return entry;
        }
    }
}
