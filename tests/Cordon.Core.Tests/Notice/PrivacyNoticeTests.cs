using System.Text.Json;
using Cordon.Core.Notice;
using Cordon.Core.Profiles;
using Cordon.Core.Tests.Profiles;

namespace Cordon.Core.Tests.Notice;

public sealed class PrivacyNoticeTests
{
    private static readonly string[] AllRights = ["access", "copy", "portability", "correction", "deletion", "restriction", "withdrawal", "cancellation", "explanation", "complaint"];

    private static Profile LoadProfile(string yaml)
    {
        var result = ProfileFixture.Load(yaml);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        return result.Profile;
    }

    private static PrivacyNotice DefaultNotice()
    {
        var result = ProfileLoader.Load(RepoFiles.ReadProfile("internet-hospital.yaml"), "internet-hospital.yaml");
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        return PrivacyNotice.Build(result.Profile);
    }

    [Fact]
    public void The_JSON_notice_has_version_operator_purposes_and_rights()
    {
        var notice = PrivacyNotice.Build(LoadProfile(ProfileFixture.Valid));
        using var json = JsonDocument.Parse(notice.ToJson());
        var root = json.RootElement;

        Assert.Equal(notice.Version, root.GetProperty("version").GetString());
        Assert.Equal("测试医院", root.GetProperty("operator").GetProperty("name").GetString());
        Assert.Equal("internet-hospital", root.GetProperty("operator").GetProperty("type").GetString());
        Assert.Equal("CN", root.GetProperty("operator").GetProperty("storageRegion").GetString());
        Assert.Equal("dpo@test.cn", root.GetProperty("operator").GetProperty("dpo").GetProperty("email").GetString());
        Assert.Equal(["account", "consultation", "marketing.push", "security.logging"], root.GetProperty("purposes").EnumerateArray().Select(p => p.GetProperty("key").GetString()));
        Assert.Equal(AllRights, root.GetProperty("rights").EnumerateArray().Select(r => r.GetProperty("right").GetString()));
        Assert.Equal("儿童个人信息规则", root.GetProperty("childPolicy").GetString());
        Assert.Equal("j", root.GetProperty("complaint").GetString());
    }

