using System.Diagnostics.CodeAnalysis;

namespace Cordon.Core.Identifiers;

/// <summary>
/// A mainland China mobile number: 11 digits, <c>1[3-9]</c> followed by nine digits. Parsing accepts
/// a <c>+86</c>, <c>0086</c> or <c>86</c> prefix and spaces or hyphens anywhere; the normalised
/// value is the 11 digits. <see cref="ToString"/> never shows the number.
/// </summary>
public sealed class ChineseMobile : IEquatable<ChineseMobile>
{
    public const int Length = 11;

    private ChineseMobile(string value) => Value = value;

    /// <summary>The 11 digits, without country code or separators.</summary>
    public string Value { get; }

    public static ParseResult<ChineseMobile> Parse(ReadOnlySpan<char> text)
    {
        Span<char> digits = stackalloc char[Length];
        var error = Normalize(text, digits);
        return error is null
            ? ParseResult<ChineseMobile>.Ok(new ChineseMobile(new string(digits)))
            : ParseResult<ChineseMobile>.Fail(error);
    }

    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out ChineseMobile? mobile)
        => Parse(text).TryGetValue(out mobile);

    public static bool IsValid(ReadOnlySpan<char> text) => Validate(text) is null;

    /// <summary>Why <paramref name="text"/> is not a mainland mobile number (null when it is), without allocating. The reason never contains the input.</summary>
    public static string? Validate(ReadOnlySpan<char> text)
    {
        Span<char> digits = stackalloc char[Length];
        return Normalize(text, digits);
    }

    public bool Equals(ChineseMobile? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ChineseMobile);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>Never the number. Use <see cref="Value"/>.</summary>
    public override string ToString() => "ChineseMobile(redacted)";

    private static string? Normalize(ReadOnlySpan<char> text, Span<char> digits)
    {
        text = text.Trim();
        if (text.StartsWith("+86", StringComparison.Ordinal))
        {
            text = text[3..];
        }
        else if (text.StartsWith("0086", StringComparison.Ordinal))
        {
            text = text[4..];
        }

        // Up to 13 digits so that a bare "86" country prefix can be recognised afterwards.
        Span<char> all = stackalloc char[Length + 2];
        var n = 0;
        foreach (var c in text)
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            if (!char.IsAsciiDigit(c))
            {
                return "a mobile number has only digits, spaces, hyphens and an optional +86";
            }

            if (n == all.Length)
            {
                return "a mainland mobile number has 11 digits";
            }

            all[n++] = c;
        }

        ReadOnlySpan<char> number = all[..n];
        if (n == Length + 2 && number.StartsWith("86", StringComparison.Ordinal))
        {
            number = number[2..];
        }

        if (number.Length != Length)
        {
            return "a mainland mobile number has 11 digits";
        }

        if (number[0] != '1' || number[1] < '3')
        {
            return "a mainland mobile number starts with 13 to 19";
        }

        number.CopyTo(digits);
        return null;
    }
}
