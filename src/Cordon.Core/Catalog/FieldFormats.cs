using Cordon.Core.Identifiers;

namespace Cordon.Core.Catalog;

/// <summary>Validation of <see cref="FieldFormat"/>s and normalisation of blind-index values. Reasons never contain the value.</summary>
public static class FieldFormats
{
    /// <summary>Blind-index kind for Chinese resident identity numbers; the value is the normalised 18 characters.</summary>
    public const string CnResidentIdIndex = "cn-resident-id";

    /// <summary>Blind-index kind for mainland mobile numbers; the value is the 11 digits without +86.</summary>
    public const string CnMobileIndex = "cn-mobile";

    /// <summary>Blind-index kind for e-mail addresses; the value is trimmed and lower-cased.</summary>
    public const string EmailIndex = "email";

    public static IReadOnlyList<string> IndexKinds { get; } = [CnResidentIdIndex, CnMobileIndex, EmailIndex];

    /// <summary>The format a field with this index kind must declare, so that only valid values are indexed; null for an unknown kind.</summary>
    public static FieldFormat? FormatForIndex(string kind) => kind switch
    {
        CnResidentIdIndex => FieldFormat.CnResidentId,
        CnMobileIndex => FieldFormat.CnMobile,
        EmailIndex => FieldFormat.Email,
        _ => null,
    };

    /// <summary>
    /// Why <paramref name="value"/> does not have <paramref name="format"/>; null when it does. With <paramref name="today"/>,
    /// a resident identity number whose birth date lies after it is refused like a wrong check character.
    /// </summary>
    public static string? Validate(FieldFormat format, ReadOnlySpan<char> value, DateOnly? today = null) => format switch
    {
        FieldFormat.None => null,
        FieldFormat.CnResidentId => ChineseResidentId.Validate(value, today),
        FieldFormat.CnMobile => ChineseMobile.Validate(value),
        FieldFormat.Email => ValidateEmail(value),
        FieldFormat.Date => ValidateDate(value),
        _ => "unknown format",
    };

    /// <summary>The normalised value to index, or null when the value is not valid for the kind.</summary>
    public static string? NormalizeIndexValue(string kind, string value) => kind switch
    {
        CnResidentIdIndex => ChineseResidentId.Parse(value).ValueOrNull?.Value,
        CnMobileIndex => ChineseMobile.Parse(value).ValueOrNull?.Value,
        EmailIndex => ValidateEmail(value) is null ? value.Trim().ToLowerInvariant() : null,
        _ => null,
    };

    private static string? ValidateEmail(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        if (value.Length is 0 or > 254)
        {
            return "an e-mail address has 1 to 254 characters";
        }

        var at = value.IndexOf('@');
        if (at <= 0 || at != value.LastIndexOf('@'))
        {
            return "an e-mail address has one '@' after a local part";
        }

        var local = value[..at];
        var domain = value[(at + 1)..];
        if (local.Length > 64)
        {
            return "the local part of an e-mail address has at most 64 characters";
        }

        foreach (var c in local)
        {
            if (c <= ' ' || c is '(' or ')' or '<' or '>' or ',' or ';' or ':' or '\\' or '"' or '[' or ']' or '\u007f')
            {
                return "the local part of an e-mail address has a character that is not allowed";
            }
        }

        if (domain.Length < 3 || domain.IndexOf('.') <= 0 || domain[^1] == '.' || domain.Contains("..", StringComparison.Ordinal))
        {
            return "the domain of an e-mail address has at least two labels (example.cn)";
        }

        foreach (var c in domain)
        {
            if (!(char.IsLetterOrDigit(c) || c is '-' or '.'))
            {
                return "the domain of an e-mail address has only letters, digits, '-' and '.'";
            }
        }

        return null;
    }

    /// <summary>FHIR <c>date</c>: YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date.</summary>
    private static string? ValidateDate(ReadOnlySpan<char> value)
    {
        const string reason = "a date is written YYYY, YYYY-MM or YYYY-MM-DD";
        if (value.Length is not (4 or 7 or 10) || !AllDigits(value[..4]))
        {
            return reason;
        }

        var year = int.Parse(value[..4], provider: System.Globalization.CultureInfo.InvariantCulture);
        if (value.Length == 4)
        {
            return null;
        }

        if (value[4] != '-' || !AllDigits(value.Slice(5, 2)))
        {
            return reason;
        }

        var month = ((value[5] - '0') * 10) + (value[6] - '0');
        if (month is < 1 or > 12)
        {
            return "the month of a date is 01 to 12";
        }

        if (value.Length == 7)
        {
            return null;
        }

        if (value[7] != '-' || !AllDigits(value.Slice(8, 2)))
        {
            return reason;
        }

        var day = ((value[8] - '0') * 10) + (value[9] - '0');
        if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return "the day of a date does not exist in its month";
        }

        return null;
    }

    private static bool AllDigits(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
