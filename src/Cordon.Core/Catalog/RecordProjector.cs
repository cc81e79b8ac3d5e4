using System.Buffers;
using System.Text;
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
        private readonly List<Pending> _pending = [];
        private byte[] _names = ArrayPool<byte>.Shared.Rent(256);
        private int _namesLength;
        private int _opened;
        private char[]? _chars;
        private byte[]? _bytes;

        public void Object(ref Utf8JsonReader reader, PathCursor cursor, bool isRoot = false)
        {
            Span<bool> holding = cursor.Node is { ChildConditions.Length: > 0 } node
                ? Look(reader, node.ChildConditions, node.ChildConditions.Length <= 32 ? stackalloc bool[node.ChildConditions.Length] : new bool[node.ChildConditions.Length])
                : [];
            Span<char> nameChars = stackalloc char[StackNameLength];

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var nameBytes = UnescapedName(ref reader);
                var name = Decode(nameBytes, nameChars);
                reader.Read();

                if (isRoot && name.SequenceEqual(PathSyntax.Discriminator))
                {
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }
                    else
                    {
                        OpenPending();
                        writer.WritePropertyName(nameBytes);
                        WriteToken(ref reader);
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
                    Push(propertyName, isArray: false);
                    Object(ref reader, cursor);
                    Pop(isArray: false);
                    break;
                case JsonTokenType.StartArray:
                    Push(propertyName, isArray: true);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        Value(ref reader, cursor, field, default);
                    }

                    Pop(isArray: true);
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

                OpenPending();
                WriteName(propertyName);
                writer.WriteStringValue(masked);
                return;
            }

            OpenPending();
            WriteName(propertyName);
            WriteToken(ref reader);
        }

        private ReadOnlySpan<char> Mask(ref Utf8JsonReader reader, MaskSpec mask)
        {
            var maxChars = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
            var chars = RentChars(maxChars * 2);
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

        private void WriteToken(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped || reader.HasValueSequence)
                    {
                        var max = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                        var bytes = RentBytes(max);
                        var length = reader.CopyString(bytes);
                        writer.WriteStringValue(bytes.AsSpan(0, length));
                    }
                    else
                    {
                        writer.WriteStringValue(reader.ValueSpan);
                    }

                    break;
                case JsonTokenType.Number:
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                    writer.WriteBooleanValue(true);
                    break;
                case JsonTokenType.False:
                    writer.WriteBooleanValue(false);
                    break;
                default:
                    writer.WriteNullValue();
                    break;
            }
        }

        private void WriteName(ReadOnlySpan<byte> propertyName)
        {
            if (!propertyName.IsEmpty)
            {
                writer.WritePropertyName(propertyName);
            }
        }

        private void Push(ReadOnlySpan<byte> propertyName, bool isArray)
        {
            if (_namesLength + propertyName.Length > _names.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_names.Length * 2, _namesLength + propertyName.Length));
                _names.AsSpan(0, _namesLength).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_names);
                _names = larger;
            }

            propertyName.CopyTo(_names.AsSpan(_namesLength));
            _pending.Add(new Pending(_namesLength, propertyName.Length, !propertyName.IsEmpty, isArray));
            _namesLength += propertyName.Length;
        }

        private void Pop(bool isArray)
        {
            var last = _pending.Count - 1;
            if (_opened == _pending.Count)
            {
                if (isArray)
                {
                    writer.WriteEndArray();
                }
                else
                {
                    writer.WriteEndObject();
                }

                _opened--;
            }

            _namesLength = _pending[last].NameStart;
            _pending.RemoveAt(last);
        }

        /// <summary>Writes the containers that were entered but not yet written, now that a value goes into them.</summary>
        private void OpenPending()
        {
            for (; _opened < _pending.Count; _opened++)
            {
                var p = _pending[_opened];
                if (p.HasName)
                {
                    writer.WritePropertyName(_names.AsSpan(p.NameStart, p.NameLength));
                }

                if (p.IsArray)
                {
                    writer.WriteStartArray();
                }
                else
                {
                    writer.WriteStartObject();
                }
            }
        }

        private ReadOnlySpan<byte> UnescapedName(ref Utf8JsonReader reader)
        {
            if (!reader.ValueIsEscaped && !reader.HasValueSequence)
            {
                return reader.ValueSpan;
            }

            var max = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
            var bytes = new byte[max];
            var length = reader.CopyString(bytes);
            return bytes.AsSpan(0, length);
        }

        private static ReadOnlySpan<char> Decode(ReadOnlySpan<byte> utf8, Span<char> buffer)
        {
            if (utf8.Length <= buffer.Length)
            {
                var written = Encoding.UTF8.GetChars(utf8, buffer);
                return buffer[..written];
            }

            return Encoding.UTF8.GetString(utf8);
        }

        /// <summary>
        /// Looks ahead through the object the reader stands at (a copy of the reader, so nothing is consumed) to see
        /// which of the children's <c>when</c> conditions hold: a sibling may come after the value it governs.
        /// </summary>
        private static Span<bool> Look(Utf8JsonReader scan, NodeCondition[] conditions, Span<bool> holding)
        {
            holding.Clear();
            Span<bool> named = conditions.Length <= 32 ? stackalloc bool[conditions.Length] : new bool[conditions.Length];
            var depth = scan.CurrentDepth;
            while (scan.Read())
            {
                if (scan.TokenType == JsonTokenType.EndObject && scan.CurrentDepth == depth)
                {
                    break;
                }

                if (scan.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                var matchesAny = false;
                for (var i = 0; i < conditions.Length; i++)
                {
                    named[i] = scan.ValueTextEquals(conditions[i].Sibling);
                    matchesAny |= named[i];
                }

                scan.Read();
                if (scan.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    scan.Skip();
                    continue;
                }

                if (!matchesAny)
                {
                    continue;
                }

                for (var i = 0; i < conditions.Length; i++)
                {
                    if (named[i])
                    {
                        holding[i] = scan.TokenType == JsonTokenType.String
                            ? scan.ValueTextEquals(conditions[i].Utf8Value)
                            : scan.TokenType != JsonTokenType.Null && scan.ValueSpan.SequenceEqual(conditions[i].Utf8Value);
                    }
                }
            }

            return holding;
        }

        private char[] RentChars(int length)
        {
            if (_chars is null || _chars.Length < length)
            {
                if (_chars is not null)
                {
                    ArrayPool<char>.Shared.Return(_chars);
                }

                _chars = ArrayPool<char>.Shared.Rent(Math.Max(length, 64));
            }

            return _chars;
        }

        private byte[] RentBytes(int length)
        {
            if (_bytes is null || _bytes.Length < length)
            {
                if (_bytes is not null)
                {
                    ArrayPool<byte>.Shared.Return(_bytes);
                }

                _bytes = ArrayPool<byte>.Shared.Rent(Math.Max(length, 64));
            }

            return _bytes;
        }

        public void Return()
        {
            ArrayPool<byte>.Shared.Return(_names);
            if (_chars is not null)
            {
                ArrayPool<char>.Shared.Return(_chars);
            }

            if (_bytes is not null)
            {
                ArrayPool<byte>.Shared.Return(_bytes);
            }
        }

        private readonly record struct Pending(int NameStart, int NameLength, bool HasName, bool IsArray);
    }
}
