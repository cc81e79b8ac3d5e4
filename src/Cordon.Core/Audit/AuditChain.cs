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

    /// <summary>
    /// The entry's own bytes: every field of the draft, length-prefixed, in a fixed order. This is what the store keeps
    /// (its search columns are copies) and what the hash covers, after the previous hash, lane and sequence. Strings are
    /// UTF-8; a lone surrogate, which UTF-8 cannot hold, becomes U+FFFD here and so everywhere the entry is read.
    /// </summary>
    public static byte[] EncodeBody(AuditDraft draft)
    {
        Guard.NotNull(draft);
        var writer = new CanonicalWriter(256);
        try
        {
            EncodeBody(ref writer, draft);
            return writer.Written.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Reads back what <see cref="EncodeBody(AuditDraft)"/> wrote; false when the bytes are not such an encoding.</summary>
    public static bool TryDecodeBody(ReadOnlySpan<byte> body, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AuditDraft? draft)
    {
        draft = null;
        var r = new CanonicalReader(body);
        if (!r.Int64(out var time) || !r.String(out var tenant) || !r.String(out var actor) || !r.String(out var role)
            || !r.String(out var purpose) || !r.String(out var action) || !r.String(out var subject) || !r.List(out var records)
            || !r.Byte(out var outcome) || !r.String(out var code) || !r.List(out var rules) || !r.String(out var client)
            || !r.String(out var request) || !r.Int32(out var flags) || !r.Bytes(out var note) || !r.AtEnd
            || tenant is null || actor is null || role is null || action is null
            || time < -62135596800000 || time > 253402300799999 || flags is < 0 or > ushort.MaxValue)
        {
            return false;
        }

        draft = new AuditDraft
        {
            Time = DateTimeOffset.FromUnixTimeMilliseconds(time),
            Tenant = tenant,
            ActorId = actor,
            ActorRole = role,
            Purpose = purpose,
            Action = action,
            SubjectId = subject,
            RecordIds = records,
            Outcome = (AuditOutcome)outcome,
            Code = code,
            Rules = rules,
            ClientAddress = client,
            RequestId = request,
            Flags = (AuditFlags)flags,
            SealedNote = note,
        };
        return true;
    }

    /// <summary>Computes the hash of an entry at (lane, seq) whose predecessor hash is <paramref name="prevHash"/>.</summary>
    public static void ComputeHash(CryptoSuite suite, AuditDraft draft, int lane, long seq, ReadOnlySpan<byte> prevHash, Span<byte> destination)
    {
        Guard.NotNull(suite);
        Guard.NotNull(draft);
        var writer = new CanonicalWriter(512);
        try
        {
            EncodePrefix(ref writer, lane, seq, prevHash);
            EncodeBody(ref writer, draft);
            suite.Hash(writer.Written, destination);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Computes the hash of an entry from its stored bytes (<see cref="EncodeBody(AuditDraft)"/>).</summary>
    public static void ComputeHash(CryptoSuite suite, ReadOnlySpan<byte> body, int lane, long seq, ReadOnlySpan<byte> prevHash, Span<byte> destination)
    {
        Guard.NotNull(suite);
        var writer = new CanonicalWriter(64 + body.Length);
        try
        {
            EncodePrefix(ref writer, lane, seq, prevHash);
            writer.Raw(body);
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
            EncodePrefix(ref writer, lane, seq, prevHash);
            EncodeBody(ref writer, draft);
            return writer.Written.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Builds the chained entry that follows <paramref name="prevHash"/> at (lane, seq).</summary>
    public static AuditEntry Link(CryptoSuite suite, AuditDraft draft, int lane, long seq, byte[] prevHash)
    {
        var body = EncodeBody(draft);
        var hash = new byte[CryptoSuite.HashSize];
        ComputeHash(suite, body, lane, seq, prevHash, hash);
        return new AuditEntry { Draft = draft, Lane = lane, Seq = seq, PrevHash = prevHash, Hash = hash, Body = body };
    }

    /// <summary>The copies of an entry's fields that the store keeps in columns so that it can search them.</summary>
    public static AuditIndex IndexOf(AuditDraft draft)
    {
        Guard.NotNull(draft);
        return new AuditIndex(
            Searchable(draft.Tenant)!,
            draft.Time.ToUnixTimeMilliseconds(),
            Searchable(draft.ActorId)!,
            Searchable(draft.ActorRole)!,
            Searchable(draft.Purpose),
            Searchable(draft.Action)!,
            Searchable(draft.SubjectId),
            (int)draft.Outcome,
            Searchable(draft.Code));
    }

    /// <summary>
    /// A value as a search column can hold it on every engine: PostgreSQL text has no NUL and no engine stores a lone
    /// surrogate, so both become U+FFFD. The entry's bytes keep the value itself; the column is only for finding it.
    /// </summary>
    public static string? Searchable(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var clean = true;
        for (var i = 0; i < value.Length && clean; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                clean = false;
            }
            else if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                }
                else
                {
                    clean = false;
                }
            }
            else if (char.IsLowSurrogate(c))
            {
                clean = false;
            }
        }

        if (clean)
        {
            return value;
        }

        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] == '\0')
            {
                chars[i] = '\uFFFD';
            }
            else if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    private static void EncodePrefix(ref CanonicalWriter w, int lane, long seq, ReadOnlySpan<byte> prevHash)
    {
        w.Byte(EncodingVersion);
        w.Bytes(prevHash);
        w.Int32(lane);
        w.Int64(seq);
    }

    private static void EncodeBody(ref CanonicalWriter w, AuditDraft d)
    {
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

/// <summary>The search columns of a stored entry: copies of its fields (<see cref="AuditChain.Searchable"/>).</summary>
public sealed record AuditIndex(string Tenant, long Time, string Actor, string Role, string? Purpose, string Action, string? Subject, int Outcome, string? Code);

/// <summary>Reads a canonical encoding; every read fails (false) instead of running past the end.</summary>
internal ref struct CanonicalReader(ReadOnlySpan<byte> data)
{
    private const int MaxListCount = 100_000;
    private ReadOnlySpan<byte> _rest = data;

    public readonly bool AtEnd => _rest.IsEmpty;

    public bool Byte(out byte value)
    {
        value = 0;
        if (_rest.IsEmpty)
        {
            return false;
        }

        value = _rest[0];
        _rest = _rest[1..];
        return true;
    }

    public bool Int32(out int value)
    {
        value = 0;
        if (_rest.Length < 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadInt32BigEndian(_rest);
        _rest = _rest[4..];
        return true;
    }

    public bool Int64(out long value)
    {
        value = 0;
        if (_rest.Length < 8)
        {
            return false;
        }

        value = BinaryPrimitives.ReadInt64BigEndian(_rest);
        _rest = _rest[8..];
        return true;
    }

    public bool String(out string? value)
    {
        value = null;
        if (!Int32(out var length) || length < -1 || length > _rest.Length)
        {
            return false;
        }

        if (length >= 0)
        {
            value = Encoding.UTF8.GetString(_rest[..length]);
            _rest = _rest[length..];
        }

        return true;
    }

    public bool Bytes(out byte[]? value)
    {
        value = null;
        if (!Int32(out var length) || length < -1 || length > _rest.Length)
        {
            return false;
        }

        if (length >= 0)
        {
            value = _rest[..length].ToArray();
            _rest = _rest[length..];
        }

        return true;
    }

    public bool List(out IReadOnlyList<string> values)
    {
        values = [];
        if (!Int32(out var count) || count < 0 || count > MaxListCount || count > _rest.Length / 4)
        {
            return false;
        }

        var list = new string[count];
        for (var i = 0; i < count; i++)
        {
            if (!String(out var item) || item is null)
            {
                return false;
            }

            list[i] = item;
        }

        values = list;
        return true;
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

    /// <summary>Bytes without a length prefix (an encoding written before).</summary>
    public void Raw(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
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
