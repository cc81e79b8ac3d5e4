using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Cordon.Core.Deidentification;

/// <summary>Bundles and NDJSON: the entries found in one pass over the skeleton, then each resource de-identified with one reused walker.</summary>
internal sealed partial class Deidentifier
{
    private readonly record struct Entry(Range FullUrl, Range Resource, string? Method);

    public static Result<IReadOnlyList<DeidentifiedResource>> Bundle(DeidentificationPlan plan, ReadOnlySpan<byte> bundle, IBufferWriter<byte> output, DeidentifiedOutput shape)
    {
        var results = new List<DeidentifiedResource>();
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        using var walker = new Deidentifier(plan, writer);
        var failure = walker.Bundle(bundle, output, shape, results, subjects: null, offset: 0);
        return failure is null ? results : failure;
    }

    public static Result<IReadOnlyList<DeidentifiedResource>> Ndjson(DeidentificationPlan plan, ReadOnlySpan<byte> ndjson, IBufferWriter<byte> output)
    {
        // The Patient lines first: each is the free-text context of its subject's lines, wherever they come in the file.
        var subjects = new Dictionary<string, SubjectContext>(StringComparer.Ordinal);
        var lineNumber = 0;
        try
        {
            for (var rest = ndjson; NextLine(ref rest, out var line);)
            {
                lineNumber++;
                if (!line.IsEmpty && IsResourceType(line, "Patient"u8) && SubjectSeedOf(line) is { } id)
                {
                    subjects[id] = SubjectContext.FromPatient(line);
                }
            }
        }
        catch (JsonException e)
        {
            return DeidentificationPlan.Malformed(e, string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}"));
        }

        var results = new List<DeidentifiedResource>();
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        using var walker = new Deidentifier(plan, writer);
        lineNumber = 0;
        var offset = 0;
        for (var rest = ndjson; NextLine(ref rest, out var line);)
        {
            lineNumber++;
            var lineOffset = offset;
            offset = ndjson.Length - rest.Length;
            if (line.IsEmpty)
            {
                continue;
            }

            try
            {
                if (IsResourceType(line, "Bundle"u8))
                {
                    if (walker.Bundle(line, output, DeidentifiedOutput.Ndjson, results, subjects, lineOffset) is { } failure)
                    {
                        return failure with { Detail = $"{Where(lineNumber)}: {failure.Detail}" };
                    }

                    continue;
                }

                if (walker.Line(line, subjects, output, results) is { } lineFailure)
                {
                    return lineFailure with { Detail = $"{Where(lineNumber)}: {lineFailure.Detail}" };
                }
            }
            catch (JsonException e)
            {
                return DeidentificationPlan.Malformed(e, Where(lineNumber));
            }
            catch (ArgumentException)
            {
                return Failure.Malformed($"{Where(lineNumber)}: a string is not valid UTF-8");
            }
        }

        return results;
    }

