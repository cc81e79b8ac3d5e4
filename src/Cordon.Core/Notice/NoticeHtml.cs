using System.Globalization;
using System.Text;

namespace Cordon.Core.Notice;

/// <summary>Where the other pages of the notice are, for the links on a page; null links are left out.</summary>
public sealed record NoticeLinks(string? OtherLanguage = null, string? Annex = null, string? Notice = null);

/// <summary>
/// Renders a <see cref="PrivacyNotice"/> as the page a patient reads: one language, a table of contents, each purpose as
/// what we collect, why, on what legal basis, how long, who receives it and whether it is sensitive — data named by the
/// catalog's display names, never by field path, and no rule ids. Laid out for a 390 px phone (no tables, nothing wider
/// than the screen), no scripts, no external resources; every piece of profile text goes through <see cref="Encode"/>.
/// The field-level detail is the annex (<see cref="NoticeAnnexHtml"/>).
/// </summary>
internal static class NoticeHtml
{
    internal const string BaseStyle = """
        :root { color-scheme: light dark; --line: #c8ccd2; --muted: #5b6370; --accent: #0b6e4f; --alert: #b3261e; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
        body { margin: 0; font: 16px/1.7 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; overflow-wrap: anywhere; }
        header, main, footer { max-width: 48rem; margin: 0 auto; padding: 1rem; }
        header { border-bottom: 3px solid var(--accent); }
        h1 { font-size: 1.5rem; line-height: 1.35; margin: .5rem 0; }
        h2 { font-size: 1.25rem; line-height: 1.4; margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
        h3 { font-size: 1.1rem; line-height: 1.4; margin: 1.6rem 0 .4rem; }
        .meta, .note { color: var(--muted); }
        .langs { margin: 0; text-align: right; }
        nav ol { padding-left: 1.4rem; margin: .25rem 0; }
        nav li { margin: .2rem 0; }
        a { color: var(--accent); }
        dl { margin: .5rem 0; }
        dt { font-weight: 600; margin-top: .6rem; }
        dd { margin: 0; }
        @media (min-width: 40rem) {
          dl.facts { display: grid; grid-template-columns: 10rem 1fr; gap: .35rem 1rem; }
          dl.facts dt { margin-top: 0; }
        }
        .badge { display: inline-block; padding: 0 .4rem; border-radius: .3rem; border: 1px solid var(--line); font-size: .85rem; font-weight: 400; vertical-align: middle; }
        .sensitive { border-color: var(--alert); color: var(--alert); }
        section.purpose { border-left: 4px solid var(--line); padding-left: .75rem; }
        section.purpose.is-sensitive { border-left-color: var(--alert); }
        ul.plain { padding-left: 1.2rem; margin: .25rem 0; }
        """;

    public static string Render(PrivacyNotice n, NoticeLanguage lang, NoticeLinks? links)
    {
        var h = new StringBuilder(24 * 1024);
        var o = n.Operator;
        string T(string zh, string en) => lang == NoticeLanguage.English ? en : zh;
        string P(string text) => NoticeText.Patient(text, lang);
        var title = P(n.Title);

        h.Append("<!DOCTYPE html>\n<html lang=\"").Append(lang == NoticeLanguage.English ? "en" : "zh-CN").Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"cordon-notice-version\" content=\"").Append(Encode(n.Version)).Append("\">\n")
            .Append("<title>").Append(Encode(title)).Append("</title>\n<style>\n").Append(BaseStyle).Append("</style>\n</head>\n<body>\n<header>\n");
        if (links?.OtherLanguage is { } other)
        {
            h.Append("<p class=\"langs\"><a href=\"").Append(Encode(other)).Append("\" hreflang=\"").Append(lang == NoticeLanguage.English ? "zh-CN\" lang=\"zh-CN\">中文" : "en\" lang=\"en\">English").Append("</a></p>\n");
        }

