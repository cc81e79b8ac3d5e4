using System.Text.RegularExpressions;

namespace Cordon.Core.Notice;

/// <summary>The language of a readable notice. Profile texts are written "中文 / English"; each page shows one of them.</summary>
public enum NoticeLanguage : byte
{
    Chinese,
    English,
}

/// <summary>How profile text becomes what a patient reads: one language of a "中文 / English" text, without internal rule ids.</summary>
internal static partial class NoticeText
{
    /// <summary>
    /// Splits "中文 / English" (or "中文。/ English") at the first slash followed by a space after which no Chinese
    /// character follows, so a "/" inside either half, or in an address, stays where it is. Text without such a separator
    /// is the same in both languages.
    /// </summary>
    public static BilingualText Split(string text)
    {
        Guard.NotNull(text);
        for (var i = text.IndexOf("/ ", StringComparison.Ordinal); i >= 0; i = text.IndexOf("/ ", i + 1, StringComparison.Ordinal))
        {
            var zh = text.AsSpan(0, i).TrimEnd();
            var en = text.AsSpan(i + 1).Trim();
            if ((i == 0 || char.IsWhiteSpace(text[i - 1]) || text[i - 1] > '\u2000') && HasChinese(zh) && !HasChinese(en) && en.Length > 0)
            {
                return new BilingualText(zh.ToString(), en.ToString());
            }
        }

        return new BilingualText(text, text);
    }

    public static string In(this BilingualText text, NoticeLanguage language) => language == NoticeLanguage.English ? text.En : text.Zh;

    /// <summary>One language of profile text, with internal rule ids taken out (<see cref="WithoutRuleIds"/>).</summary>
    public static string Patient(string text, NoticeLanguage language) => WithoutRuleIds(Split(text).In(language));

    /// <summary>
    /// Takes out the engine's rule ids (R01…R60), which mean nothing to a patient: a bracket that holds only ids goes
    /// with its leading space ("15 个工作日内完成（R21）" → "15 个工作日内完成"), and an id listed inside other text goes with
    /// its separator ("(… diagnosis, R52)" → "(… diagnosis)"). Profiles cite the law in words instead.
    /// </summary>
    public static string WithoutRuleIds(string text)
    {
        Guard.NotNull(text);
        if (!RuleId().IsMatch(text))
        {
            return text;
        }

        var result = BracketOfIds().Replace(text, string.Empty);
        result = ListedId().Replace(result, string.Empty);
        result = LeadingId().Replace(result, string.Empty);
        return AnyId().Replace(result, string.Empty);
    }

    public static bool ContainsRuleId(string text) => RuleId().IsMatch(text);

    private static bool HasChinese(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is >= '\u3400' and <= '\u9fff' or >= '\u3000' and <= '\u303f' or >= '\uff00' and <= '\uffef')
            {
                return true;
            }
        }

        return false;
    }

    private const string Id = @"R\d{2}(?:\s*[/–-]\s*R?\d{2})?";

    [GeneratedRegex(@"\bR\d{2}\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RuleId();

    [GeneratedRegex(@"\s*\b" + Id + @"\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AnyId();

    [GeneratedRegex(@"\s*[（(]\s*" + Id + @"(?:\s*[、,，;；]\s*" + Id + @")*\s*[）)]", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex BracketOfIds();

    [GeneratedRegex(@"\s*[、,，;；]\s*" + Id + @"\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ListedId();

    [GeneratedRegex(@"\b" + Id + @"\s*[、,，;；]\s*", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LeadingId();
}
