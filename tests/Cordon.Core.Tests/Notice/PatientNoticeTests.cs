using System.Text.Json;
using System.Text.RegularExpressions;
using Cordon.Core.Notice;
using Cordon.Core.Profiles;
using Cordon.Core.Tests.Profiles;

namespace Cordon.Core.Tests.Notice;

/// <summary>
/// The notice a patient reads (issue 12, item 5): data in plain categories per purpose, no field paths and no rule ids,
/// a length a phone can take; the field-level detail in the technical annex.
/// </summary>
public sealed partial class PatientNoticeTests
{
    /// <summary>Characters the Chinese patient page of the default profile may have (it was 192,000 with every field path).</summary>
    private const int ChinesePageLimit = 20_000;

    /// <summary>The English page says the same in a language that takes about 1.8 times the characters.</summary>
    private const int EnglishPageLimit = 30_000;

    public static TheoryData<string, NoticeLanguage> PatientPages => new()
    {
        { "internet-hospital.yaml", NoticeLanguage.Chinese },
        { "internet-hospital.yaml", NoticeLanguage.English },
        { "health-information-service.yaml", NoticeLanguage.Chinese },
        { "health-information-service.yaml", NoticeLanguage.English },
    };

    private static PrivacyNotice Shipped(string file)
    {
        var result = ProfileLoader.Load(RepoFiles.ReadProfile(file), file);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        return PrivacyNotice.Build(result.Profile);
    }

    private static PrivacyNotice FromFixture(string yaml)
    {
        var result = ProfileFixture.Load(yaml);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        return PrivacyNotice.Build(result.Profile);
    }

    /// <summary>What a reader sees: the text of the page without its markup (attributes such as anchors are not shown).</summary>
    private static string Visible(string html) => Spaces().Replace(System.Net.WebUtility.HtmlDecode(Tags().Replace(html, " ")), " ");

    [Theory]
    [MemberData(nameof(PatientPages))]
    public void The_patient_notice_shows_no_rule_id(string file, NoticeLanguage language)
    {
        var notice = Shipped(file);

        Assert.Empty(RuleId().Matches(notice.ToHtml(language)).Select(m => m.Value));
        Assert.Empty(RuleId().Matches(notice.ToMarkdown(language)).Select(m => m.Value));
    }

