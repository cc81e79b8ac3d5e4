using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Crypto;

namespace Cordon.Core.Audit;

/// <summary>
/// The hash chain: each entry's hash is H(canonical bytes of the entry including the previous hash).
/// The canonical encoding is length-prefixed binary, so no two different entries encode alike and
/// the encoding never depends on a serializer's settings.
/// </summary>
public static class AuditChain
{
    private const byte EncodingVersion = 1;

    /// <summary>The hash before the first entry of a lane.</summary>
    public static byte[] Genesis(CryptoSuite suite, string tenant, int lane)
    {
        Guard.NotNull(suite);
        var input = Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"cordon-audit-genesis|{tenant}|{lane}"));
        var hash = new byte[CryptoSuite.HashSize];
        suite.Hash(input, hash);
        return hash;
    }

    /// <summary>The lane of a subject: a stable hash of its id modulo the lane count; entries without a subject go to lane 0.</summary>
    public static int LaneOf(string? subjectId, int laneCount)
    {
        if (subjectId is null || laneCount <= 1)
        {
            return 0;
        }

        Span<byte> digest = stackalloc byte[32];
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(subjectId.Length)];
        var n = Encoding.UTF8.GetBytes(subjectId, utf8);
        SHA256.HashData(utf8[..n], digest);
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(digest) % (uint)laneCount);
    }

    /// <summary>Computes the hash of an entry at (lane, seq) whose predecessor hash is <paramref name="prevHash"/>.</summary>
    public static void ComputeHash(CryptoSuite suite, AuditDraft draft, int lane, long seq, ReadOnlySpan<byte> prevHash, Span<byte> destination)
    {
        Guard.NotNull(suite);
        var writer = new CanonicalWriter(512);
        try
        {
            Encode(ref writer, draft, lane, seq, prevHash);
            suite.Hash(writer.Written, destination);
        }
        finally
        {
            writer.Dispose();
        }
    }

    public static byte[] ComputeHash(CryptoSuite suite, AuditDraft draft, int lane, long seq, ReadOnlySpan<byte> prevHash)
    {
        var hash = new byte[CryptoSuite.HashSize];
        ComputeHash(suite, draft, lane, seq, prevHash, hash);
        return hash;
    }

    /// <summary>The exact bytes an entry's hash is computed over (for tooling and benchmarks).</summary>
    public static byte[] CanonicalBytes(AuditDraft draft, int lane, long seq, ReadOnlySpan<byte> prevHash)
    {
        Guard.NotNull(draft);
        var writer = new CanonicalWriter(512);
        try
        {
            Encode(ref writer, draft, lane, seq, prevHash);
            return writer.Written.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Builds the chained entry that follows <paramref name="prevHash"/> at (lane, seq).</summary>
    public static AuditEntry Link(CryptoSuite suite, AuditDraft draft, int lane, long seq, byte[] prevHash)
        => new() { Draft = draft, Lane = lane, Seq = seq, PrevHash = prevHash, Hash = ComputeHash(suite, draft, lane, seq, prevHash) };

    internal static void Encode(ref CanonicalWriter w, AuditDraft d, int lane, long seq, ReadOnlySpan<byte> prevHash)
    {
        w.Byte(EncodingVersion);
        w.Bytes(prevHash);
        w.Int32(lane);
        w.Int64(seq);
        w.Int64(d.Time.ToUnixTimeMilliseconds());
        w.String(d.Tenant);
        w.String(d.ActorId);
        w.String(d.ActorRole);
        w.String(d.Purpose);
        w.String(d.Action);
        w.String(d.SubjectId);
        w.Int32(d.RecordIds.Count);
        foreach (var id in d.RecordIds)
        {
            w.String(id);
        }

        w.Byte((byte)d.Outcome);
        w.String(d.Code);
        w.Int32(d.Rules.Count);
        foreach (var r in d.Rules)
        {
            w.String(r);
        }

        w.String(d.ClientAddress);
        w.String(d.RequestId);
        w.Int32((int)d.Flags);
        w.Bytes(d.SealedNote);
    }
}

/// <summary>A growable buffer over the array pool for canonical encodings.</summary>
internal struct CanonicalWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public CanonicalWriter(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Byte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void Int32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void Int64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    /// <summary>Null and empty differ: null is length -1.</summary>
    public void String(string? value)
    {
        if (value is null)
        {
            Int32(-1);
            return;
        }

        Ensure(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var n = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length + 4));
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_length), n);
        _length += 4 + n;
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        Ensure(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_length), value.Length);
        value.CopyTo(_buffer.AsSpan(_length + 4));
        _length += 4 + value.Length;
    }

    public void Bytes(byte[]? value)
    {
        if (value is null)
        {
            Int32(-1);
            return;
        }

        Bytes(value.AsSpan());
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
