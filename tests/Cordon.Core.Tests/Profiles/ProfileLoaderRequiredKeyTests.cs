using static Cordon.Core.Tests.Profiles.ProfileFixture;

namespace Cordon.Core.Tests.Profiles;

/// <summary>
/// Keys the law makes a profile state. Each key is tested on its own: a test of one key of a map does not catch a
/// lost <c>required</c> or rule id on another.
/// </summary>
public sealed class ProfileLoaderRequiredKeyTests
{
    private const string Rights = "  rights: { access: a, copy: b, portability: c, correction: d, deletion: e, restriction: f, withdrawal: g, cancellation: h, explanation: i, complaint: j }\n";
    private const string Sms = "  sms: { name: 短信服务商, kind: entrusted-processor, jurisdiction: CN, contact: sms@test.cn, receives: 手机号 }";

    /// <summary>Removes <paramref name="original"/> and expects "'key' is missing" with the rule on the line of the map that owns the key.</summary>
    [Theory]
    [InlineData("  name: 测试医院\n", "", "operator:", "name", "R09")]
    [InlineData("  address: 北京市\n", "", "operator:", "address", "R09")]
    [InlineData("  email: privacy@test.cn\n", "", "operator:", "email", "R09")]
    [InlineData("  dpo: { name: 张敏, email: dpo@test.cn }", "  dpo: { email: dpo@test.cn }", "  dpo:", "name", "R09")]
    [InlineData("    name: 推送\n", "", "  marketing.push:", "name", "R09")]
    [InlineData("    description: 营销消息\n", "", "  marketing.push:", "description", "R09")]
    [InlineData("    notice: { method: 短信 }\n", "", "  marketing.push:", "notice", "R09")]
    [InlineData("    retention: 1y\n", "", "  marketing.push:", "retention", "R18")]
    [InlineData("    consent: general\n", "", "  account:", "consent", "R02")]
    [InlineData("  title: 隐私政策\n", "", "notice:", "title", "R09")]
    [InlineData("  intro: 说明\n", "", "notice:", "intro", "R09")]
    [InlineData("  afterRetention: 到期删除\n", "", "notice:", "afterRetention", "R09")]
    [InlineData(Rights, "", "notice:", "rights", "R09")]
    [InlineData(Sms, "  sms: { kind: entrusted-processor, jurisdiction: CN, contact: sms@test.cn, receives: 手机号 }", "  sms:", "name", "R10")]
    [InlineData(Sms, "  sms: { name: 短信服务商, kind: entrusted-processor, jurisdiction: CN, receives: 手机号 }", "  sms:", "contact", "R10")]
    public void A_missing_required_key_is_refused_at_its_map_naming_its_rule(string original, string replacement, string owner, string key, string rule)
    {
        var yaml = With(original, replacement);

        AssertRefused(Load(yaml), LineStarting(yaml, owner), $"'{key}' is missing", rule);
    }

    /// <summary>Blanks a required value and expects "'key' is empty" with the rule on the value's own line.</summary>
    [Theory]
    [InlineData("    legalBasis: legal-duty", "    legalBasis: \"\"", "legalBasis", "R01")]
    [InlineData("    legalBasis: legal-duty", "    legalBasis: ~", "legalBasis", "R01")]
    [InlineData("access: a,", "access: \"\",", "access", "R09")]
    [InlineData("complaint: j }", "complaint: ~ }", "complaint", "R09")]
    [InlineData("  name: 测试医院", "  name: \"  \"", "name", "R09")]
    public void An_empty_required_value_is_refused_at_the_value_naming_its_rule(string original, string replacement, string key, string rule)
    {
        var yaml = With(original, replacement);

        AssertRefused(Load(yaml), LineOf(yaml, replacement), $"'{key}' is empty", rule);
    }

    [Fact]
    public void A_profile_without_an_operator_is_refused_with_R09()
    {
        var yaml = WithoutSection("operator");

        AssertRefused(Load(yaml), LineStarting(yaml, "schema:"), "the profile: 'operator' is missing", "R09");
    }

    [Fact]
    public void A_profile_without_a_notice_is_refused_with_R09()
    {
        var yaml = WithoutSection("notice");

        AssertRefused(Load(yaml), LineStarting(yaml, "schema:"), "the profile: 'notice' is missing", "R09");
    }

    /// <summary>The valid profile without the top-level <paramref name="key"/> and everything indented under it.</summary>
    private static string WithoutSection(string key)
    {
        var lines = Valid.Split('\n').ToList();
        var start = lines.FindIndex(l => l == $"{key}:");
        Assert.True(start >= 0, $"no top-level '{key}:'");
        var end = lines.FindIndex(start + 1, l => !l.StartsWith(' '));
        lines.RemoveRange(start, (end < 0 ? lines.Count : end) - start);
        return string.Join('\n', lines);
    }

    /// <summary>The 1-based line of the first line that starts with <paramref name="prefix"/>.</summary>
    private static int LineStarting(string yaml, string prefix)
    {
        var index = Array.FindIndex(yaml.Split('\n'), l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(index >= 0, $"no line starting with '{prefix}'");
        return index + 1;
    }
}