        h.Append("<h1>").Append(Encode(title)).Append("</h1>\n<p class=\"meta\">").Append(T("版本 ", "Version ")).Append(Encode(n.Version));
        if (n.Effective is not null)
        {
            h.Append(T(" · 生效日期 ", " · effective ")).Append("<time datetime=\"").Append(Encode(n.Effective)).Append("\">").Append(Encode(n.Effective)).Append("</time>");
        }

        h.Append("</p>\n<p>").Append(Encode(P(n.Intro))).Append("</p>\n</header>\n<main>\n");

        var recipients = n.Purposes.SelectMany(p => p.Recipients).DistinctBy(r => r.Key).ToList();
        h.Append("<nav aria-labelledby=\"toc\">\n<h2 id=\"toc\">").Append(T("目录", "Contents")).Append("</h2>\n<ol>\n");
        Link(h, "operator", T("我们是谁", "Who we are"));
        h.Append("<li><a href=\"#purposes\">").Append(T("我们处理哪些信息、为什么", "What we process and why")).Append("</a>\n<ol>\n");
        foreach (var p in n.Purposes)
        {
            Link(h, $"purpose-{p.Key}", PurposeName(p, lang));
        }

        h.Append("</ol></li>\n");
        if (recipients.Count > 0)
        {
            Link(h, "recipients", T("向他人提供与委托处理", "Who else receives your information"));
        }

        Link(h, "retention", T("保存期限", "How long we keep it"));
        Link(h, "rights", T("您的权利", "Your rights"));
        Link(h, "children", T("儿童的个人信息", "Children's information"));
        Link(h, "contact", T("联系我们与投诉", "Contact and complaints"));
        h.Append("</ol>\n</nav>\n");

        Heading(h, 2, "operator", T("我们是谁", "Who we are"));
        h.Append("<dl class=\"facts\">\n");
        foreach (var (label, value) in OperatorFacts(o, lang))
        {
            Fact(h, label, value);
        }

        h.Append("</dl>\n");

        Heading(h, 2, "purposes", T("我们处理哪些信息、为什么", "What we process and why"));
        h.Append("<p>").Append(T(
            "以下按服务逐项说明。标“敏感”的是敏感个人信息（《个人信息保护法》第二十八条），一旦泄露或被非法使用，可能损害您的人格尊严或人身、财产安全；我们只在必要时处理，并事先单独征得您的同意。",
            "Each service is described below. Items marked “sensitive” are sensitive personal information (Personal Information Protection Law, “PIPL”, Art. 28): if leaked or misused they could harm your dignity, safety or property. We process them only where necessary and ask for your separate consent first.")).Append("</p>\n");
        var reasons = n.Purposes.SelectMany(p => p.Escalations).Select(e => P(e.Reason)).Distinct(StringComparer.Ordinal).ToList();
        if (reasons.Count > 0)
        {
            h.Append("<p>").Append(Encode(T($"涉及{string.Join("、", reasons)}的记录受最严格的保护：除您本人外，仅主诊医生可以查看。",
                $"Records about any of these are protected most strictly — only you and the treating physician can read them: {string.Join("; ", reasons)}."))).Append("</p>\n");
        }

        foreach (var p in n.Purposes)
        {
            Purpose(h, p, lang);
        }

