using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Cordon.Core.Security;

/// <summary>
/// One network access (R44; Cybersecurity Law Art. 21): when, from where, who (tenant, actor, role), what (method and
/// route template — never an identifier or a query value), the answer (status, bytes, latency), the user agent and
/// the request id. Never patient data.
/// </summary>
public readonly record struct AccessLogEntry(
    DateTimeOffset Time,
    string? ClientAddress,
    string? Tenant,
    string? Actor,
    string? Role,
    string Method,
    string Route,
    int Status,
    long Bytes,
    long LatencyMicroseconds,
    string? UserAgent,
    string? RequestId);

/// <summary>
/// The access log's storage unit: a segment of consecutive entries, encoded compactly (a table of the distinct strings,
/// then each entry as variable-length integers: time as a delta, strings as table indexes) and Brotli-compressed, so an
/// entry costs a few tens of bytes at rest. Segments are hash-chained: each one's hash is SHA-256 over the previous
/// hash and its own body, so a removed, reordered or altered segment breaks the chain.
/// </summary>
public static class AccessLogSegment
{
    private const byte Version = 1;

    /// <summary>The longest user agent kept; the rest is cut (a header of any length costs the same at rest).</summary>
    public const int MaxUserAgent = 256;

    public static byte[] Encode(IReadOnlyList<AccessLogEntry> entries)
    {
        Guard.NotNull(entries);
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        var table = new List<string>();
        int Index(string? value)
        {
            if (value is null)
            {
                return 0;
            }

            if (!strings.TryGetValue(value, out var index))
            {
                table.Add(value);
                index = table.Count;
                strings[value] = index;
            }

            return index;
        }

        var body = new ArrayBufferWriter<byte>(entries.Count * 24);
        var previous = entries.Count == 0 ? 0 : entries[0].Time.ToUnixTimeMilliseconds();
        WriteVar(body, (ulong)entries.Count);
        WriteVar(body, (ulong)previous);
        foreach (var e in entries)
        {
            var time = e.Time.ToUnixTimeMilliseconds();
            WriteVar(body, ZigZag(time - previous));
            previous = time;
            WriteVar(body, (ulong)Index(e.ClientAddress));
            WriteVar(body, (ulong)Index(e.Tenant));
            WriteVar(body, (ulong)Index(e.Actor));
            WriteVar(body, (ulong)Index(e.Role));
            WriteVar(body, (ulong)Index(e.Method));
            WriteVar(body, (ulong)Index(e.Route));
            WriteVar(body, (ulong)Math.Max(0, e.Status));
            WriteVar(body, (ulong)Math.Max(0, e.Bytes));
            WriteVar(body, (ulong)Math.Max(0, e.LatencyMicroseconds));
            WriteVar(body, (ulong)Index(Clip(e.UserAgent)));
            WriteVar(body, (ulong)Index(e.RequestId));
        }

        var raw = new ArrayBufferWriter<byte>(body.WrittenCount + 64 * table.Count);
        raw.Write([Version]);
        WriteVar(raw, (ulong)table.Count);
        foreach (var s in table)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            WriteVar(raw, (ulong)bytes.Length);
            raw.Write(bytes);
        }

        raw.Write(body.WrittenSpan);
        using var output = new MemoryStream();
        using (var brotli = new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            brotli.Write(raw.WrittenSpan);
        }

        return output.ToArray();
    }

    public static IReadOnlyList<AccessLogEntry> Decode(ReadOnlySpan<byte> segment)
    {
        using var input = new MemoryStream(segment.ToArray());
        using var brotli = new BrotliStream(input, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        brotli.CopyTo(raw);
        var span = raw.GetBuffer().AsSpan(0, (int)raw.Length);
        var at = 0;
        if (span[at++] != Version)
        {
            throw new InvalidDataException("An access-log segment of an unknown version.");
        }

        var table = new string?[(int)ReadVar(span, ref at) + 1];
        for (var i = 1; i < table.Length; i++)
        {
            var length = (int)ReadVar(span, ref at);
            table[i] = Encoding.UTF8.GetString(span.Slice(at, length));
            at += length;
        }

        var count = (int)ReadVar(span, ref at);
        var time = (long)ReadVar(span, ref at);
        var entries = new AccessLogEntry[count];
        for (var i = 0; i < count; i++)
        {
            time += UnZigZag(ReadVar(span, ref at));
            entries[i] = new AccessLogEntry(
                DateTimeOffset.FromUnixTimeMilliseconds(time),
                table[(int)ReadVar(span, ref at)],
                table[(int)ReadVar(span, ref at)],
                table[(int)ReadVar(span, ref at)],
                table[(int)ReadVar(span, ref at)],
                table[(int)ReadVar(span, ref at)] ?? string.Empty,
                table[(int)ReadVar(span, ref at)] ?? string.Empty,
                (int)ReadVar(span, ref at),
                (long)ReadVar(span, ref at),
                (long)ReadVar(span, ref at),
                table[(int)ReadVar(span, ref at)],
                table[(int)ReadVar(span, ref at)]);
        }

        return entries;
    }

    /// <summary>The chain hash of a segment: SHA-256 over the previous segment's hash (32 zero bytes for the first) and the body.</summary>
    public static byte[] ChainHash(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previous.Length == 0 ? new byte[32] : previous);
        hash.AppendData(body);
        return hash.GetHashAndReset();
    }

    /// <summary>The user agent as kept: at most <see cref="MaxUserAgent"/> characters, control characters replaced.</summary>
    public static string? Clip(string? userAgent)
    {
        if (userAgent is null)
        {
            return null;
        }

        var clipped = userAgent.Length > MaxUserAgent ? userAgent[..MaxUserAgent] : userAgent;
        return clipped.Any(char.IsControl) ? new string([.. clipped.Select(c => char.IsControl(c) ? '?' : c)]) : clipped;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private static void WriteVar(IBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        writer.Advance(i);
    }

    private static ulong ReadVar(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = span[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }

            shift += 7;
            if (shift > 63)
            {
                throw new InvalidDataException("A malformed access-log segment.");
            }
        }
    }
}
