using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Cordon.Core.Json;

/// <summary>Where a JSON text stops being text Cordon can store and write back: a byte offset, its line, and what is wrong.</summary>
public readonly record struct JsonTextError(long Offset, int Line, string Problem)
{
    public override string ToString() => $"line {Line}, byte {Offset + 1}: {Problem}";
}

/// <summary>
/// The text check every JSON body and imported resource passes before it is parsed: valid UTF-8, and no string or
/// property name that holds a lone surrogate (<c>"\ud83d"</c>, which no UTF-8 text can hold, so it could never be
/// written back out) or a control character other than tab, line feed and carriage return (FHIR forbids them, and no
/// identifier or name needs one). Syntax errors are left to the parser that follows, which names them.
/// </summary>
public static class StrictJson
{
    public static JsonTextError? Check(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            var offset = FirstInvalidUtf8(json);
            return new JsonTextError(offset, LineOf(json, offset), "the bytes are not UTF-8 here; send the body encoded as UTF-8");
        }

        // Only an escape can spell a lone surrogate or a control character inside a string: without one, nothing to look at.
        return json.IndexOf("\\u"u8) < 0 ? null : CheckEscapes(json);
    }

    private static JsonTextError? CheckEscapes(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256, CommentHandling = JsonCommentHandling.Disallow });
        char[]? rented = null;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped)
                {
                    continue;
                }

                var raw = reader.ValueSpan;
                if (rented is null || rented.Length < raw.Length)
                {
                    if (rented is not null)
                    {
                        ArrayPool<char>.Shared.Return(rented);
                    }

                    rented = ArrayPool<char>.Shared.Rent(raw.Length);
                }

                int written;
                try
                {
                    written = reader.CopyString(rented);
                }
                catch (InvalidOperationException)
                {
                    return At(json, reader.TokenStartIndex, reader.TokenType, "holds a lone surrogate (a \\uD800–\\uDFFF escape without its pair), which no UTF-8 text can hold; send the character's complete surrogate pair or remove it");
                }

                foreach (var c in rented.AsSpan(0, written))
                {
                    if (c < 0x20 && c is not ('\t' or '\n' or '\r'))
                    {
                        return At(json, reader.TokenStartIndex, reader.TokenType, $"holds the control character U+{(int)c:X4}; remove it");
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not well-formed: the parser that follows says where and why.
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }

        return null;
    }

    private static JsonTextError At(ReadOnlySpan<byte> json, long offset, JsonTokenType token, string problem)
        => new(offset, LineOf(json, offset), (token == JsonTokenType.PropertyName ? "the property name " : "the string ") + problem);

    private static long FirstInvalidUtf8(ReadOnlySpan<byte> json)
    {
        var offset = 0;
        while (offset < json.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(json[offset..], out _, out var consumed) != OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }

    private static int LineOf(ReadOnlySpan<byte> json, long offset) => json[..(int)Math.Min(offset, json.Length)].Count((byte)'\n') + 1;
}
