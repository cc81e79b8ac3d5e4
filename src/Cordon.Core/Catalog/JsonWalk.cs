using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Cordon.Core.Catalog;

/// <summary>
/// The containers a walk over a JSON document has entered but not yet written: each is written only once a value goes
/// into it, so an object or array whose every value was dropped leaves nothing behind.
/// </summary>
internal sealed class PendingContainers(Utf8JsonWriter writer) : IDisposable
{
    private readonly List<Pending> _pending = [];
    private byte[] _names = ArrayPool<byte>.Shared.Rent(256);
    private int _namesLength;
    private int _opened;

    public void Push(ReadOnlySpan<byte> propertyName, bool isArray)
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

    public void Pop(bool isArray)
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
    public void Open()
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

    public void Dispose() => ArrayPool<byte>.Shared.Return(_names);

    private readonly record struct Pending(int NameStart, int NameLength, bool HasName, bool IsArray);
}

/// <summary>Buffers and token helpers shared by the one-pass walkers (projection, de-identification); rented, returned on dispose.</summary>
internal sealed class JsonScratch : IDisposable
{
    private char[]? _chars;
    private byte[]? _bytes;

    /// <summary>A property name without escapes (a copy only when the name was escaped or split).</summary>
    public static ReadOnlySpan<byte> UnescapedName(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan;
        }

        var bytes = new byte[ValueLength(ref reader)];
        var length = reader.CopyString(bytes);
        return bytes.AsSpan(0, length);
    }

    /// <summary>The bytes of the string token the reader stands at, unescaped (in this scratch's byte buffer when it had escapes).</summary>
    public ReadOnlySpan<byte> UnescapedString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan;
        }

        var bytes = Bytes(ValueLength(ref reader));
        var length = reader.CopyString(bytes);
        return bytes.AsSpan(0, length);
    }

    public static int ValueLength(ref Utf8JsonReader reader)
        => reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;

    public static ReadOnlySpan<char> Decode(ReadOnlySpan<byte> utf8, Span<char> buffer)
    {
        if (utf8.Length <= buffer.Length)
        {
            var written = Encoding.UTF8.GetChars(utf8, buffer);
            return buffer[..written];
        }

        return Encoding.UTF8.GetString(utf8);
    }

    /// <summary>Copies the primitive token the reader stands at to the writer.</summary>
    public void WriteToken(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                writer.WriteStringValue(UnescapedString(ref reader));
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

    /// <summary>
    /// Looks ahead through the object the reader stands at (a copy of the reader, so nothing is consumed) to see
    /// which of the children's <c>when</c> conditions hold: a sibling may come after the value it governs.
    /// </summary>
    public static Span<bool> Look(Utf8JsonReader scan, NodeCondition[] conditions, Span<bool> holding)
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

    /// <summary>The conditions of <paramref name="node"/>'s children that hold in the object the reader stands at.</summary>
    public static Span<bool> Holding(Utf8JsonReader reader, PathNode? node, Span<bool> stack)
        => node is { ChildConditions.Length: > 0 } n
            ? Look(reader, n.ChildConditions, n.ChildConditions.Length <= stack.Length ? stack[..n.ChildConditions.Length] : new bool[n.ChildConditions.Length])
            : [];

    public char[] Chars(int length)
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

    public byte[] Bytes(int length)
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

    public void Dispose()
    {
        if (_chars is not null)
        {
            ArrayPool<char>.Shared.Return(_chars);
            _chars = null;
        }

        if (_bytes is not null)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = null;
        }
    }
}