    [Theory]
    [MemberData(nameof(PatientPages))]
    public void No_field_path_record_type_or_purpose_key_appears_on_the_patient_page(string file, NoticeLanguage language)
    {
        var notice = Shipped(file);
        var page = Visible(notice.ToHtml(language));
        var markdown = notice.ToMarkdown(language);

        var paths = notice.Purposes.SelectMany(p => p.Fields).Select(f => f.Path).Where(p => p.Contains('.', StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(paths.Count > 0 || file != "internet-hospital.yaml", "the default profile has dotted field paths to look for");
        foreach (var path in paths)
        {
            Assert.DoesNotContain(path, page, StringComparison.Ordinal);
            Assert.DoesNotContain(path, markdown, StringComparison.Ordinal);
        }

        foreach (var key in notice.Purposes.Select(p => p.Key).Where(k => k.IndexOfAny(['.', '-']) >= 0))
        {
            Assert.DoesNotContain(key, page, StringComparison.Ordinal);
            Assert.DoesNotContain(key, markdown, StringComparison.Ordinal);
        }

        foreach (var type in new[] { "MedicationRequest", "DiagnosticReport", "AccessLog" })
        {
            Assert.DoesNotContain(type, page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rule_ids_in_profile_text_are_taken_out_of_the_patient_notice()
    {
        var yaml = ProfileFixture.With("cancellation: h,", "cancellation: \"在设置中注销，15 个工作日内完成（R21）。/ Cancel in settings; done within 15 working days (R21).\",")
            .Replace("notice: { method: 短信 }", "notice: { method: \"一键退订（R13、R15、R60）。/ One-tap unsubscribe (R13, R15, R60).\" }", StringComparison.Ordinal)
            .Replace("notice: { method: 图文问诊,", "notice: { method: \"图文问诊（须有首诊诊断，R52）/ Text consultation (a first diagnosis is needed, R52); see R21/R22\",", StringComparison.Ordinal);
        var notice = FromFixture(yaml);
        var zh = Visible(notice.ToHtml(NoticeLanguage.Chinese));
        var en = Visible(notice.ToHtml(NoticeLanguage.English));

        Assert.DoesNotMatch(RuleId(), zh);
        Assert.DoesNotMatch(RuleId(), en);
        Assert.Contains("在设置中注销，15 个工作日内完成。", zh, StringComparison.Ordinal);
        Assert.Contains("一键退订。", zh, StringComparison.Ordinal);
        Assert.Contains("图文问诊（须有首诊诊断）", zh, StringComparison.Ordinal);
        Assert.Contains("Cancel in settings; done within 15 working days.", en, StringComparison.Ordinal);
        Assert.Contains("Text consultation (a first diagnosis is needed); see", en, StringComparison.Ordinal);
        Assert.Contains("R21", notice.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_language_shows_its_half_of_the_profile_text()
    {
        var notice = Shipped("internet-hospital.yaml");
        var zh = Visible(notice.ToHtml(NoticeLanguage.Chinese));
        var en = Visible(notice.ToHtml(NoticeLanguage.English));

        Assert.Contains("为就诊人预约本院门诊或在线号源。", zh, StringComparison.Ordinal);
        Assert.DoesNotContain("Book an outpatient or online slot", zh, StringComparison.Ordinal);
        Assert.Contains("Book an outpatient or online slot at our hospital for the patient.", en, StringComparison.Ordinal);
        Assert.DoesNotContain("为就诊人预约", en, StringComparison.Ordinal);
        Assert.DoesNotMatch(Han(), en.Replace("中文", string.Empty, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("用手机号注册。/ Register with a mobile number.", "用手机号注册。", "Register with a mobile number.")]
    [InlineData("王敏 / Wang Min", "王敏", "Wang Min")]
    [InlineData("手机 / 邮箱 / Phone / e-mail", "手机 / 邮箱", "Phone / e-mail")]
    [InlineData("见 https://example.cn/privacy 说明", "见 https://example.cn/privacy 说明", "见 https://example.cn/privacy 说明")]
    [InlineData("400-000-0000", "400-000-0000", "400-000-0000")]
    [InlineData("仅中文", "仅中文", "仅中文")]
    public void Profile_text_is_split_into_its_Chinese_and_English(string text, string zh, string en)
        => Assert.Equal(new BilingualText(zh, en), NoticeText.Split(text));

    [Fact]
    public void Each_purpose_says_what_it_collects_by_display_name_and_marks_what_is_sensitive()
    {
        var notice = Shipped("internet-hospital.yaml");
        var appointment = notice.Purposes.Single(p => p.Key == "appointment");

        Assert.Equal(["姓名", "证件类型与号码", "就诊人档案（档案编号、签约医生等）", "就诊科室与号别", "预约信息（号源、就诊时间、预约状态）"], appointment.Data.Select(d => d.Name.Zh));
        Assert.All(appointment.Data, d => Assert.True(d.Collected));
        Assert.True(appointment.Data.Single(d => d.Name.En == "ID type and number").Sensitive);
        Assert.False(appointment.Data.Single(d => d.Name.En == "Name").Sensitive);

        var consultation = notice.Purposes.Single(p => p.Key == "consultation");
        Assert.Contains(consultation.Data, d => d.Name.Zh.StartsWith("问诊对话", StringComparison.Ordinal) && d.Collected && d.Sensitive);
        Assert.Contains(consultation.Data, d => d.Name.Zh == "性别与出生日期" && !d.Collected);

        var zh = notice.ToMarkdown();
        Assert.Contains("- **我们收集**: 姓名、证件类型与号码（敏感）、就诊人档案", zh, StringComparison.Ordinal);
        Assert.Contains("《个人信息保护法》第十三条第一款第二项", zh, StringComparison.Ordinal);
        Assert.Contains("证件类型与号码<em>（敏感）</em>", notice.ToHtml(), StringComparison.Ordinal);
        var en = notice.ToMarkdown(NoticeLanguage.English);
        Assert.Contains("- **We collect**: Name; ID type and number (sensitive); Patient record", en, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(notice.ToJson());
        var data = json.RootElement.GetProperty("purposes")[1].GetProperty("data");
        Assert.Equal("姓名", data[0].GetProperty("name").GetProperty("zh").GetString());
        Assert.True(data[1].GetProperty("sensitive").GetBoolean());
    }

    [Fact]
    public void A_type_without_a_display_name_is_named_by_its_description_or_else_its_name()
    {
        var yaml = ProfileFixture.With("  Account:\n    kind: declared\n", "  Account:\n    kind: declared\n    description: \"注册账号 / Registered account\"\n");
        var notice = FromFixture(yaml);

        Assert.Equal(new BilingualText("注册账号", "Registered account"), notice.Purposes.Single(p => p.Key == "account").Data.Single().Name);
        Assert.Contains(new BilingualText("Condition", "Condition"), notice.Purposes.Single(p => p.Key == "consultation").Data.Select(d => d.Name));
    }

    [Fact]
    public void The_annex_lists_every_field_path_each_purpose_collects_or_uses()
    {
        var notice = Shipped("internet-hospital.yaml");
        var annex = notice.ToAnnexHtml();

        var fields = notice.Purposes.SelectMany(p => p.Fields).Select(f => (f.Type, f.Path, f.When)).Distinct().ToList();
        Assert.True(fields.Count > 500, $"only {fields.Count} fields");
        Assert.Equal(fields.Count, notice.Types.Sum(t => t.Fields.Count));
        Assert.Equal(fields.Count, Count(annex, "<tr><td><code>"));
        foreach (var type in notice.Types)
        {
            var start = annex.IndexOf($"<section aria-labelledby=\"type-{type.Name}\">", StringComparison.Ordinal);
            Assert.True(start >= 0, type.Name);
            var section = annex[start..annex.IndexOf("</section>", start, StringComparison.Ordinal)];
            foreach (var (t, path, _) in fields.Where(f => f.Type == type.Name))
            {
                Assert.Contains($"<tr><td><code>{path}</code>", section, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void The_patient_pages_of_the_default_profile_stay_short()
    {
        var notice = Shipped("internet-hospital.yaml");

        Assert.InRange(notice.ToHtml(NoticeLanguage.Chinese).Length, 1, ChinesePageLimit);
        Assert.InRange(notice.ToMarkdown(NoticeLanguage.Chinese).Length, 1, ChinesePageLimit);
        Assert.InRange(notice.ToHtml(NoticeLanguage.English).Length, 1, EnglishPageLimit);
        Assert.InRange(notice.ToMarkdown(NoticeLanguage.English).Length, 1, EnglishPageLimit);
    }

    private static int Count(string text, string fragment)
    {
        var count = 0;
        for (var i = text.IndexOf(fragment, StringComparison.Ordinal); i >= 0; i = text.IndexOf(fragment, i + fragment.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [GeneratedRegex(@"\bR\d{2}\b")]
    private static partial Regex RuleId();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Han();
}
