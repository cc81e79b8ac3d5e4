using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Cordon.Core.Identifiers;

/// <summary>The sex recorded in a resident identity number (odd sequence: male, even: female).</summary>
public enum RecordedSex : byte
{
    Female,
    Male,
}

/// <summary>
/// A Chinese resident identity card number (公民身份号码), GB 11643-1999: a six-digit area code
/// (GB/T 2260), the birth date as YYYYMMDD, a three-digit sequence whose last digit gives the sex,
/// and an ISO 7064 MOD 11-2 check character (0–9 or X). An instance is always valid and normalised
/// (upper-case X, no spaces). <see cref="ToString"/> never shows the number.
/// </summary>
public sealed class ChineseResidentId : IEquatable<ChineseResidentId>
{
    /// <summary>Birth dates before this are refused as implausible.</summary>
    public static readonly DateOnly EarliestBirthDate = new(1850, 1, 1);

    public const int Length = 18;

    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    // Province-level prefixes of GB/T 2260, plus 81/82/83 used by residence permits for Hong Kong,
    // Macao and Taiwan residents.
    private static readonly int[] Provinces =
    [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
        50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
    ];

    private ChineseResidentId(string value, DateOnly birthDate, int sequence)
    {
        Value = value;
        BirthDate = birthDate;
        Sequence = sequence;
    }

    /// <summary>The normalised 18-character number.</summary>
    public string Value { get; }

    /// <summary>The six-digit administrative division code where the number was first issued.</summary>
    public string AreaCode => Value[..6];

    public DateOnly BirthDate { get; }

    /// <summary>The three-digit sequence (order code) for people of the same area and birth date.</summary>
    public int Sequence { get; }

    public RecordedSex Sex => Sequence % 2 == 1 ? RecordedSex.Male : RecordedSex.Female;

    public char CheckCharacter => Value[17];

    /// <summary>Parses a number, ignoring spaces and accepting a lower-case x. Birth dates after <paramref name="notAfter"/> are refused when it is given.</summary>
    public static ParseResult<ChineseResidentId> Parse(ReadOnlySpan<char> text, DateOnly? notAfter = null)
    {
        Span<char> buffer = stackalloc char[Length];
        var error = Normalize(text, buffer, out var birthDate, out var sequence, notAfter);
        return error is null
            ? ParseResult<ChineseResidentId>.Ok(new ChineseResidentId(new string(buffer), birthDate, sequence))
            : ParseResult<ChineseResidentId>.Fail(error);
    }

    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out ChineseResidentId? id)
        => Parse(text).TryGetValue(out id);

    /// <summary>Whether <paramref name="text"/> is a valid number, without allocating.</summary>
    public static bool IsValid(ReadOnlySpan<char> text) => Validate(text) is null;

    /// <summary>Why <paramref name="text"/> is not a valid number (null when it is), without allocating. The reason never contains the input.</summary>
    public static string? Validate(ReadOnlySpan<char> text, DateOnly? notAfter = null)
    {
        Span<char> buffer = stackalloc char[Length];
        return Normalize(text, buffer, out _, out _, notAfter);
    }

    /// <summary>The ISO 7064 MOD 11-2 check character for the first 17 digits.</summary>
    public static char ComputeCheckCharacter(ReadOnlySpan<char> first17)
    {
        Guard.That(first17.Length == 17, "17 digits are needed");
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var c = first17[i];
            Guard.That(char.IsAsciiDigit(c), "only digits");
            sum += (c - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }

    /// <summary>Builds a valid number for test and demo data.</summary>
    public static ChineseResidentId Create(string areaCode, DateOnly birthDate, int sequence)
    {
        Guard.That(areaCode is { Length: 6 } && areaCode.All(char.IsAsciiDigit), "the area code has six digits");
        Guard.That(sequence is >= 0 and <= 999, "the sequence has three digits");
        var first17 = string.Create(CultureInfo.InvariantCulture, $"{areaCode}{birthDate:yyyyMMdd}{sequence:000}");
        var parsed = Parse(first17 + ComputeCheckCharacter(first17));
        Guard.That(parsed.Success, parsed.Error ?? "invalid");
        return parsed.Value;
    }

    public bool Equals(ChineseResidentId? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ChineseResidentId);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>Never the number: an identity number must not reach a log line by accident. Use <see cref="Value"/>.</summary>
    public override string ToString() => "ChineseResidentId(redacted)";

    private static string? Normalize(ReadOnlySpan<char> text, Span<char> buffer, out DateOnly birthDate, out int sequence, DateOnly? notAfter)
    {
        birthDate = default;
        sequence = 0;
        var n = 0;
        foreach (var c in text)
        {
            if (c == ' ')
            {
                continue;
            }

            if (n == Length)
            {
                return "a resident identity number has 18 characters";
            }

            buffer[n++] = c == 'x' ? 'X' : c;
        }

        if (n != Length)
        {
            return "a resident identity number has 18 characters";
        }

        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(buffer[i]))
            {
                return "the first 17 characters of a resident identity number are digits";
            }
        }

        if (!char.IsAsciiDigit(buffer[17]) && buffer[17] != 'X')
        {
            return "the check character of a resident identity number is a digit or X";
        }

        var province = ((buffer[0] - '0') * 10) + (buffer[1] - '0');
        if (Array.IndexOf(Provinces, province) < 0)
        {
            return "the area code is not a Chinese administrative division";
        }

        if (!DateOnly.TryParseExact(buffer.Slice(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out birthDate))
        {
            return "the birth date in a resident identity number is not a valid date";
        }

        if (birthDate < EarliestBirthDate)
        {
            return "the birth date in a resident identity number is implausibly early";
        }

        if (notAfter is { } limit && birthDate > limit)
        {
            return "the birth date in a resident identity number is in the future";
        }

        sequence = ((buffer[14] - '0') * 100) + ((buffer[15] - '0') * 10) + (buffer[16] - '0');
        if (ComputeCheckCharacter(buffer[..17]) != buffer[17])
        {
            return "the check character of a resident identity number does not match (ISO 7064 MOD 11-2)";
        }

        return null;
    }
}