        if (recipients.Count > 0)
        {
            Heading(h, 2, "recipients", T("向他人提供与委托处理", "Who else receives your information"));
            h.Append("<p>").Append(T("我们只在以下情形向他人提供或委托处理您的信息，并以合同约束其用途与安全保护。",
                "We give your information to others, or have them process it for us, only as listed here, under contracts that limit its use and require its protection.")).Append("</p>\n");
            foreach (var r in recipients)
            {
                h.Append("<h3 id=\"recipient-").Append(Encode(r.Key)).Append("\">").Append(Encode(P(r.Name))).Append("</h3>\n<dl class=\"facts\">\n");
                Fact(h, T("身份", "Role"), NoticeTerms.RecipientKind(r.Kind).In(lang));
                if (r.Receives is not null)
                {
                    Fact(h, T("接收的信息", "Receives"), P(r.Receives));
                }

                Fact(h, T("用于", "For"), string.Join(T("、", ", "), n.Purposes.Where(p => p.Recipients.Any(x => x.Key == r.Key)).Select(p => PurposeName(p, lang))));
                Fact(h, T("所在地", "Located in"), NoticeTerms.Region(r.Jurisdiction).In(lang));
                if (r.ForeignControlled)
                {
                    Fact(h, T("控制关系", "Control"), T("境外实体控制", "Controlled from outside China"));
                }

                if (r.Deidentified)
                {
                    Fact(h, T("提供方式", "In what form"), T("仅提供去标识化信息", "De-identified information only"));
                }

                Fact(h, T("联系方式", "Contact"), P(r.Contact));
                if (r.Description is not null)
                {
                    Fact(h, T("说明", "Note"), P(r.Description));
                }

                h.Append("</dl>\n");
            }
        }

        Heading(h, 2, "retention", T("保存期限", "How long we keep it"));
        h.Append("<p>").Append(T("每项服务的保存期限见上文。以下记录无论因哪项服务收集，都按各自的期限保存：",
            "Each service above says how long its information is kept. These records are kept for their own period, whichever service collected them:")).Append("</p>\n<ul class=\"plain\">\n");
        foreach (var r in n.RetentionRules)
        {
            h.Append("<li>").Append(Encode(r.TypeName.In(lang))).Append(T("：", ": ")).Append(Encode(Kept(r.Period, r.After, lang))).Append("</li>\n");
        }

        h.Append("</ul>\n<p>").Append(Encode(P(n.AfterRetention))).Append("</p>\n");

        Heading(h, 2, "rights", T("您的权利", "Your rights"));
        h.Append("<p>").Append(Encode(string.Format(CultureInfo.InvariantCulture, T(
            "您可以随时行使以下权利（《个人信息保护法》第四十四条至第五十条）。我们在收到申请后 {0} 个工作日内答复；不能满足的，会告诉您理由。",
            "You may exercise these rights at any time (PIPL Arts. 44–50). We answer a request within {0} working days, and if we cannot do what you ask we tell you why."), n.RightsDueWorkingDays))).Append("</p>\n<dl class=\"facts\">\n");
        foreach (var r in n.Rights.Where(r => r.Right != "complaint"))
        {
            h.Append("<dt id=\"right-").Append(Encode(r.Right)).Append("\">").Append(Encode(NoticeTerms.Right(r.Right).In(lang))).Append("</dt><dd>")
                .Append(Encode(P(r.How))).Append("</dd>\n");
        }

        h.Append("</dl>\n");

        Heading(h, 2, "children", T("儿童的个人信息", "Children's information"));
        h.Append("<p>").Append(Encode(P(n.ChildPolicy))).Append(T("（《个人信息保护法》第三十一条）", " (PIPL Art. 31)")).Append("</p>\n");

        Heading(h, 2, "contact", T("联系我们与投诉", "Contact and complaints"));
        h.Append("<p id=\"right-complaint\">").Append(Encode(n.Complaint is { } complaint ? P(complaint) : Join(" · ", P(o.Dpo.Name), o.Dpo.Email, o.Dpo.Phone))).Append("</p>\n");

        h.Append("</main>\n<footer class=\"meta\">\n<p>").Append(Encode(lang == NoticeLanguage.English && o.NameEn is not null ? o.NameEn : o.Name)).Append(" · ").Append(Encode(n.Version));
        if (links?.Annex is { } annex)
        {
            h.Append(" · <a href=\"").Append(Encode(annex)).Append("\">").Append(T("技术附录：完整数据清单", "Technical annex: the full data list")).Append("</a>");
        }

