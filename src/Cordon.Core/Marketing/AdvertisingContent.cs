using System.Text.RegularExpressions;

namespace Cordon.Core.Marketing;

/// <summary>The categories of medical, drug and device advertising content the Advertising Law forbids (R17), and <c>medical</c>, which marks content as such advertising.</summary>
public static class AdCategories
{
    public const string EfficacyGuarantee = "efficacy-guarantee";
    public const string CureRate = "cure-rate";
    public const string Comparison = "comparison";
    public const string Endorsement = "endorsement";

    /// <summary>Not forbidden: a term that makes the message medical, drug or device advertising (which needs an approval number).</summary>
    public const string Medical = "medical";

    public static IReadOnlyList<string> All { get; } = [EfficacyGuarantee, CureRate, Comparison, Endorsement, Medical];

    public static bool IsKnown(string? category) => category is not null && All.Contains(category, StringComparer.Ordinal);
}

/// <summary>A phrase or regular expression of the advertising rules: built in, or added by the operator.</summary>
public sealed record AdTerm
{
    private AdTerm(string term, string category, bool pattern, Regex matcher)
    {
        Term = term;
        Category = category;
        Pattern = pattern;
        Matcher = matcher;
    }

    public string Term { get; }

    public string Category { get; }

    /// <summary>True when <see cref="Term"/> is a regular expression; false for a literal phrase (matched ignoring case).</summary>
    public bool Pattern { get; }

    internal Regex Matcher { get; }

    /// <summary>A term, or why it is not one (an unknown category, an empty or over-long term, an invalid expression).</summary>
    public static ParseResult<AdTerm> Create(string? term, string? category, bool pattern)
    {
        if (string.IsNullOrWhiteSpace(term) || term.Length > 200)
        {
            return ParseResult<AdTerm>.Fail("A term is 1 to 200 characters.");
        }

        if (!AdCategories.IsKnown(category))
        {
            return ParseResult<AdTerm>.Fail($"The category is one of {string.Join(", ", AdCategories.All)}.");
        }

        try
        {
            var regex = AdContentRules.Compile(pattern ? term : Regex.Escape(term.Trim()));
            return ParseResult<AdTerm>.Ok(new AdTerm(pattern ? term : term.Trim(), category!, pattern, regex));
        }
        catch (NotSupportedException)
        {
            return ParseResult<AdTerm>.Fail("The pattern uses a construct that cannot run in linear time (a lookahead or lookbehind, a backreference, an atomic group or a conditional); write it without.");
        }
        catch (ArgumentException)
        {
            return ParseResult<AdTerm>.Fail("The pattern is not a valid regular expression.");
        }
    }
}

/// <summary>A forbidden phrase found in a message: the text that matched, its category, and the rule (R17).</summary>
public sealed record AdFinding(string Phrase, string Category)
{
    public string Rule => "R17";
}

/// <summary>What the advertising rules found in one text: forbidden phrases, and the terms that make it medical advertising.</summary>
public sealed record AdReview(IReadOnlyList<AdFinding> Findings, IReadOnlyList<string> MedicalTerms)
{
    public bool Medical => MedicalTerms.Count > 0;
}

