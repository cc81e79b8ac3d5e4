using System.Text;

namespace Cordon.Core.Notice;

/// <summary>Renders the patient's notice (as <see cref="NoticeHtml"/>) as Markdown in one language. Profile text is escaped so that it cannot add markup or HTML.</summary>
internal static class NoticeMarkdown
{
    public static string Render(PrivacyNotice n, NoticeLanguage lang)
    {
        var md = new StringBuilder(16 * 1024);
        var o = n.Operator;
        string T(string zh, string en) => lang == NoticeLanguage.English ? en : zh;
        string P(string text) => NoticeText.Patient(text, lang);

        md.Append("# ").AppendLine(Text(P(n.Title))).AppendLine();
        md.Append(T("版本 ", "Version ")).Append('`').Append(n.Version).Append('`');
        if (n.Effective is not null)
        {
            md.Append(T(" · 生效日期 ", " · effective ")).Append(Text(n.Effective));
        }

        md.AppendLine().AppendLine().AppendLine(Text(P(n.Intro))).AppendLine();

        md.Append("## ").AppendLine(T("我们是谁", "Who we are")).AppendLine();
        foreach (var (label, value) in NoticeHtml.OperatorFacts(o, lang))
        {
            Item(md, label, value);
        }

        md.AppendLine();

        md.Append("## ").AppendLine(T("我们处理哪些信息、为什么", "What we process and why")).AppendLine();
        md.AppendLine(T("标“敏感”的是敏感个人信息（《个人信息保护法》第二十八条）；我们只在必要时处理，并事先单独征得您的同意。",
            "Items marked “sensitive” are sensitive personal information (Personal Information Protection Law, “PIPL”, Art. 28); we process them only where necessary and ask for your separate consent first.")).AppendLine();
        foreach (var p in n.Purposes)
        {
            Purpose(md, p, lang);
        }

        var recipients = n.Purposes.SelectMany(p => p.Recipients).DistinctBy(r => r.Key).ToList();
        if (recipients.Count > 0)
        {
            md.Append("## ").AppendLine(T("向他人提供与委托处理", "Who else receives your information")).AppendLine();
            foreach (var r in recipients)
            {
                md.Append("- **").Append(Text(P(r.Name))).Append("** (").Append(Text(NoticeTerms.RecipientKind(r.Kind).In(lang))).Append(", ")
                    .Append(Text(NoticeTerms.Region(r.Jurisdiction).In(lang)))
                    .Append(r.ForeignControlled ? T("，境外实体控制", ", controlled from outside China") : string.Empty)
                    .Append(r.Deidentified ? T("，仅提供去标识化信息", ", de-identified information only") : string.Empty)
                    .Append(", ").Append(Text(P(r.Contact))).Append(')');
                if (r.Receives is not null)
                {
                    md.Append(T("：", ": ")).Append(Text(P(r.Receives)));
                }

                md.AppendLine();
            }

            md.AppendLine();
        }

        md.Append("## ").AppendLine(T("保存期限", "How long we keep it")).AppendLine();
        foreach (var r in n.RetentionRules)
        {
            md.Append("- ").Append(Text(r.TypeName.In(lang))).Append(T("：", ": ")).AppendLine(Text(NoticeHtml.Kept(r.Period, r.After, lang)));
        }

        md.AppendLine().AppendLine(Text(P(n.AfterRetention))).AppendLine();

        md.Append("## ").AppendLine(T("您的权利", "Your rights")).AppendLine();
        md.AppendLine(Text(string.Format(System.Globalization.CultureInfo.InvariantCulture, T(
            "您可以随时行使以下权利（《个人信息保护法》第四十四条至第五十条）。我们在收到申请后 {0} 个工作日内答复；不能满足的，会告诉您理由。",
            "You may exercise these rights at any time (PIPL Arts. 44–50). We answer a request within {0} working days, and if we cannot do what you ask we tell you why."), n.RightsDueWorkingDays))).AppendLine();
        foreach (var r in n.Rights.Where(r => r.Right != "complaint"))
        {
            Item(md, NoticeTerms.Right(r.Right).In(lang), P(r.How));
        }

        md.AppendLine();
        md.Append("## ").AppendLine(T("儿童的个人信息", "Children's information")).AppendLine();
        md.Append(Text(P(n.ChildPolicy))).AppendLine(T("（《个人信息保护法》第三十一条）", " (PIPL Art. 31)")).AppendLine();
        md.Append("## ").AppendLine(T("联系我们与投诉", "Contact and complaints")).AppendLine();
        md.AppendLine(Text(n.Complaint is { } complaint ? P(complaint) : $"{P(o.Dpo.Name)} · {o.Dpo.Email}"));
        return md.ToString();
    }

    private static void Purpose(StringBuilder md, NoticePurpose p, NoticeLanguage lang)
    {
        string T(string zh, string en) => lang == NoticeLanguage.English ? en : zh;
        string P(string text) => NoticeText.Patient(text, lang);

        md.Append("### ").Append(Text(NoticeHtml.PurposeName(p, lang)));
        if (p.Sensitive)
        {
            md.Append(T("（敏感）", " (sensitive)"));
        }

        if (!p.Necessary)
        {
            md.Append(T("（可选）", " (optional)"));
        }

        md.AppendLine().AppendLine().AppendLine(Text(P(p.Description))).AppendLine();
        var collected = p.Data.Where(d => d.Collected).ToList();
        var used = p.Data.Where(d => !d.Collected).ToList();
        if (collected.Count > 0)
        {
            Item(md, T("我们收集", "We collect"), Data(collected, lang));
        }

        if (used.Count > 0)
        {
            Item(md, collected.Count > 0 ? T("我们还会使用", "We also use") : T("我们使用", "We use"), Data(used, lang));
        }

        foreach (var (label, value) in NoticeHtml.ProcessingFacts(p, lang))
        {
            Item(md, label, value);
        }

        Item(md, T("接收方", "Received by"), p.Recipients.Count == 0 ? T("不向他人提供", "No one else") : string.Join(T("、", ", "), p.Recipients.Select(r => P(r.Name))));
        foreach (var (label, value) in NoticeHtml.SensitiveFacts(p, lang))
        {
            Item(md, label, value);
        }

        md.AppendLine();
    }

    private static string Data(List<NoticeData> data, NoticeLanguage lang)
        => string.Join(lang == NoticeLanguage.English ? "; " : "、", data.Select(d => d.Sensitive ? d.Name.In(lang) + (lang == NoticeLanguage.English ? " (sensitive)" : "（敏感）") : d.Name.In(lang)));

    private static void Item(StringBuilder md, string label, string value)
        => md.Append("- **").Append(label).Append("**: ").AppendLine(Text(value));

    /// <summary>Escapes Markdown punctuation and HTML, and folds line breaks, so profile text stays text.</summary>
    internal static string Text(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                case '\r': break;
                case '\n': sb.Append(' '); break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '#' or '|' or '!':
                    sb.Append('\\').Append(c);
                    break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }
}
