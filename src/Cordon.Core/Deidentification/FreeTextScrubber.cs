using System.Buffers;
using System.Text;
using System.Text.Json;
using Cordon.Core.Identifiers;

namespace Cordon.Core.Deidentification;

/// <summary>
/// What a subject's own record says about them, to find again in free text: names, address lines, contact values and
/// identifier values, each with the placeholder that replaces it. Built from the subject's Patient resource.
/// </summary>
public sealed class SubjectContext
{
    private static readonly byte[] NamePlaceholder = "[NAME]"u8.ToArray();
    private static readonly byte[] AddressPlaceholder = "[ADDRESS]"u8.ToArray();
    private static readonly byte[] PhonePlaceholder = "[PHONE]"u8.ToArray();
    private static readonly byte[] IdPlaceholder = "[ID]"u8.ToArray();

    private SubjectContext(List<(byte[] Text, byte[] Placeholder)> terms)
    {
        // Longest first, so that a full name is replaced before the given name inside it.
        Terms = [.. terms.DistinctBy(t => Convert.ToBase64String(t.Text)).OrderByDescending(t => t.Text.Length)];
        foreach (var (text, _) in Terms)
        {
            FirstBytes[Fold(text[0])] = true;
        }

        var candidates = new List<byte>();
        for (var b = 0; b < 256; b++)
        {
            if (FirstBytes[Fold((byte)b)] || char.IsAsciiDigit((char)b) || b is '+' or '@')
            {
                candidates.Add((byte)b);
            }
        }

        Candidates = SearchValues.Create([.. candidates]);
    }

    public static SubjectContext Empty { get; } = new([]);

    internal (byte[] Text, byte[] Placeholder)[] Terms { get; }

    /// <summary>Which (ASCII-folded) bytes start a term, so that most positions of a text are passed over at once.</summary>
    internal bool[] FirstBytes { get; } = new bool[256];

    /// <summary>The bytes at which the scrubber may find something (a term's first byte in either case, a digit, + or @): it passes over the rest at once.</summary>
    internal SearchValues<byte> Candidates { get; }

    public int Count => Terms.Length;

    /// <summary>The names, address lines, telecom and identifier values of a FHIR Patient (UTF-8 JSON). Malformed JSON throws <see cref="JsonException"/>.</summary>
    public static SubjectContext FromPatient(ReadOnlySpan<byte> patientUtf8)
    {
        var terms = new List<(byte[], byte[])>();
        var reader = new Utf8JsonReader(patientUtf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return Empty;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var section = reader.ValueTextEquals("name"u8) ? NamePlaceholder
                : reader.ValueTextEquals("address"u8) ? AddressPlaceholder
                : reader.ValueTextEquals("telecom"u8) ? PhonePlaceholder
                : reader.ValueTextEquals("identifier"u8) ? IdPlaceholder
                : null;
            reader.Read();
            if (section is null || reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
            {
                reader.Skip();
                continue;
            }

            Collect(ref reader, section, terms);
        }

        return new SubjectContext(terms);
    }

    /// <summary>Collects the string values of one section (name, address …) at the element names that identify, at any depth below it.</summary>
    private static void Collect(ref Utf8JsonReader reader, byte[] placeholder, List<(byte[], byte[])> terms)
    {
        var depth = reader.CurrentDepth;
        var wanted = false;
        while (reader.Read() && !(reader.CurrentDepth == depth && reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject))
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                wanted = ReferenceEquals(placeholder, NamePlaceholder)
                    ? reader.ValueTextEquals("family"u8) || reader.ValueTextEquals("given"u8) || reader.ValueTextEquals("text"u8)
                    : ReferenceEquals(placeholder, AddressPlaceholder)
                        ? reader.ValueTextEquals("line"u8) || reader.ValueTextEquals("text"u8)
                        : reader.ValueTextEquals("value"u8);
                continue;
            }

            if (wanted && reader.TokenType == JsonTokenType.String)
            {
                var value = reader.GetString()!.Trim();
                // One character (a Chinese family name alone, an initial) would replace too much of any text.
                if (value.Length >= 2)
                {
                    terms.Add((Encoding.UTF8.GetBytes(value), placeholder));
                }
            }
        }
    }

    internal static byte Fold(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
}

