using System.Text;
using Cordon.Core.Catalog;

namespace Cordon.Core.Notice;

/// <summary>
/// Renders a <see cref="PrivacyNotice"/> as a standalone HTML page: Chinese with English alongside, one
/// section and table per purpose, landmarks and table headers for screen readers, no scripts, no external
/// resources. Every piece of profile text goes through <see cref="Encode"/>.
/// </summary>
internal static class NoticeHtml
{
    private const string Style = """
        :root { color-scheme: light dark; --line: #c8ccd2; --muted: #5b6370; --accent: #0b6e4f; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.65 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
        header, main, footer { max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem; }
        header { border-bottom: 3px solid var(--accent); }
        h1 { font-size: 1.6rem; margin: .5rem 0; }
        h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
        h3 { font-size: 1.12rem; margin-top: 1.8rem; }
        .en { color: var(--muted); font-size: .92em; }
        .meta { color: var(--muted); }
        nav ol { columns: 2 18rem; padding-left: 1.2rem; }
        dl.facts { display: grid; grid-template-columns: minmax(9rem, max-content) 1fr; gap: .3rem 1rem; }
        dl.facts dt { font-weight: 600; }
        dl.facts dd { margin: 0; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; margin: .75rem 0 1.25rem; font-size: .93rem; }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        th, td { border: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; text-align: left; }
        thead th { background: color-mix(in srgb, var(--accent) 12%, transparent); }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; overflow-wrap: anywhere; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: .3rem; border: 1px solid var(--line); font-size: .85em; }
        .sensitive { border-color: #b3261e; color: #b3261e; }
        section.purpose { border-left: 4px solid var(--line); padding-left: 1rem; }
        section.purpose.is-sensitive { border-left-color: #b3261e; }
        a { color: var(--accent); }
        """;

