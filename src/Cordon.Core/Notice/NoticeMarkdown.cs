using System.Text;
using Cordon.Core.Catalog;
using Cordon.Core.Profiles;

namespace Cordon.Core.Notice;

/// <summary>Renders a <see cref="PrivacyNotice"/> as Markdown. Profile text is escaped so that it cannot add markup or HTML.</summary>
internal static class NoticeMarkdown
{
    public static string Render(PrivacyNotice n)
    {
        var md = new StringBuilder();
        var o = n.Operator;
        md.Append("# ").AppendLine(Text(n.Title)).AppendLine();
        md.Append("版本 / Version: `").Append(n.Version).Append('`');
        if (n.Effective is not null)
        {
            md.Append(" · 生效日期 / Effective: ").Append(Text(n.Effective));
        }

        md.AppendLine().AppendLine().AppendLine(Text(n.Intro)).AppendLine();

        md.AppendLine("## 我们是谁 / Who we are").AppendLine();
        md.AppendLine("| 项目 / Item | 内容 / Details |").AppendLine("| --- | --- |");
        Row(md, "名称 / Name", o.NameEn is null ? o.Name : $"{o.Name} / {o.NameEn}");
        Row(md, "类型 / Type", NoticeTerms.OperatorType(o.Type).ToString());
        if (o.Licence is not null)
        {
            Row(md, "执业许可 / Licence", o.Licence);
        }

        Row(md, "地址 / Address", o.Address);
        Row(md, "电话 / Phone", o.Phone);
        Row(md, "电子邮箱 / E-mail", o.Email);
        Row(md, "数据存储地 / Data stored in", o.StorageRegion);
        md.AppendLine();

        md.AppendLine("## 个人信息保护负责人 / Personal-information protection officer").AppendLine();
        md.Append(Text(o.Dpo.Name)).Append(" · ").Append(Text(o.Dpo.Email));
        if (o.Dpo.Phone is not null)
        {
            md.Append(" · ").Append(Text(o.Dpo.Phone));
        }

        md.AppendLine().AppendLine();

        md.AppendLine("## 处理目的 / Why we process your information").AppendLine();
        foreach (var p in n.Purposes)
        {
            Purpose(md, p);
        }

        if (n.RetentionRules.Count > 0)
        {
            md.AppendLine("## 特定记录的保存期限 / Retention of particular records").AppendLine();
            md.AppendLine("| 记录类型 / Record type | 保存期限 / Kept for | 到期后 / Then |").AppendLine("| --- | --- | --- |");
            foreach (var r in n.RetentionRules)
            {
                md.Append("| ").Append(Cell(r.TypeDescription is null ? r.Type : $"{r.Type}: {r.TypeDescription}"))
                    .Append(" | ").Append(Cell(NoticeTerms.Period(r.Period).ToString()))
                    .Append(" | ").Append(Cell(NoticeTerms.After(r.After).ToString())).AppendLine(" |");
            }

            md.AppendLine();
        }

        md.AppendLine("## 您的权利 / Your rights").AppendLine();
        md.AppendLine("| 权利 / Right | 如何行使 / How |").AppendLine("| --- | --- |");
        foreach (var r in n.Rights)
        {
            Row(md, NoticeTerms.Right(r.Right).ToString(), r.How);
        }

        md.AppendLine();
        md.AppendLine("## 儿童个人信息 / Children's information").AppendLine().AppendLine(Text(n.ChildPolicy)).AppendLine();
        md.AppendLine("## 保存期满后 / When retention ends").AppendLine().AppendLine(Text(n.AfterRetention)).AppendLine();
        if (n.Complaint is not null)
        {
            md.AppendLine("## 投诉举报 / Complaints").AppendLine().AppendLine(Text(n.Complaint));
        }

        return md.ToString();
    }