    [Fact]
    public void A_purpose_in_JSON_says_basis_consent_data_sensitivity_retention_and_recipients()
    {
        var notice = PrivacyNotice.Build(LoadProfile(ProfileFixture.Valid));
        using var json = JsonDocument.Parse(notice.ToJson());
        var purposes = json.RootElement.GetProperty("purposes").EnumerateArray().ToDictionary(p => p.GetProperty("key").GetString()!);

        var consultation = purposes["consultation"];
        Assert.Equal("contract", consultation.GetProperty("legalBasis").GetString());
        Assert.Equal("separate", consultation.GetProperty("consent").GetString());
        Assert.Equal("单独同意", consultation.GetProperty("consentName").GetProperty("zh").GetString());
        Assert.True(consultation.GetProperty("necessary").GetBoolean());
        Assert.True(consultation.GetProperty("sensitive").GetBoolean());
        Assert.Equal(["medical-health"], consultation.GetProperty("sensitiveTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("诊疗所需", consultation.GetProperty("necessity").GetString());
        Assert.Equal("敏感信息", consultation.GetProperty("impact").GetString());
        Assert.Equal("15y", consultation.GetProperty("retention").GetString());
        Assert.Equal("delete", consultation.GetProperty("afterRetention").GetString());

        var fields = consultation.GetProperty("fields").EnumerateArray().ToList();
        var code = fields.Single(f => f.GetProperty("type").GetString() == "Condition" && f.GetProperty("path").GetString() == "code.coding.code");
        Assert.Equal("health-status", code.GetProperty("category").GetString());
        Assert.Equal("L4", code.GetProperty("level").GetString());
        Assert.True(code.GetProperty("collected").GetBoolean());
        var gender = fields.Single(f => f.GetProperty("path").GetString() == "gender");
        Assert.False(gender.GetProperty("collected").GetBoolean());
        Assert.Equal("HIV", consultation.GetProperty("escalations")[0].GetProperty("reason").GetString());

        var account = purposes["account"];
        Assert.False(account.GetProperty("sensitive").GetBoolean());
        var sms = account.GetProperty("recipients")[0];
        Assert.Equal("短信服务商", sms.GetProperty("name").GetString());
        Assert.Equal("entrusted-processor", sms.GetProperty("kind").GetString());
        Assert.Equal("手机号", sms.GetProperty("receives").GetString());
    }

    [Fact]
    public void The_version_is_sixteen_lower_case_hex_characters_and_stable()
    {
        var a = PrivacyNotice.Build(LoadProfile(ProfileFixture.Valid));
        var b = PrivacyNotice.Build(LoadProfile(ProfileFixture.Valid));

        Assert.Matches("^[0-9a-f]{16}$", a.Version);
        Assert.Equal(a.Version, b.Version);
        Assert.Equal(a.ToJson(), b.ToJson());
    }

    [Theory]
    [InlineData("    description: 在线复诊", "    description: 在线问诊与复诊")]
    [InlineData("    retention: 15y", "    retention: 16y")]
    [InlineData("impact: 敏感信息 }", "impact: 敏感信息，可能影响就业 }")]
    [InlineData("withdrawal: g,", "withdrawal: 在设置中撤回,")]
    [InlineData("  phone: \"010-1000\"", "  phone: \"010-2000\"")]
    [InlineData("    read: { Condition: [\"*\"], Patient: [name.text, gender] }", "    read: { Condition: [\"*\"], Patient: [name.text] }")]
    [InlineData("receives: 手机号 }", "receives: 手机号与验证码 }")]
    [InlineData("{ path: gender, category: personal-attribute, level: L3 }", "{ path: gender, category: personal-attribute, level: L2 }")]
    [InlineData("  Patient:\n    kind: fhir\n", "  Patient:\n    kind: fhir\n    display: { zh: 就诊人, en: Patient }\n")]
    [InlineData("  Patient:\n    kind: fhir\n", "  Patient:\n    kind: fhir\n    groups: [{ display: { zh: 性别, en: Gender }, paths: [gender] }]\n")]
    public void The_version_changes_when_notice_content_changes(string original, string replacement)
    {
        var before = PrivacyNotice.Build(LoadProfile(ProfileFixture.Valid)).Version;
        var after = PrivacyNotice.Build(LoadProfile(ProfileFixture.With(original, replacement))).Version;

        Assert.NotEqual(before, after);
    }

    [Theory]
    [InlineData("auditRetentionDays: 183", "# a comment\nauditRetentionDays: 365")]
    [InlineData("    Patient: { identifier.value: \"keep-ends(6,4)\" }", "    Patient: { identifier.value: \"keep-ends(3,4)\" }")]
    [InlineData("  cryptoSuite: standard", "  cryptoSuite: national")]
    [InlineData("    roles: { write: [app], read: [security] }", "    roles: { write: [app], read: [security, dpo] }")]
    [InlineData("  name: 测试医院\n  type: internet-hospital", "  type: internet-hospital\n  name: 测试医院")]
    public void The_version_does_not_change_when_nothing_in_the_notice_does(string original, string replacement)
    {
        var before = PrivacyNotice.Build(LoadProfile(ProfileFixture.Valid)).Version;
        var after = PrivacyNotice.Build(LoadProfile(ProfileFixture.With(original, replacement))).Version;

        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData(NoticeLanguage.Chinese)]
    [InlineData(NoticeLanguage.English)]
    public void Markdown_and_HTML_contain_every_purpose_and_every_right(NoticeLanguage language)
    {
        var notice = DefaultNotice();
        var markdown = notice.ToMarkdown(language);
        var html = notice.ToHtml(language);

        Assert.Equal(12, notice.Purposes.Count);
        foreach (var purpose in notice.Purposes)
        {
            var name = language == NoticeLanguage.English ? purpose.NameEn! : purpose.Name;
            Assert.Contains($"### {name}", markdown, StringComparison.Ordinal);
            Assert.Contains($"id=\"purpose-{purpose.Key}\">{name}", html, StringComparison.Ordinal);
        }

        foreach (var right in notice.Rights)
        {
            Assert.Contains($"id=\"right-{right.Right}\"", html, StringComparison.Ordinal);
        }

        foreach (var right in notice.Rights.Where(r => r.Right != "complaint"))
        {
            var name = NoticeTerms.Right(right.Right);
            Assert.Contains(language == NoticeLanguage.English ? name.En : name.Zh, markdown, StringComparison.Ordinal);
        }

        Assert.Equal(AllRights, notice.Rights.Select(r => r.Right));
        Assert.Contains(notice.Version, markdown, StringComparison.Ordinal);
        Assert.Contains(notice.Version, html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(NoticeLanguage.Chinese, "zh-CN")]
    [InlineData(NoticeLanguage.English, "en")]
    public void The_HTML_is_a_complete_accessible_page(NoticeLanguage language, string lang)
    {
        var notice = DefaultNotice();
        var html = notice.ToHtml(language, new NoticeLinks("/privacy?lang=x", "/privacy/annex"));

        Assert.StartsWith($"<!DOCTYPE html>\n<html lang=\"{lang}\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta charset=\"utf-8\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", html, StringComparison.Ordinal);
        Assert.Contains(language == NoticeLanguage.English ? "<title>Example Internet Hospital Privacy Policy</title>" : "<title>示例互联网医院个人信息保护政策</title>", html, StringComparison.Ordinal);
        Assert.Contains("<main>", html, StringComparison.Ordinal);
        Assert.Contains("<nav aria-labelledby=\"toc\">", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/privacy/annex\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/privacy?lang=x\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<table", html, StringComparison.Ordinal);
        Assert.EndsWith("</html>\n", html, StringComparison.Ordinal);
        foreach (var tag in new[] { "section", "dl", "ul", "ol", "nav", "h2", "h3" })
        {
            Assert.Equal(Count(html, $"<{tag}>") + Count(html, $"<{tag} "), Count(html, $"</{tag}>"));
        }

        var annex = notice.ToAnnexHtml();
        Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"zh-CN\">", annex, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">", annex, StringComparison.Ordinal);
        foreach (var tag in new[] { "table", "section", "tr", "td", "ul" })
        {
            Assert.Equal(Count(annex, $"<{tag}>") + Count(annex, $"<{tag} "), Count(annex, $"</{tag}>"));
        }
    }

    [Fact]
    public void The_HTML_encodes_hostile_profile_text()
    {
        const string hostile = "<script>alert('x')</script>\" onmouseover=\"x";
        var yaml = ProfileFixture.With("    description: 在线复诊", $"    description: '{hostile.Replace("'", "''", StringComparison.Ordinal)}'")
            .Replace("  title: 隐私政策", "  title: \"<img src=x onerror=alert(1)>\"", StringComparison.Ordinal);
        var notice = PrivacyNotice.Build(LoadProfile(yaml));

        var html = notice.ToHtml();
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\" onmouseover=\"", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot; onmouseover=&quot;x", html, StringComparison.Ordinal);
        Assert.Contains("<title>&lt;img src=x onerror=alert(1)&gt;</title>", html, StringComparison.Ordinal);

        var markdown = notice.ToMarkdown();
        Assert.DoesNotContain("<script>", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", markdown, StringComparison.Ordinal);

        var annex = notice.ToAnnexHtml();
        Assert.DoesNotContain("<img", annex, StringComparison.Ordinal);
        Assert.Contains("<title>&lt;img src=x onerror=alert(1)&gt; — 技术附录 / Technical annex</title>", annex, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(notice.ToJson());
        Assert.Equal(hostile, json.RootElement.GetProperty("purposes")[1].GetProperty("description").GetString());
    }

    [Fact]
    public void The_default_notice_marks_sensitive_purposes_and_gives_their_necessity_and_impact()
    {
        var notice = DefaultNotice();
        var sensitive = notice.Purposes.Where(p => p.Sensitive).Select(p => p.Key).ToHashSet();

        Assert.Contains("appointment", sensitive);
        Assert.Contains("consultation", sensitive);
        Assert.Contains("record-keeping", sensitive);
        Assert.DoesNotContain("account", sensitive);
        Assert.DoesNotContain("marketing.push", sensitive);
        Assert.All(notice.Purposes.Where(p => p.Sensitive), p => Assert.False(string.IsNullOrWhiteSpace(p.Necessity) || string.IsNullOrWhiteSpace(p.Impact), p.Key));
        Assert.Contains(notice.Purposes.Single(p => p.Key == "appointment").Fields, f => f.Path == "identifier.value" && f.Tags.Contains("identity-document"));
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
}