    private static string Where(int lineNumber) => string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}");

    /// <summary>De-identifies the entries of a Bundle into <paramref name="output"/>; a failure (malformed JSON) stops it.</summary>
    private Failure? Bundle(ReadOnlySpan<byte> bundle, IBufferWriter<byte> output, DeidentifiedOutput shape, List<DeidentifiedResource> results, Dictionary<string, SubjectContext>? subjects, int offset)
    {
        var entries = new List<Entry>();
        string? bundleType;
        try
        {
            bundleType = Skeleton(bundle, entries);
        }
        catch (JsonException e)
        {
            return DeidentificationPlan.Malformed(e, "the bundle");
        }

        if (bundleType is null)
        {
            return Failure.Malformed("a bundle is a JSON object with resourceType Bundle");
        }

        // The Bundle's Patient is the subject of every entry (Synthea writes one patient's record per Bundle).
        string? patientSeed = null;
        SubjectContext? patientContext = null;
        foreach (var entry in entries)
        {
            var resource = bundle[entry.Resource];
            if (IsResourceType(resource, "Patient"u8))
            {
                patientSeed = SubjectSeedOf(resource);
                patientContext = SubjectContext.FromPatient(resource);
                break;
            }
        }

        if (shape == DeidentifiedOutput.Bundle)
        {
            writer.Reset(output);
            writer.WriteStartObject();
            writer.WriteString("resourceType"u8, "Bundle"u8);
            writer.WriteString("type"u8, bundleType);
            writer.WritePropertyName("entry"u8);
            writer.WriteStartArray();
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var resource = bundle[entry.Resource];
            var seed = patientSeed ?? SeedOf(resource);
            var context = patientContext ?? subjects?.GetValueOrDefault(seed);
            try
            {
                var failure = shape == DeidentifiedOutput.Bundle
                    ? BundleEntry(bundle, entry, seed, context, results)
                    : Line(resource, seed, context, output, results);
                if (failure is not null)
                {
                    return failure with { Detail = string.Create(CultureInfo.InvariantCulture, $"entry {i + 1}: {failure.Detail}") };
                }
            }
            catch (JsonException e)
            {
                return DeidentificationPlan.Malformed(e, string.Create(CultureInfo.InvariantCulture, $"entry {i + 1} (byte {offset + entry.Resource.Start.Value + 1})"));
            }
            catch (ArgumentException)
            {
                return Failure.Malformed(string.Create(CultureInfo.InvariantCulture, $"entry {i + 1}: a string is not valid UTF-8"));
            }
        }

        if (shape == DeidentifiedOutput.Bundle)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
        }

        return null;
    }

    private Failure? Line(ReadOnlySpan<byte> resource, string seed, SubjectContext? context, IBufferWriter<byte> output, List<DeidentifiedResource> results)
    {
        writer.Reset(output);
        var result = Resource(resource, seed, context);
        if (result.Failed)
        {
            return result.Failure;
        }

        results.Add(result.Value);
        if (result.Value.Written)
        {
            writer.Flush();
            output.Write("\n"u8);
        }

        return null;
    }

    /// <summary>
    /// An NDJSON line under the seed of the line before (one subject's lines come together), which the walk checks as it
    /// reads the members the seed is found in: a second walk only when the seed is another, instead of a search of every
    /// line before its walk. Written to a scratch buffer first, so that a second walk leaves nothing of the first.
    /// </summary>
    private Failure? Line(ReadOnlySpan<byte> resource, Dictionary<string, SubjectContext> subjects, IBufferWriter<byte> output, List<DeidentifiedResource> results)
    {
        var line = _line ??= new ArrayBufferWriter<byte>(4096);
        var check = _lineSeedCheck ??= new SeedCheck();
        var guess = _lastSeed ?? string.Empty;
        check.Clear();
        line.ResetWrittenCount();
        writer.Reset(line);
        Result<DeidentifiedResource> result;
        try
        {
            _seedCheck = check;
            result = Resource(resource, guess, subjects.GetValueOrDefault(guess));
        }
        finally
        {
            _seedCheck = null;
        }

        // A type outside the catalog (or no type) is not walked: its seed is searched for as before.
        var seed = check.Walked ? SeedOf(resource, check.Found()) : SeedOf(resource);
        if (!string.Equals(seed, guess, StringComparison.Ordinal))
        {
            line.ResetWrittenCount();
            writer.Reset(line);
            result = Resource(resource, seed, subjects.GetValueOrDefault(seed));
        }

        if (result.Failed)
        {
            return result.Failure;
        }

        results.Add(result.Value);
        if (result.Value.Written)
        {
            writer.Flush();
            output.Write(line.WrittenSpan);
            output.Write("\n"u8);
        }

        return null;
    }

    private Failure? BundleEntry(ReadOnlySpan<byte> bundle, Entry entry, string seed, SubjectContext? context, List<DeidentifiedResource> results)
    {
        var resource = bundle[entry.Resource];
        if (!TypeOf(plan, resource, out var typeName, out var type) || type is null)
        {
            var withheld = Resource(resource, seed, context);
            if (withheld.Failed)
            {
                return withheld.Failure;
            }

            results.Add(withheld.Value);
            return null;
        }

        writer.WriteStartObject();
        if (entry.FullUrl.End.Value > 0)
        {
            var fullUrl = bundle[entry.FullUrl];
            var buffer = new byte[fullUrl.Length + ValueTransforms.UuidLength];
            if (ValueTransforms.Reference(fullUrl, buffer, _pseudonymOf ??= Pseudonym, out var written))
            {
                writer.WriteString("fullUrl"u8, buffer.AsSpan(0, written));
            }
        }

        writer.WritePropertyName("resource"u8);
        var result = Resource(resource, seed, context);
        if (result.Failed)
        {
            return result.Failure;
        }

        results.Add(result.Value);
        if (entry.Method is { } method)
        {
            writer.WriteStartObject("request"u8);
            writer.WriteString("method"u8, method);
            writer.WriteString("url"u8, typeName);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        return null;
    }

    /// <summary>The Bundle's type and its entries' positions (fullUrl, resource, request method); null when it is not a Bundle.</summary>
    private static string? Skeleton(ReadOnlySpan<byte> bundle, List<Entry> entries)
    {
        var reader = new Utf8JsonReader(bundle);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? resourceType = null;
        var type = "collection";
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var which = reader.ValueTextEquals("resourceType"u8) ? 1 : reader.ValueTextEquals("type"u8) ? 2 : reader.ValueTextEquals("entry"u8) ? 3 : 0;
            reader.Read();
            switch (which)
            {
                case 1 when reader.TokenType == JsonTokenType.String:
                    resourceType = reader.GetString();
                    break;
                case 2 when reader.TokenType == JsonTokenType.String:
                    type = reader.GetString()!;
                    break;
                case 3 when reader.TokenType == JsonTokenType.StartArray:
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.StartObject && ReadEntry(ref reader) is { } entry)
                        {
                            entries.Add(entry);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }

                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return resourceType == "Bundle" ? type : null;
    }

    private static Entry? ReadEntry(ref Utf8JsonReader reader)
    {
        Range fullUrl = default;
        Range resource = default;
        string? method = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var which = reader.ValueTextEquals("fullUrl"u8) ? 1 : reader.ValueTextEquals("resource"u8) ? 2 : reader.ValueTextEquals("request"u8) ? 3 : 0;
            reader.Read();
            if (which == 1 && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
            {
                var start = (int)reader.TokenStartIndex + 1;
                fullUrl = start..(start + reader.ValueSpan.Length);
            }
            else if (which == 2 && reader.TokenType == JsonTokenType.StartObject)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                resource = start..(int)reader.BytesConsumed;
            }
            else if (which == 3 && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isMethod = reader.ValueTextEquals("method"u8);
                    reader.Read();
                    if (isMethod && reader.TokenType == JsonTokenType.String)
                    {
                        method = reader.GetString();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return resource.End.Value > 0 ? new Entry(fullUrl, resource, method) : null;
    }

    private static bool NextLine(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> line)
    {
        if (rest.IsEmpty)
        {
            line = default;
            return false;
        }

        var end = rest.IndexOf((byte)'\n');
        line = end < 0 ? rest : rest[..end];
        rest = end < 0 ? [] : rest[(end + 1)..];
        line = line.TrimEnd((byte)'\r').Trim((byte)' ');
        return true;
    }
}