        h.Append("</p>\n</footer>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static void Purpose(StringBuilder h, NoticePurpose p, NoticeLanguage lang)
    {
        string T(string zh, string en) => lang == NoticeLanguage.English ? en : zh;
        string P(string text) => NoticeText.Patient(text, lang);
        var separator = T("、", ", ");

        h.Append("<section class=\"purpose").Append(p.Sensitive ? " is-sensitive" : string.Empty).Append("\" aria-labelledby=\"purpose-").Append(Encode(p.Key)).Append("\">\n")
            .Append("<h3 id=\"purpose-").Append(Encode(p.Key)).Append("\">").Append(Encode(PurposeName(p, lang)));
        if (p.Sensitive)
        {
            h.Append(" <span class=\"badge sensitive\">").Append(T("敏感", "sensitive")).Append("</span>");
        }

        if (!p.Necessary)
        {
            h.Append(" <span class=\"badge\">").Append(T("可选", "optional")).Append("</span>");
        }

        h.Append("</h3>\n<p>").Append(Encode(P(p.Description))).Append("</p>\n<dl class=\"facts\">\n");
        var collected = p.Data.Where(d => d.Collected).ToList();
        var used = p.Data.Where(d => !d.Collected).ToList();
        if (collected.Count > 0)
        {
            DataFact(h, T("我们收集", "We collect"), collected, lang);
        }

        if (used.Count > 0)
        {
            DataFact(h, collected.Count > 0 ? T("我们还会使用", "We also use") : T("我们使用", "We use"), used, lang);
        }

        foreach (var (label, value) in ProcessingFacts(p, lang))
        {
            Fact(h, label, value);
        }

        if (p.Recipients.Count > 0)
        {
            h.Append("<dt>").Append(T("接收方", "Received by")).Append("</dt><dd>");
            for (var i = 0; i < p.Recipients.Count; i++)
            {
                var r = p.Recipients[i];
                h.Append(i == 0 ? string.Empty : separator).Append("<a href=\"#recipient-").Append(Encode(r.Key)).Append("\">").Append(Encode(P(r.Name))).Append("</a>");
            }

            h.Append("</dd>\n");
        }
        else
        {
            Fact(h, T("接收方", "Received by"), T("不向他人提供", "No one else"));
        }

        foreach (var (label, value) in SensitiveFacts(p, lang))
        {
            Fact(h, label, value);
        }

        h.Append("</dl>\n</section>\n");
    }

    /// <summary>Who the operator is, as label and value, in the order both renderings list it.</summary>
    internal static IEnumerable<(string Label, string Value)> OperatorFacts(NoticeOperator o, NoticeLanguage lang)
    {
        string T(string zh, string en) => lang == NoticeLanguage.English ? en : zh;
        string P(string text) => NoticeText.Patient(text, lang);

        yield return (T("名称", "Name"), lang == NoticeLanguage.English && o.NameEn is not null ? o.NameEn : o.Name);
        yield return (T("类型", "Type"), NoticeTerms.OperatorType(o.Type).In(lang));
        if (o.Licence is not null)
        {
            yield return (T("执业许可", "Licence"), P(o.Licence));
        }

        yield return (T("地址", "Address"), P(o.Address));
        yield return (T("电话", "Phone"), o.Phone);
        yield return (T("电子邮箱", "E-mail"), o.Email);
        yield return (T("个人信息保护负责人", "Personal-information protection officer"), Join(" · ", P(o.Dpo.Name), o.Dpo.Email, o.Dpo.Phone));
        yield return (T("信息存储地", "Where your information is stored"), NoticeTerms.Region(o.StorageRegion).In(lang));
    }

    /// <summary>How a purpose processes, on what legal basis, with what consent, whether it is required and how long it keeps.</summary>
    internal static IEnumerable<(string Label, string Value)> ProcessingFacts(NoticePurpose p, NoticeLanguage lang)
    {
        string T(string zh, string en) => lang == NoticeLanguage.English ? en : zh;

        yield return (T("如何处理", "How"), NoticeText.Patient(p.Method, lang));
        yield return (T("法律依据", "Legal basis"), $"{NoticeTerms.LegalBasis(p.LegalBasis).In(lang)}{T("（", " (")}{NoticeTerms.LegalBasisCitation(p.LegalBasis).In(lang)}{T("）", ")")}");
        yield return (T("您的同意", "Your consent"), NoticeTerms.ConsentForPatient(p.Consent).In(lang));
        yield return (T("是否必需", "Required?"), NoticeTerms.Necessary(p.Necessary).In(lang));
        yield return (T("保存期限", "Kept for"), Kept(p.Retention, p.AfterRetention, lang));
    }

    /// <summary>For a purpose that processes sensitive information: which, why it is necessary, how it may affect the patient; nothing otherwise.</summary>
    internal static IEnumerable<(string Label, string Value)> SensitiveFacts(NoticePurpose p, NoticeLanguage lang)
    {
        if (!p.Sensitive)
        {
            yield break;
        }

        string T(string zh, string en) => lang == NoticeLanguage.English ? en : zh;
        string P(string text) => NoticeText.Patient(text, lang);

        var tags = string.Join(T("、", ", "), p.SensitiveTags.Select(t => NoticeTerms.Tag(t).In(lang)));
        yield return (T("敏感个人信息", "Sensitive information"), tags.Length == 0 ? T("是", "Yes") : T($"是（{tags}）", $"Yes ({tags})"));
        yield return (T("为什么必要", "Why it is necessary"), p.Necessity is null ? "-" : P(p.Necessity));
        yield return (T("对您的影响", "How it may affect you"), p.Impact is null ? "-" : P(p.Impact));
    }

    private static void DataFact(StringBuilder h, string label, List<NoticeData> data, NoticeLanguage lang)
    {
        h.Append("<dt>").Append(Encode(label)).Append("</dt><dd>");
        for (var i = 0; i < data.Count; i++)
        {
            var d = data[i];
            h.Append(i == 0 ? string.Empty : lang == NoticeLanguage.English ? "; " : "、").Append(Encode(d.Name.In(lang)));
            if (d.Sensitive)
            {
                h.Append(lang == NoticeLanguage.English ? " <em>(sensitive)</em>" : "<em>（敏感）</em>");
            }
        }

        h.Append("</dd>\n");
    }

    internal static string PurposeName(NoticePurpose p, NoticeLanguage lang)
        => lang == NoticeLanguage.English && p.NameEn is not null ? p.NameEn : NoticeText.Patient(p.Name, lang);

    internal static string Kept(Profiles.RetentionPeriod period, Profiles.AfterRetention after, NoticeLanguage lang)
    {
        var then = NoticeTerms.After(after);
        return lang == NoticeLanguage.English ? $"{NoticeTerms.Period(period).En}, then {then.En}" : $"{NoticeTerms.Period(period).Zh}，到期后{then.Zh}";
    }

    private static string Join(string separator, params string?[] parts) => string.Join(separator, parts.Where(p => !string.IsNullOrEmpty(p)));

    private static void Heading(StringBuilder h, int level, string id, string text)
        => h.Append("<h").Append(level).Append(" id=\"").Append(id).Append("\">").Append(Encode(text)).Append("</h").Append(level).Append(">\n");

    private static void Link(StringBuilder h, string id, string text)
        => h.Append("<li><a href=\"#").Append(Encode(id)).Append("\">").Append(Encode(text)).Append("</a></li>\n");

    private static void Fact(StringBuilder h, string label, string value)
        => h.Append("<dt>").Append(Encode(label)).Append("</dt><dd>").Append(Encode(value)).Append("</dd>\n");

    /// <summary>Encodes text for HTML element content and attribute values: &amp; &lt; &gt; " ' become entities.</summary>
    internal static string Encode(string value)
    {
        if (value.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }
}
