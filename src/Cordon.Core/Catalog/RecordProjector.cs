using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Cordon.Core.Masking;
using Cordon.Core.Profiles;

namespace Cordon.Core.Catalog;

/// <summary>
/// What a projection keeps and masks, decided once per (type, allowed paths, masks) so that projecting
/// a record only walks it. Create with <see cref="CompiledType.CreatePlan"/>.
/// </summary>
public sealed class ProjectionPlan
{
    internal ProjectionPlan(CompiledType type, FieldAction[] actions, MaskSpec?[] masks)
    {
        Type = type;
        Actions = actions;
        Masks = masks;
        HasMasks = Array.Exists(actions, a => a == FieldAction.Mask)
            || Array.Exists(masks, m => m?.Method == MaskMethod.Redact);
    }

    public string TypeName => Type.Definition.Name;

    /// <summary>Whether any allowed path is masked or redacted, so the caller can report "permit-masked".</summary>
    public bool HasMasks { get; }

    internal CompiledType Type { get; }

    internal FieldAction[] Actions { get; }

    internal MaskSpec?[] Masks { get; }
}

/// <summary>
/// Projects a stored record for a reader: keeps <c>resourceType</c> and the allowed fields, masks what the
/// plan masks, drops everything else and any object or array left empty. One pass over the UTF-8 JSON
/// with <see cref="Utf8JsonReader"/> and <see cref="Utf8JsonWriter"/>; no document is built.
/// </summary>
public static class RecordProjector
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        Indented = false,
    };

    public static byte[] Project(ReadOnlySpan<byte> utf8Json, ProjectionPlan plan)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, utf8Json.Length));
        Project(utf8Json, plan, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the projection of <paramref name="utf8Json"/> (a JSON object) to <paramref name="output"/>. Malformed JSON throws <see cref="JsonException"/>.</summary>
    public static void Project(ReadOnlySpan<byte> utf8Json, ProjectionPlan plan, IBufferWriter<byte> output)
    {
        Guard.NotNull(plan);
        Guard.NotNull(output);
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ArgumentException("a record is a JSON object", nameof(utf8Json));
        }

        using var writer = new Utf8JsonWriter(output, WriterOptions);
        var projection = new Projection(plan, writer);
        try
        {
            writer.WriteStartObject();
            projection.Object(ref reader, new PathCursor(plan.Type.Root, -1), isRoot: true);
            writer.WriteEndObject();
        }
        finally
        {
            projection.Return();
        }

        writer.Flush();
    }

    /// <summary>One projection in progress: the writer and the containers opened lazily, written only once something goes into them.</summary>
    private sealed class Projection(ProjectionPlan plan, Utf8JsonWriter writer)
    {
        private const int StackNameLength = 128;

        private readonly FieldAction[] _actions = plan.Actions;
        private readonly MaskSpec?[] _masks = plan.Masks;
        private readonly PendingContainers _containers = new(writer);
        private readonly JsonScratch _scratch = new();

        public void Object(ref Utf8JsonReader reader, PathCursor cursor, bool isRoot = false)
        {
            var holding = cursor.Node is { ChildConditions.Length: > 0 } ? JsonScratch.Holding(reader, cursor.Node, stackalloc bool[32]) : [];
            Span<char> nameChars = stackalloc char[StackNameLength];

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var nameBytes = JsonScratch.UnescapedName(ref reader);
                var name = JsonScratch.Decode(nameBytes, nameChars);
                reader.Read();

                if (isRoot && name.SequenceEqual(PathSyntax.Discriminator))
                {
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }
                    else
                    {
                        _containers.Open();
                        writer.WritePropertyName(nameBytes);
                        _scratch.WriteToken(ref reader, writer);
                    }

                    continue;
                }

                var child = cursor.Descend(name);
                if (child.IsDead)
                {
                    reader.Skip();
                    continue;
                }

                Value(ref reader, child, child.Resolve(holding), nameBytes);
            }
        }

        private void Value(ref Utf8JsonReader reader, PathCursor cursor, int field, scoped ReadOnlySpan<byte> propertyName)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    _containers.Push(propertyName, isArray: false);
                    Object(ref reader, cursor);
                    _containers.Pop(isArray: false);
                    break;
                case JsonTokenType.StartArray:
                    _containers.Push(propertyName, isArray: true);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        Value(ref reader, cursor, field, default);
                    }

                    _containers.Pop(isArray: true);
                    break;
                default:
                    Primitive(ref reader, field, propertyName);
                    break;
            }
        }

        private void Primitive(ref Utf8JsonReader reader, int field, scoped ReadOnlySpan<byte> propertyName)
        {
            var action = field < 0 ? FieldAction.Drop : _actions[field];
            if (action == FieldAction.Drop || (action == FieldAction.Mask && reader.TokenType != JsonTokenType.String))
            {
                return;
            }

            var mask = action == FieldAction.Mask ? _masks[field] : null;
            if (mask is not null)
            {
                var masked = Mask(ref reader, mask);
                if (masked.IsEmpty && mask.Method == MaskMethod.Year)
                {
                    return;
                }

                _containers.Open();
                WriteName(propertyName);
                writer.WriteStringValue(masked);
                return;
            }

            _containers.Open();
            WriteName(propertyName);
            _scratch.WriteToken(ref reader, writer);
        }

        private ReadOnlySpan<char> Mask(ref Utf8JsonReader reader, MaskSpec mask)
        {
            var maxChars = JsonScratch.ValueLength(ref reader);
            var chars = _scratch.Chars(maxChars * 2);
            var length = reader.CopyString(chars);
            var value = chars.AsSpan(0, length);
            var destination = chars.AsSpan(length, length);
            return mask.Method switch
            {
                MaskMethod.KeepEnds => destination[..Masker.KeepEnds(value, mask.KeepStart, mask.KeepEnd, destination)],
                MaskMethod.Year => Masker.TryGetYearLength(value) ? value[..4] : [],
                _ => [],
            };
        }

        private void WriteName(ReadOnlySpan<byte> propertyName)
        {
            if (!propertyName.IsEmpty)
            {
                writer.WritePropertyName(propertyName);
            }
        }

        public void Return()
        {
            _containers.Dispose();
            _scratch.Dispose();
        }
    }
}
