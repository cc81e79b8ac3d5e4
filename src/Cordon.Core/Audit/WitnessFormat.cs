using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cordon.Core.Crypto;

namespace Cordon.Core.Audit;

/// <summary>What a witness holds for one tenant: its checkpoints in order, and whatever in it does not hold together.</summary>
public sealed record WitnessContents(IReadOnlyList<Checkpoint> Checkpoints, IReadOnlyList<string> Problems)
{
    public Checkpoint? Latest => Checkpoints.Count == 0 ? null : Checkpoints[^1];
}

/// <summary>
/// The witness: every signed checkpoint, also written where the database is not — one JSON line per checkpoint,
/// each naming the hash of the line before it, so a line cannot be removed from or edited inside the witness
/// unnoticed, and each signed, so none can be made up without the signing key. Verification seals the chain with
/// the witnessed checkpoints as with the store's own: whoever holds only the database cannot cut, rewrite or delete
/// what a witnessed checkpoint covers.
/// </summary>
public static class WitnessFormat
{
    private const string Format = "cordon-witness@1";

    /// <summary>The line before the first: the hash a first line names.</summary>
    public const string Start = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The hash of a line as the next line names it (SHA-256 of its UTF-8, hex).</summary>
    public static string LineHash(string line) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Guard.NotNull(line))));

    /// <summary>One witness line (no newline) for <paramref name="checkpoint"/>, following the line whose hash is <paramref name="previous"/>.</summary>
    public static string Line(Checkpoint checkpoint, string previous)
    {
        Guard.NotNull(checkpoint);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteString("prev", previous);
            w.WriteString("tenant", checkpoint.Tenant);
            w.WriteString("time", checkpoint.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteNumber("entries", checkpoint.Heads.Sum(h => h.Seq));
            w.WriteStartArray("heads");
            foreach (var h in checkpoint.Heads.OrderBy(h => h.Lane))
            {
                w.WriteStartArray();
                w.WriteNumberValue(h.Lane);
                w.WriteNumberValue(h.Seq);
                w.WriteStringValue(Convert.ToHexStringLower(h.Hash));
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteString("suite", CryptoSuite.ToKey(checkpoint.Suite));
            w.WriteString("key", checkpoint.KeyId);
            w.WriteString("signature", Convert.ToBase64String(checkpoint.Signature));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads a witness's lines for <paramref name="tenant"/>: each must be well formed and name the hash of the line
    /// before it. Signatures are checked by the verifier, which is given the checkpoints.
    /// </summary>
    public static WitnessContents Read(IEnumerable<string> lines, string tenant)
    {
        Guard.NotNull(lines);
        var checkpoints = new List<Checkpoint>();
        var problems = new List<string>();
        var previous = Start;
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (!TryParse(line, out var checkpoint, out var prev))
            {
                problems.Add($"witness line {number} is not a witnessed checkpoint");
                previous = LineHash(line);
                continue;
            }

            if (!string.Equals(prev, previous, StringComparison.Ordinal))
            {
                problems.Add(number == 1 || previous == Start
                    ? $"witness line {number} does not follow the start of the witness (lines before it were removed)"
                    : $"witness line {number} does not follow line {number - 1} (a line was removed, inserted or edited)");
            }

            previous = LineHash(line);
            if (!string.Equals(checkpoint.Tenant, tenant, StringComparison.Ordinal))
            {
                problems.Add($"witness line {number} is for tenant '{checkpoint.Tenant}', not '{tenant}'");
                continue;
            }

            if (checkpoints.Count > 0 && checkpoint.Heads.Any(h => checkpoints[^1].Heads.FirstOrDefault(p => p.Lane == h.Lane) is { } p && p.Seq > h.Seq))
            {
                problems.Add($"witness line {number} seals fewer entries than the line before it");
            }

            checkpoints.Add(checkpoint);
        }

        return new WitnessContents(checkpoints, problems);
    }

    private static bool TryParse(string line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Checkpoint? checkpoint, out string prev)
    {
        checkpoint = null;
        prev = string.Empty;
        try
        {
            using var doc = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 4 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || root.GetProperty("format").GetString() != Format
                || !CryptoSuite.TryParse(root.GetProperty("suite").GetString(), out var suite)
                || !DateTimeOffset.TryParseExact(root.GetProperty("time").GetString(), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                return false;
            }

            var heads = new List<LaneHead>();
            foreach (var h in root.GetProperty("heads").EnumerateArray())
            {
                heads.Add(new LaneHead(h[0].GetInt32(), h[1].GetInt64(), Convert.FromHexString(h[2].GetString() ?? string.Empty)));
            }

            prev = root.GetProperty("prev").GetString() ?? string.Empty;
            checkpoint = new Checkpoint
            {
                Tenant = root.GetProperty("tenant").GetString() ?? string.Empty,
                Time = time,
                Heads = heads,
                Suite = suite,
                KeyId = root.GetProperty("key").GetString() ?? string.Empty,
                Signature = Convert.FromBase64String(root.GetProperty("signature").GetString() ?? string.Empty),
            };
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            return false;
        }
    }
}
