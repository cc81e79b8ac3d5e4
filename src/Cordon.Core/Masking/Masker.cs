using Cordon.Core.Profiles;

namespace Cordon.Core.Masking;

/// <summary>
/// The mask methods of a profile applied to text: keep the ends of a value and star the middle
/// (<c>110105********1234</c>, <c>138****5678</c>, <c>张**</c>), or keep a date's year. Lengths are
/// counted in characters as a person sees them (a supplementary-plane character is one).
/// </summary>
public static class Masker
{
    public const char MaskCharacter = '*';

    /// <summary>
    /// Keeps <paramref name="keepStart"/> leading and <paramref name="keepEnd"/> trailing characters and
    /// replaces each other character with <c>*</c>. When the value is not longer than the kept characters,
    /// every character is starred: a short value is never shown whole.
    /// </summary>
    public static string KeepEnds(string value, int keepStart, int keepEnd)
    {
        Guard.NotNull(value);
        CheckCounts(keepStart, keepEnd);
        if (value.Length == 0)
        {
            return value;
        }

        if (!ContainsSurrogates(value))
        {
            return string.Create(value.Length, (value, keepStart, keepEnd), static (span, state) => KeepEnds(state.value, state.keepStart, state.keepEnd, span));
        }

        var buffer = new char[value.Length];
        var written = KeepEndsByRune(value, keepStart, keepEnd, buffer);
        return new string(buffer, 0, written);
    }

    /// <summary>
    /// Writes the masked form of <paramref name="value"/> into <paramref name="destination"/>, which must be at
    /// least as long as the value, and returns the number of characters written (never more than the value's length).
    /// </summary>
    public static int KeepEnds(ReadOnlySpan<char> value, int keepStart, int keepEnd, Span<char> destination)
    {
        CheckCounts(keepStart, keepEnd);
        Guard.That(destination.Length >= value.Length, "the destination holds the value");

        if (!ContainsSurrogates(value))
        {
            var length = value.Length;
            if (length <= keepStart + keepEnd)
            {
                destination[..length].Fill(MaskCharacter);
                return length;
            }

            value[..keepStart].CopyTo(destination);
            destination[keepStart..(length - keepEnd)].Fill(MaskCharacter);
            value[(length - keepEnd)..].CopyTo(destination[(length - keepEnd)..]);
            return length;
        }

        return KeepEndsByRune(value, keepStart, keepEnd, destination);
    }

    /// <summary>The year of a FHIR date or dateTime (<c>1987-05-12</c> → <c>1987</c>); null when the value does not start with one.</summary>
    public static string? Year(string value)
    {
        Guard.NotNull(value);
        return TryGetYearLength(value) ? value[..4] : null;
    }

    /// <summary>Whether the value starts with a four-digit year followed by nothing, '-' or 'T'.</summary>
    public static bool TryGetYearLength(ReadOnlySpan<char> value)
        => value.Length >= 4
            && char.IsAsciiDigit(value[0]) && char.IsAsciiDigit(value[1]) && char.IsAsciiDigit(value[2]) && char.IsAsciiDigit(value[3])
            && (value.Length == 4 || value[4] == '-');

    /// <summary>Applies a mask to a text value; null means the value is removed (<see cref="MaskMethod.Redact"/>, or a year mask on a value without a year).</summary>
    public static string? Apply(MaskSpec mask, string value)
    {
        Guard.NotNull(mask);
        return mask.Method switch
        {
            MaskMethod.KeepEnds => KeepEnds(value, mask.KeepStart, mask.KeepEnd),
            MaskMethod.Year => Year(value),
            _ => null,
        };
    }

    private static void CheckCounts(int keepStart, int keepEnd)
        => Guard.That(keepStart >= 0 && keepEnd >= 0, "kept counts are not negative");

    private static bool ContainsSurrogates(ReadOnlySpan<char> value)
        => value.IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    private static int KeepEndsByRune(ReadOnlySpan<char> value, int keepStart, int keepEnd, Span<char> destination)
    {
        var runes = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            runes++;
        }

        var maskAll = runes <= keepStart + keepEnd;
        var index = 0;
        var written = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (!maskAll && (index < keepStart || index >= runes - keepEnd))
            {
                written += rune.EncodeToUtf16(destination[written..]);
            }
            else
            {
                destination[written++] = MaskCharacter;
            }

            index++;
        }

        return written;
    }
}