    private static void Purpose(StringBuilder md, NoticePurpose p)
    {
        md.Append("### ").Append(Text(p.NameEn is null ? p.Name : $"{p.Name} / {p.NameEn}")).Append(" (`").Append(p.Key).AppendLine("`)").AppendLine();
        md.AppendLine(Text(p.Description)).AppendLine();
        Item(md, "法律依据 / Legal basis", NoticeTerms.LegalBasis(p.LegalBasis).ToString());
        Item(md, "同意 / Consent", NoticeTerms.Consent(p.Consent).ToString());
        Item(md, "是否必需 / Necessary", NoticeTerms.Necessary(p.Necessary).ToString());
        Item(md, "处理方式 / How", p.Method);
        Item(md, "保存期限 / Kept for", $"{NoticeTerms.Period(p.Retention)}; 到期后{NoticeTerms.After(p.AfterRetention).Zh} / then {NoticeTerms.After(p.AfterRetention).En}");
        if (p.Sensitive)
        {
            var tags = string.Join("、", p.SensitiveTags.Select(t => NoticeTerms.Tag(t).Zh));
            var tagsEn = string.Join(", ", p.SensitiveTags.Select(t => NoticeTerms.Tag(t).En));
            Item(md, "敏感个人信息 / Sensitive information", p.SensitiveTags.Count == 0 ? "是 / Yes" : $"是（{tags}）/ Yes ({tagsEn})");
            Item(md, "必要性 / Why it is necessary", p.Necessity ?? "-");
            Item(md, "对您的影响 / Effect on you", p.Impact ?? "-");
        }
        else
        {
            Item(md, "敏感个人信息 / Sensitive information", "否 / No");
        }

        md.AppendLine();
        if (p.Fields.Count > 0)
        {
            md.AppendLine("| 记录类型 / Record | 字段 / Field | 说明 / Description | 类别 / Category | 级别 / Level | 敏感类别 / Sensitive | 收集或使用 / Collected or used |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var f in p.Fields)
            {
                md.Append("| ").Append(Cell(f.Type))
                    .Append(" | `").Append(Code(f.When is null ? f.Path : $"{f.Path} [{f.When.Sibling}={f.When.Value}]")).Append('`')
                    .Append(" | ").Append(Cell(f.Description ?? string.Empty))
                    .Append(" | ").Append(Cell(NoticeTerms.Category(f.Category).ToString()))
                    .Append(" | ").Append(f.Level.ToKey())
                    .Append(" | ").Append(Cell(string.Join(", ", f.Tags.Select(t => NoticeTerms.Tag(t).ToString()))))
                    .Append(" | ").Append(f.Collected ? "收集 / collected" : "使用 / used")
                    .AppendLine(" |");
            }

            md.AppendLine();
        }

        if (p.Escalations.Count > 0)
        {
            md.AppendLine("记录含以下内容时按更高级别保护 / Records with the following are protected at a higher level:").AppendLine();
            foreach (var e in p.Escalations)
            {
                md.Append("- ").Append(Text(e.Type)).Append(": ").Append(Text(e.Reason)).Append(" → ").AppendLine(e.Level.ToKey());
            }

            md.AppendLine();
        }

        if (p.Recipients.Count > 0)
        {
            md.AppendLine("| 接收方 / Recipient | 类型 / Kind | 所在地 / Jurisdiction | 联系方式 / Contact | 接收的信息 / Receives |");
            md.AppendLine("| --- | --- | --- | --- | --- |");
            foreach (var r in p.Recipients)
            {
                md.Append("| ").Append(Cell(r.Name))
                    .Append(" | ").Append(Cell(NoticeTerms.RecipientKind(r.Kind).ToString()))
                    .Append(" | ").Append(Cell(r.Jurisdiction))
                    .Append(" | ").Append(Cell(r.Contact))
                    .Append(" | ").Append(Cell(r.Receives ?? string.Empty))
                    .AppendLine(" |");
            }

            md.AppendLine();
        }
    }

    private static void Item(StringBuilder md, string label, string value)
        => md.Append("- **").Append(label).Append("**: ").AppendLine(Text(value));

    private static void Row(StringBuilder md, string label, string value)
        => md.Append("| ").Append(label).Append(" | ").Append(Cell(value)).AppendLine(" |");

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

    private static string Cell(string value) => Text(value);

    /// <summary>Inside a code span only the backtick and the table pipe matter.</summary>
    private static string Code(string value) => value.Replace('`', '\'').Replace("|", "¦", StringComparison.Ordinal);
}