/// <summary>
/// Finds identifying values in free text and replaces them: resident ID numbers whose GB 11643 check character holds
/// (<c>[ID]</c>), mainland mobiles with or without +86 (<c>[MOBILE]</c>), e-mail addresses (<c>[EMAIL]</c>) and the
/// subject's own names, address lines, contact and identifier values (<c>[NAME]</c>, <c>[ADDRESS]</c>, <c>[PHONE]</c>,
/// <c>[ID]</c>). A hand scan over the UTF-8 bytes, linear in the text's length: no regular expression, no backtracking.
/// </summary>
public static class FreeTextScrubber
{
    /// <summary>The longest run of digits, separators and a leading + that can be one number (a mobile with +86 and separators, an ID with spaces).</summary>
    private const int MaxNumberRun = 24;

    /// <summary>The text with every finding replaced (as a string), and how many were replaced.</summary>
    public static (string Text, int Replaced) Scrub(string text, SubjectContext? context = null)
    {
        Guard.NotNull(text);
        var output = new ArrayBufferWriter<byte>(text.Length + 16);
        var replaced = Scrub(Encoding.UTF8.GetBytes(text), context ?? SubjectContext.Empty, output);
        return (replaced == 0 ? text : Encoding.UTF8.GetString(output.WrittenSpan), replaced);
    }

    /// <summary>Writes <paramref name="text"/> with its findings replaced to <paramref name="output"/> when there is any; returns how many (0: nothing written).</summary>
    public static int Scrub(ReadOnlySpan<byte> text, SubjectContext context, IBufferWriter<byte> output)
    {
        Guard.NotNull(context);
        Guard.NotNull(output);
        var replaced = 0;
        var emitted = 0;
        var i = 0;
        while (i < text.Length)
        {
            var next = text[i..].IndexOfAny(context.Candidates);
            if (next < 0)
            {
                break;
            }

            i += next;
            var b = text[i];
            if (context.FirstBytes[SubjectContext.Fold(b)] && (b >= 0x80 || !IsWordByte(text, i - 1)) && Term(text, i, context) is { } term)
            {
                Emit(text, ref emitted, i, i + term.Text.Length, term.Placeholder, output);
                replaced++;
                i += term.Text.Length;
                continue;
            }

            if ((char.IsAsciiDigit((char)b) || b == '+') && !IsWordByte(text, i - 1))
            {
                var (length, placeholder) = Number(text, i);
                if (placeholder is not null)
                {
                    Emit(text, ref emitted, i, i + length, placeholder, output);
                    replaced++;
                    i += length;
                    continue;
                }

                i++;
                while (i < text.Length && char.IsAsciiDigit((char)text[i]))
                {
                    i++;
                }

                continue;
            }

            if (b == '@' && Email(text, i, emitted) is var (start, end) && end > start)
            {
                Emit(text, ref emitted, start, end, "[EMAIL]"u8, output);
                replaced++;
                i = end;
                continue;
            }

            i++;
        }

        if (replaced > 0)
        {
            output.Write(text[emitted..]);
        }

        return replaced;
    }

    private static void Emit(ReadOnlySpan<byte> text, ref int emitted, int start, int end, ReadOnlySpan<byte> placeholder, IBufferWriter<byte> output)
    {
        output.Write(text[emitted..start]);
        output.Write(placeholder);
        emitted = end;
    }

