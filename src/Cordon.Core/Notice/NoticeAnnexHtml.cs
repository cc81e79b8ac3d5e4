using System.Text;
using Cordon.Core.Catalog;

namespace Cordon.Core.Notice;

/// <summary>
/// Renders the technical annex of a <see cref="PrivacyNotice"/>: for the protection officer and regulators, every field
/// path that some purpose collects or uses, by record type, with its category (GB/T 39725), level, sensitive tags, the
/// name the patient page gives it and each purpose that touches it. Bilingual headings; profile text encoded.
/// </summary>
internal static class NoticeAnnexHtml
{
    private const string AnnexStyle = """
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; margin: .75rem 0 1.25rem; font-size: .9rem; }
        th, td { border: 1px solid var(--line); padding: .3rem .45rem; vertical-align: top; text-align: left; }
        thead th { background: color-mix(in srgb, var(--accent) 12%, transparent); }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
        header, main, footer { max-width: 90rem; }
        """;

    public static string Render(PrivacyNotice n, NoticeLinks? links)
    {
        var h = new StringBuilder(256 * 1024);
        var encode = (Func<string, string>)NoticeHtml.Encode;
        h.Append("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"cordon-notice-version\" content=\"").Append(encode(n.Version)).Append("\">\n")
            .Append("<title>").Append(encode(n.Title)).Append(" — 技术附录 / Technical annex</title>\n<style>\n")
            .Append(NoticeHtml.BaseStyle).Append(AnnexStyle).Append("</style>\n</head>\n<body>\n<header>\n");
        if (links?.Notice is { } notice)
        {
            h.Append("<p class=\"langs\"><a href=\"").Append(encode(notice)).Append("\">← 个人信息保护政策 <span lang=\"en\">Privacy notice</span></a></p>\n");
        }

        h.Append("<h1>技术附录：处理的个人信息字段 <span lang=\"en\" class=\"meta\">Technical annex: the fields processed</span></h1>\n")
            .Append("<p class=\"meta\">").Append(encode(n.Title)).Append(" · 版本 <span lang=\"en\">Version</span> <code>").Append(encode(n.Version)).Append("</code></p>\n")
            .Append("<p>本附录面向个人信息保护负责人与监管部门，按记录类型列出各处理目的收集或使用的每个字段，及其类别（GB/T 39725）、级别、敏感类别和在政策正文中的名称。")
            .Append("<span lang=\"en\" class=\"meta\"> For the protection officer and regulators: every field each purpose collects or uses, by record type, with its category (GB/T 39725), level, sensitive tags and the name the notice gives it.</span></p>\n")
            .Append("</header>\n<main>\n<nav aria-labelledby=\"toc\">\n<h2 id=\"toc\">目录 <span lang=\"en\" class=\"meta\">Contents</span></h2>\n<ol>\n");
        foreach (var t in n.Types)
        {
            h.Append("<li><a href=\"#type-").Append(encode(t.Name)).Append("\">").Append(encode(t.DisplayName.Zh)).Append("</a> <code>").Append(encode(t.Name))
                .Append("</code> (").Append(t.Fields.Count).Append(")</li>\n");
        }

        h.Append("</ol>\n</nav>\n");
        foreach (var t in n.Types)
        {
            h.Append("<section aria-labelledby=\"type-").Append(encode(t.Name)).Append("\">\n<h2 id=\"type-").Append(encode(t.Name)).Append("\">").Append(encode(t.DisplayName.Zh))
                .Append(" <span lang=\"en\" class=\"meta\">").Append(encode(t.DisplayName.En)).Append("</span> <code>").Append(encode(t.Name)).Append("</code></h2>\n");
            if (t.Description is not null)
            {
                h.Append("<p>").Append(encode(t.Description)).Append("</p>\n");
            }

            h.Append("<div class=\"table-wrap\"><table>\n<thead><tr>");
            Th(h, "字段", "Field");
            Th(h, "说明", "Description");
            Th(h, "政策中的名称", "Named in the notice");
            Th(h, "类别", "Category");
            Th(h, "级别", "Level");
            Th(h, "敏感类别", "Sensitive");
            Th(h, "处理目的（收集 / 使用）", "Purposes (collected / used)");
            h.Append("</tr></thead>\n<tbody>\n");
            foreach (var row in t.Fields)
            {
                var f = row.Field;
                h.Append("<tr><td><code>").Append(encode(f.Path)).Append("</code>");
                if (f.When is { } when)
                {
                    h.Append("<br><small>").Append(encode(when.Sibling)).Append(" = ").Append(encode(when.Value)).Append("</small>");
                }

                var category = NoticeTerms.Category(f.Category);
                h.Append("</td><td>").Append(encode(f.Description ?? string.Empty))
                    .Append("</td><td>").Append(encode(row.DisplayName.Zh)).Append(" / ").Append(encode(row.DisplayName.En))
                    .Append("</td><td>").Append(encode(category.Zh)).Append(" / ").Append(encode(category.En))
                    .Append("</td><td>").Append(f.Level.ToKey())
                    .Append("</td><td>").Append(encode(string.Join("、", f.Tags.Select(tag => NoticeTerms.Tag(tag).Zh))))
                    .Append("</td><td>");
                for (var i = 0; i < row.Uses.Count; i++)
                {
                    var use = row.Uses[i];
                    h.Append(i == 0 ? string.Empty : "；").Append(encode(NoticeText.Split(use.PurposeName).Zh)).Append(use.Collected ? "（收集）" : "（使用）");
                }

                h.Append("</td></tr>\n");
            }

            h.Append("</tbody>\n</table></div>\n");
            if (t.Escalations.Count > 0)
            {
                h.Append("<p>记录含以下编码时整条记录升级保护 <span lang=\"en\" class=\"meta\">A record with these codes is protected at a higher level</span>:</p>\n<ul>\n");
                foreach (var e in t.Escalations)
                {
                    h.Append("<li>").Append(encode(e.Reason)).Append(" → ").Append(e.Level.ToKey()).Append("</li>\n");
                }

                h.Append("</ul>\n");
            }

            h.Append("</section>\n");
        }

        h.Append("</main>\n<footer class=\"meta\">\n<p>").Append(encode(n.Operator.Name)).Append(" · ").Append(encode(n.Version)).Append("</p>\n</footer>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static void Th(StringBuilder h, string zh, string en)
        => h.Append("<th scope=\"col\">").Append(NoticeHtml.Encode(zh)).Append(" <span lang=\"en\" class=\"meta\">").Append(NoticeHtml.Encode(en)).Append("</span></th>");
}