/// <summary>
/// The advertising-content rules for medical, drug and device advertising (Advertising Law Art. 16, 46; R17): built-in
/// Chinese and English phrases and patterns per category, plus the operator's own. Pure: no I/O, no clock.
/// </summary>
public sealed class AdContentRules
{
    private static readonly (string Category, string Pattern)[] BuiltIn =
    [
        (AdCategories.EfficacyGuarantee, "保证治愈|保证疗效|包治|根治|药到病除|无效退款|不见效退款|永不复发|一次见效|立竿见影|无副作用|无毒副作用|零副作用|绝对安全|百分之百有效|百分百有效|彻底治愈"),
        (AdCategories.EfficacyGuarantee, @"(保证|确保|承诺)[^，。,.!！]{0,6}(治愈|有效|康复|见效|安全)"),
        (AdCategories.EfficacyGuarantee, @"100\s*[%％]\s*(有效|安全|治愈|康复)"),
        (AdCategories.EfficacyGuarantee, @"\b(cures|will\s+cure|can\s+cure)\b|\bsafe\s+and\s+effective\b|\beffective\s+and\s+safe\b"),
        (AdCategories.EfficacyGuarantee, @"\bguarantee[sd]?\b[^.!?]{0,30}\b(cure|cured|results?|effective|recovery|safe)\b|\bguaranteed\s+cure\b|\bno\s+side[\s-]effects?\b|\b100\s*%\s*(effective|safe)\b|\bcompletely\s+safe\b|\bpermanent(ly)?\s+cure[sd]?\b|\bmoney[\s-]back\b"),
        (AdCategories.CureRate, @"(治愈|有效|痊愈|康复|成功|好转|显效)率"),
        (AdCategories.CureRate, @"\b(cure|success|effectiveness|recovery|efficacy)\s+rates?\b|\b\d{1,3}(\.\d+)?\s*%\s+of\s+patients\b"),
        (AdCategories.Comparison, @"最(好|佳|优|权威|先进|专业|有效)的?(医院|医生|专家|疗效|治疗|技术|药|产品|医疗)|(全国|国内|全市|全省|业内|行业|亚洲|世界)(第一|领先|最好|最佳)|优于|胜过|领先于|比[^，。,.]{1,10}更(好|有效|安全|专业)"),
        (AdCategories.Comparison, @"最佳|最高级|国家级|顶级|首选"),
        (AdCategories.Comparison, @"\bmore\s+(effective|successful|professional|advanced|reliable|experienced)\s+than\b"),
        (AdCategories.Comparison, @"\bbetter\s+than\b|\bbest\s+(hospital|clinic|doctors?|treatment|drug|medicine)\b|\bsuperior\s+to\b|\boutperforms?\b|\bnumber\s+one\b|\bno\.\s*1\b"),
        (AdCategories.Endorsement, @"(患者|病人|专家|医生|医师|明星|名人|教授|院士|主任)[^，。,.]{0,4}(代言|推荐|证言|力荐|亲证|见证|好评)|代言人|现身说法"),
        (AdCategories.Endorsement, @"名医|知名专家|著名专家|权威专家"),
        (AdCategories.Endorsement, @"\b(recommended|endorsed|trusted|approved)\s+by\s+(dr\.?|doctor|prof\.?|professor)\s+\w+|\b(dr\.?|doctor|prof\.?|professor)\s+\w+\s+(recommends|endorses|swears\s+by)\b|\bfamous\s+(doctors?|experts?|specialists?|professors?|physicians?)\b"),
        (AdCategories.Endorsement, @"\b(recommended|endorsed|trusted|approved)\s+by\s+(\w+\s+){0,2}(doctors?|experts?|physicians?|specialists?|celebrit(y|ies)|patients?)\b|\b(doctor|expert|celebrity)[\s-](recommended|endorsed)\b|\btestimonials?\b"),
        (AdCategories.Medical, @"药|治疗|疗效|疗程|医疗器械|诊疗|手术|义诊|门诊|处方|\b(drugs?|medicines?|medications?|therap(y|ies)|treatments?|medical\s+devices?|surgery|clinic)\b"),
    ];

    private static readonly Regex ApprovalNumberShape = new(@"(广审|医广|广告审查|批准文号|审查)|[A-Za-z]{0,6}\d{4,}", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    private readonly IReadOnlyList<(string Category, Regex Regex)> _rules;

    private AdContentRules(IReadOnlyList<(string Category, Regex Regex)> rules) => _rules = rules;

    /// <summary>The built-in rules alone.</summary>
    public static AdContentRules Default { get; } = new(
        [.. BuiltIn.Select(b => (b.Category, Compile(b.Pattern)))]);

    /// <summary>
    /// Every pattern, built-in or the operator's, runs in time linear in the text (<see cref="RegexOptions.NonBacktracking"/>):
    /// no input can make a check time out, under load or not. A construct that needs backtracking is refused when the
    /// pattern is added (<see cref="NotSupportedException"/>).
    /// </summary>
    internal static Regex Compile(string pattern) => new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    /// <summary>The built-in rules with the operator's terms added.</summary>
    public AdContentRules With(IEnumerable<AdTerm> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return new AdContentRules([.. _rules, .. terms.Select(t => (t.Category, t.Matcher))]);
    }

    /// <summary>Every forbidden phrase in <paramref name="text"/> (each distinct phrase once), and the medical terms in it.</summary>
    public AdReview Review(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var findings = new List<AdFinding>();
        var medical = new List<string>();
        foreach (var (category, regex) in _rules)
        {
            foreach (Match match in regex.Matches(text))
            {
                var phrase = match.Value.Trim();
                if (phrase.Length == 0)
                {
                    continue;
                }

                if (category == AdCategories.Medical)
                {
                    if (!medical.Contains(phrase, StringComparer.OrdinalIgnoreCase))
                    {
                        medical.Add(phrase);
                    }
                }
                else if (!findings.Exists(f => string.Equals(f.Phrase, phrase, StringComparison.OrdinalIgnoreCase) && f.Category == category))
                {
                    findings.Add(new AdFinding(phrase, category));
                }
            }
        }

        return new AdReview(findings, medical);
    }

    /// <summary>
    /// Whether an advertising-review approval number looks like one (checked loosely: the issuing authorities' formats
    /// vary, e.g. 沪医广【2025】第0001号, 国药管械广审(文)第250101-00001号): non-empty, and naming a review or carrying a number.
    /// </summary>
    public static bool IsPlausibleApprovalNumber(string? number)
        => !string.IsNullOrWhiteSpace(number) && number.Trim().Length is >= 4 and <= 80 && ApprovalNumberShape.IsMatch(number);
}