    public static string Render(PrivacyNotice n)
    {
        var h = new StringBuilder(64 * 1024);
        var o = n.Operator;
        h.Append("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"cordon-notice-version\" content=\"").Append(Encode(n.Version)).Append("\">\n")
            .Append("<title>").Append(Encode(n.Title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");

        h.Append("<header>\n<h1>").Append(Encode(n.Title)).Append("</h1>\n<p class=\"meta\">版本 <span lang=\"en\" class=\"en\">Version</span> <code>")
            .Append(Encode(n.Version)).Append("</code>");
        if (n.Effective is not null)
        {
            h.Append(" · 生效日期 <span lang=\"en\" class=\"en\">Effective</span> <time datetime=\"").Append(Encode(n.Effective)).Append("\">")
                .Append(Encode(n.Effective)).Append("</time>");
        }

        h.Append("</p>\n<p>").Append(Encode(n.Intro)).Append("</p>\n</header>\n<main>\n");

        h.Append("<nav aria-labelledby=\"toc\">\n<h2 id=\"toc\">目录 <span lang=\"en\" class=\"en\">Contents</span></h2>\n<ol>\n");
        Link(h, "operator", "我们是谁", "Who we are");
        Link(h, "purposes", "处理目的", "Why we process your information");
        foreach (var p in n.Purposes)
        {
            h.Append("<li><a href=\"#purpose-").Append(Encode(p.Key)).Append("\">").Append(Encode(p.Name)).Append("</a>");
            if (p.NameEn is not null)
            {
                h.Append(" <span lang=\"en\" class=\"en\">").Append(Encode(p.NameEn)).Append("</span>");
            }

            h.Append("</li>\n");
        }

        Link(h, "rights", "您的权利", "Your rights");
        Link(h, "children", "儿童个人信息", "Children's information");
        Link(h, "complaints", "投诉举报", "Complaints");
        h.Append("</ol>\n</nav>\n");

        Heading(h, 2, "operator", "我们是谁", "Who we are");
        h.Append("<dl class=\"facts\">\n");
        Fact(h, "名称", "Name", o.NameEn is null ? o.Name : $"{o.Name} / {o.NameEn}");
        Fact(h, "类型", "Type", NoticeTerms.OperatorType(o.Type).ToString());
        if (o.Licence is not null)
        {
            Fact(h, "执业许可", "Licence", o.Licence);
        }

        Fact(h, "地址", "Address", o.Address);
        Fact(h, "电话", "Phone", o.Phone);
        Fact(h, "电子邮箱", "E-mail", o.Email);
        Fact(h, "数据存储地", "Data stored in", o.StorageRegion);
        Fact(h, "个人信息保护负责人", "Protection officer", o.Dpo.Phone is null ? $"{o.Dpo.Name} · {o.Dpo.Email}" : $"{o.Dpo.Name} · {o.Dpo.Email} · {o.Dpo.Phone}");
        h.Append("</dl>\n");

        Heading(h, 2, "purposes", "处理目的", "Why we process your information");
        foreach (var p in n.Purposes)
        {
            Purpose(h, p);
        }

        if (n.RetentionRules.Count > 0)
        {
            Heading(h, 2, "retention", "特定记录的保存期限", "Retention of particular records");
            h.Append("<div class=\"table-wrap\"><table>\n<thead><tr>");
            Th(h, "记录类型", "Record type");
            Th(h, "保存期限", "Kept for");
            Th(h, "到期后", "Then");
            h.Append("</tr></thead>\n<tbody>\n");
            foreach (var r in n.RetentionRules)
            {
                h.Append("<tr><td><code>").Append(Encode(r.Type)).Append("</code>");
                if (r.TypeDescription is not null)
                {
                    h.Append(' ').Append(Encode(r.TypeDescription));
                }

                h.Append("</td><td>").Append(Encode(NoticeTerms.Period(r.Period).ToString())).Append("</td><td>")
                    .Append(Encode(NoticeTerms.After(r.After).ToString())).Append("</td></tr>\n");
            }

            h.Append("</tbody>\n</table></div>\n");
        }

        Heading(h, 2, "rights", "您的权利", "Your rights");
        h.Append("<div class=\"table-wrap\"><table>\n<caption>如何行使您的权利 <span lang=\"en\" class=\"en\">How to exercise your rights</span></caption>\n<thead><tr>");
        Th(h, "权利", "Right");
        Th(h, "如何行使", "How");
        h.Append("</tr></thead>\n<tbody>\n");
        foreach (var r in n.Rights)
        {
            var name = NoticeTerms.Right(r.Right);
            h.Append("<tr id=\"right-").Append(Encode(r.Right)).Append("\"><th scope=\"row\">").Append(Encode(name.Zh))
                .Append(" <span lang=\"en\" class=\"en\">").Append(Encode(name.En)).Append("</span></th><td>")
                .Append(Encode(r.How)).Append("</td></tr>\n");
        }

        h.Append("</tbody>\n</table></div>\n");

        Heading(h, 2, "children", "儿童个人信息", "Children's information");
        h.Append("<p>").Append(Encode(n.ChildPolicy)).Append("</p>\n");
        Heading(h, 2, "after-retention", "保存期满后", "When retention ends");
        h.Append("<p>").Append(Encode(n.AfterRetention)).Append("</p>\n");
        Heading(h, 2, "complaints", "投诉举报", "Complaints");
        h.Append("<p>").Append(Encode(n.Complaint ?? $"{o.Dpo.Name} · {o.Dpo.Email}")).Append("</p>\n");

        h.Append("</main>\n<footer class=\"meta\">\n<p>").Append(Encode(o.Name)).Append(" · ").Append(Encode(n.Version)).Append("</p>\n</footer>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static void Purpose(StringBuilder h, NoticePurpose p)
    {
        h.Append("<section class=\"purpose").Append(p.Sensitive ? " is-sensitive" : string.Empty).Append("\" id=\"purpose-").Append(Encode(p.Key))
            .Append("\" aria-labelledby=\"purpose-").Append(Encode(p.Key)).Append("-title\">\n<h3 id=\"purpose-").Append(Encode(p.Key)).Append("-title\">")
            .Append(Encode(p.Name));
        if (p.NameEn is not null)
        {
            h.Append(" <span lang=\"en\" class=\"en\">").Append(Encode(p.NameEn)).Append("</span>");
        }

        h.Append(" <code>").Append(Encode(p.Key)).Append("</code>");
        if (p.Sensitive)
        {
            h.Append(" <span class=\"badge sensitive\">敏感 <span lang=\"en\">sensitive</span></span>");
        }

        h.Append("</h3>\n<p>").Append(Encode(p.Description)).Append("</p>\n<dl class=\"facts\">\n");
        Fact(h, "法律依据", "Legal basis", NoticeTerms.LegalBasis(p.LegalBasis).ToString());
        Fact(h, "同意", "Consent", NoticeTerms.Consent(p.Consent).ToString());
        Fact(h, "是否必需", "Necessary", NoticeTerms.Necessary(p.Necessary).ToString());
        Fact(h, "处理方式", "How", p.Method);
        var after = NoticeTerms.After(p.AfterRetention);
        Fact(h, "保存期限", "Kept for", $"{NoticeTerms.Period(p.Retention)}; 到期后{after.Zh} / then {after.En}");
        if (p.Sensitive)
        {
            var tags = string.Join("、", p.SensitiveTags.Select(t => NoticeTerms.Tag(t).Zh));
            var tagsEn = string.Join(", ", p.SensitiveTags.Select(t => NoticeTerms.Tag(t).En));
            Fact(h, "敏感个人信息", "Sensitive information", p.SensitiveTags.Count == 0 ? "是 / Yes" : $"是（{tags}）/ Yes ({tagsEn})");
            Fact(h, "必要性", "Why it is necessary", p.Necessity ?? "-");
            Fact(h, "对您的影响", "Effect on you", p.Impact ?? "-");
        }
        else
        {
            Fact(h, "敏感个人信息", "Sensitive information", "否 / No");
        }

        h.Append("</dl>\n");

        if (p.Fields.Count > 0)
        {
            h.Append("<div class=\"table-wrap\"><table>\n<caption>").Append(Encode(p.Name)).Append("：处理的个人信息 <span lang=\"en\" class=\"en\">information processed</span></caption>\n<thead><tr>");
            Th(h, "记录类型", "Record");
            Th(h, "字段", "Field");
            Th(h, "说明", "Description");
            Th(h, "类别", "Category");
            Th(h, "级别", "Level");
            Th(h, "敏感类别", "Sensitive");
            Th(h, "收集或使用", "Collected or used");
            h.Append("</tr></thead>\n<tbody>\n");
            foreach (var f in p.Fields)
            {
                h.Append("<tr><td><code>").Append(Encode(f.Type)).Append("</code></td><td><code>").Append(Encode(f.Path)).Append("</code>");
                if (f.When is { } when)
                {
                    h.Append("<br><small>").Append(Encode(when.Sibling)).Append(" = ").Append(Encode(when.Value)).Append("</small>");
                }

                var category = NoticeTerms.Category(f.Category);
                h.Append("</td><td>").Append(Encode(f.Description ?? string.Empty))
                    .Append("</td><td>").Append(Encode(category.Zh)).Append(" <span lang=\"en\" class=\"en\">").Append(Encode(category.En)).Append("</span>")
                    .Append("</td><td>").Append(f.Level.ToKey())
                    .Append("</td><td>").Append(Encode(string.Join("、", f.Tags.Select(t => NoticeTerms.Tag(t).Zh))))
                    .Append("</td><td>").Append(f.Collected ? "收集 <span lang=\"en\" class=\"en\">collected</span>" : "使用 <span lang=\"en\" class=\"en\">used</span>")
                    .Append("</td></tr>\n");
            }

            h.Append("</tbody>\n</table></div>\n");
        }

        if (p.Escalations.Count > 0)
        {
            h.Append("<p>记录含以下内容时按更高级别保护 <span lang=\"en\" class=\"en\">Records with the following are protected at a higher level</span>:</p>\n<ul>\n");
            foreach (var e in p.Escalations)
            {
                h.Append("<li><code>").Append(Encode(e.Type)).Append("</code> ").Append(Encode(e.Reason)).Append(" → ").Append(e.Level.ToKey()).Append("</li>\n");
            }

            h.Append("</ul>\n");
        }

        if (p.Recipients.Count > 0)
        {
            h.Append("<div class=\"table-wrap\"><table>\n<caption>").Append(Encode(p.Name)).Append("：接收方 <span lang=\"en\" class=\"en\">recipients</span></caption>\n<thead><tr>");
            Th(h, "接收方", "Recipient");
            Th(h, "类型", "Kind");
            Th(h, "所在地", "Jurisdiction");
            Th(h, "联系方式", "Contact");
            Th(h, "接收的信息", "Receives");
            h.Append("</tr></thead>\n<tbody>\n");
            foreach (var r in p.Recipients)
            {
                h.Append("<tr><td>").Append(Encode(r.Name)).Append("</td><td>").Append(Encode(NoticeTerms.RecipientKind(r.Kind).ToString()))
                    .Append("</td><td>").Append(Encode(r.Jurisdiction)).Append("</td><td>").Append(Encode(r.Contact))
                    .Append("</td><td>").Append(Encode(r.Receives ?? string.Empty)).Append("</td></tr>\n");
            }

            h.Append("</tbody>\n</table></div>\n");
        }

        h.Append("</section>\n");
    }

    private static void Heading(StringBuilder h, int level, string id, string zh, string en)
        => h.Append("<h").Append(level).Append(" id=\"").Append(id).Append("\">").Append(Encode(zh))
            .Append(" <span lang=\"en\" class=\"en\">").Append(Encode(en)).Append("</span></h").Append(level).Append(">\n");

    private static void Link(StringBuilder h, string id, string zh, string en)
        => h.Append("<li><a href=\"#").Append(id).Append("\">").Append(Encode(zh)).Append("</a> <span lang=\"en\" class=\"en\">").Append(Encode(en)).Append("</span></li>\n");

    private static void Fact(StringBuilder h, string zh, string en, string value)
        => h.Append("<dt>").Append(Encode(zh)).Append(" <span lang=\"en\" class=\"en\">").Append(Encode(en)).Append("</span></dt><dd>")
            .Append(Encode(value)).Append("</dd>\n");

    private static void Th(StringBuilder h, string zh, string en)
        => h.Append("<th scope=\"col\">").Append(Encode(zh)).Append(" <span lang=\"en\" class=\"en\">").Append(Encode(en)).Append("</span></th>");

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