    /// <summary>A resident ID or mobile number starting at <paramref name="start"/>: its length and placeholder, or null.</summary>
    private static (int Length, byte[]? Placeholder) Number(ReadOnlySpan<byte> text, int start)
    {
        Span<char> chars = stackalloc char[MaxNumberRun];
        var n = 0;
        var digits = 0;
        var j = start;
        if (text[j] == '+')
        {
            chars[n++] = '+';
            j++;
        }

        var contiguous = -1;
        while (j < text.Length && n < MaxNumberRun)
        {
            var c = (char)text[j];
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if ((c is ' ' or '-') && digits > 0 && j + 1 < text.Length && char.IsAsciiDigit((char)text[j + 1]))
            {
                contiguous = contiguous < 0 ? n : contiguous;
            }
            else if (c is 'x' or 'X' && digits == 17)
            {
                chars[n++] = c;
                j++;
                break;
            }
            else
            {
                break;
            }

            chars[n++] = c;
            j++;
        }

        if (Classify(chars[..n], text, j) is { } whole)
        {
            return (n, whole);
        }

        // The digits before the first separator on their own: a mobile followed by other numbers.
        if (contiguous > 0 && Classify(chars[..contiguous], text, start + contiguous) is { } first)
        {
            return (contiguous, first);
        }

        return (0, null);
    }

    private static byte[]? Classify(ReadOnlySpan<char> candidate, ReadOnlySpan<byte> text, int end)
    {
        if (IsWordByte(text, end))
        {
            return null;
        }

        if (candidate.Length >= ChineseResidentId.Length && ChineseResidentId.IsValid(candidate))
        {
            return IdPlaceholder;
        }

        return candidate.Length >= ChineseMobile.Length && ChineseMobile.IsValid(candidate) ? MobilePlaceholder : null;
    }

    private static readonly byte[] IdPlaceholder = "[ID]"u8.ToArray();
    private static readonly byte[] MobilePlaceholder = "[MOBILE]"u8.ToArray();

    /// <summary>The e-mail address around the <c>@</c> at <paramref name="at"/>, not reaching back before <paramref name="floor"/>.</summary>
    private static (int Start, int End)? Email(ReadOnlySpan<byte> text, int at, int floor)
    {
        var start = at;
        while (start > floor && IsLocalByte(text[start - 1]))
        {
            start--;
        }

        var end = at + 1;
        var lastDot = -1;
        while (end < text.Length && (char.IsAsciiLetterOrDigit((char)text[end]) || text[end] is (byte)'-' or (byte)'.'))
        {
            lastDot = text[end] == '.' ? end : lastDot;
            end++;
        }

        // A domain ends in a label of letters: trailing dots (end of sentence) are not part of it.
        while (end > at + 1 && text[end - 1] == '.')
        {
            end--;
            lastDot = text[..end].LastIndexOf((byte)'.');
        }

        var hasTopLevel = lastDot > at + 1 && end - lastDot >= 3 && AllLetters(text[(lastDot + 1)..end]);
        return start < at && hasTopLevel ? (start, end) : null;
    }

    private static bool AllLetters(ReadOnlySpan<byte> label)
    {
        foreach (var b in label)
        {
            if (!char.IsAsciiLetter((char)b))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLocalByte(byte b) => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'.' or (byte)'_' or (byte)'%' or (byte)'+' or (byte)'-';

    /// <summary>Whether the byte at <paramref name="index"/> continues a word (an ASCII letter or digit); outside the text it does not.</summary>
    private static bool IsWordByte(ReadOnlySpan<byte> text, int index)
        => index >= 0 && index < text.Length && char.IsAsciiLetterOrDigit((char)text[index]);

    private static (byte[] Text, byte[] Placeholder)? Term(ReadOnlySpan<byte> text, int at, SubjectContext context)
    {
        foreach (var term in context.Terms)
        {
            var t = term.Text;
            if (at + t.Length > text.Length || !Ascii.EqualsIgnoreCase(text.Slice(at, t.Length), t) && !text.Slice(at, t.Length).SequenceEqual(t))
            {
                continue;
            }

            // Latin words match whole: "Ann" is not replaced inside "Annual". Chinese text has no spaces between words.
            var asciiStart = t[0] < 0x80;
            var asciiEnd = t[^1] < 0x80;
            if ((asciiStart && IsWordByte(text, at - 1)) || (asciiEnd && IsWordByte(text, at + t.Length)))
            {
                continue;
            }

            return term;
        }

        return null;
    }
}
