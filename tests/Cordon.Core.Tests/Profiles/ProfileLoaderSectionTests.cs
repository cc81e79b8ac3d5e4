using static Cordon.Core.Tests.Profiles.ProfileFixture;

namespace Cordon.Core.Tests.Profiles;

public sealed class ProfileLoaderSectionTests
{
    private const string Masking = "    Patient: { identifier.value: \"keep-ends(6,4)\" }";

    [Fact]
    public void A_mask_for_an_unknown_role_is_refused()
    {
        var yaml = With("  support:\n    Patient:", "  helpdesk:\n    Patient:");
        AssertRefused(Load(yaml), LineOf(yaml, "helpdesk:"), "role 'helpdesk' is not known", null);
    }

    [Fact]
    public void A_mask_for_an_unknown_type_is_refused()
    {
        var yaml = With(Masking, "    Person: { identifier.value: \"keep-ends(6,4)\" }");
        AssertRefused(Load(yaml), LineOf(yaml, "Person:"), "type 'Person' is not declared", null);
    }

    [Fact]
    public void A_mask_for_an_undeclared_path_is_refused()
    {
        var yaml = With(Masking, "    Patient: { telecom.value: \"keep-ends(3,4)\" }");
        AssertRefused(Load(yaml), LineOf(yaml, "telecom.value"), "'telecom.value' is not a declared path of Patient", null);
    }

    [Theory]
    [InlineData("keep-ends(6)")]
    [InlineData("keep-ends(-1,4)")]
    [InlineData("keep-end(6,4)")]
    [InlineData("hash")]
    [InlineData("keep-ends(100,4)")]
    public void A_malformed_mask_method_is_refused(string method)
    {
        var yaml = With(Masking, $"    Patient: {{ identifier.value: \"{method}\" }}");
        AssertRefused(Load(yaml), LineOf(yaml, method), $"'{method}' is not a mask method", null);
    }

    [Theory]
    [InlineData("year")]
    [InlineData("redact")]
    [InlineData("keep-ends( 3 , 0 )")]
    public void The_mask_methods_are_accepted(string method)
    {
        var result = Load(With(Masking, $"    Patient: {{ identifier.value: \"{method}\" }}"));
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
    }

    [Theory]
    [InlineData("guardianConsentBelowAge", 19, "R03")]
    [InlineData("guardianConsentBelowAge", 0, "R03")]
    [InlineData("guardianConsentBelowAge", 13, "R03")]
    [InlineData("paediatricPrescriptionBelowAge", 20, "R57")]
    [InlineData("paediatricPrescriptionBelowAge", 5, "R57")]
    [InlineData("rightsRequestDueWorkingDays", 16, "R22")]
    [InlineData("minimumPracticeYears", 2, "R53")]
    [InlineData("consentReaskAfterDays", 0, "R05")]
    public void A_setting_out_of_range_is_refused_naming_its_rule(string key, int value, string rule)
    {
        var yaml = With("auditRetentionDays: 183", $"settings:\n  {key}: {value}\nauditRetentionDays: 183");
        AssertRefused(Load(yaml), LineOf(yaml, $"  {key}: {value}"), $"'{key}' is", rule);
    }

    [Fact]
    public void Settings_within_range_are_read()
    {
        var yaml = With("auditRetentionDays: 183", "settings:\n  guardianConsentBelowAge: 16\n  rightsRequestDueWorkingDays: 10\nauditRetentionDays: 183");
        var settings = Load(yaml).Profile!.Settings;

        Assert.Equal(16, settings.GuardianConsentBelowAge);
        Assert.Equal(10, settings.RightsRequestDueWorkingDays);
        Assert.Equal(6, settings.PaediatricPrescriptionBelowAge);
    }

    [Fact]
    public void A_setting_that_is_not_a_number_is_refused()
    {
        var yaml = With("auditRetentionDays: 183", "settings:\n  guardianConsentBelowAge: fourteen\nauditRetentionDays: 183");
        AssertRefused(Load(yaml), LineOf(yaml, "fourteen"), "is a whole number", null);
    }

    [Fact]
    public void An_unknown_recipient_kind_is_refused()
    {
        var yaml = With("kind: entrusted-processor", "kind: partner");
        AssertRefused(Load(yaml), LineOf(yaml, "kind: partner"), "kind 'partner' is not known", null);
    }

    [Fact]
    public void A_retention_rule_for_an_undeclared_type_is_refused()
    {
        var yaml = With("{ type: AccessLog, period: 1y", "{ type: AuditLog, period: 1y");
        AssertRefused(Load(yaml), LineOf(yaml, "AuditLog"), "type 'AuditLog' is not declared", null);
    }

    [Fact]
    public void A_notice_effective_date_must_be_a_date()
    {
        var yaml = With("  effective: \"2026-12-01\"", "  effective: \"December 2026\"");
        AssertRefused(Load(yaml), LineOf(yaml, "December 2026"), "YYYY-MM-DD", null);
    }

    [Fact]
    public void An_unknown_right_is_refused()
    {
        var yaml = With("complaint: j }", "complaint: j, objection: k }");
        AssertRefused(Load(yaml), LineOf(yaml, "objection"), "unknown key 'objection'", null);
    }

    [Fact]
    public void A_purpose_without_a_method_is_refused_with_R09()
    {
        var yaml = With("    notice: { method: 短信 }", "    notice: { }");
        var result = Load(yaml);
        Assert.Contains(result.Errors, e => e.Rule == "R09" && e.Message.Contains("'method' is missing", StringComparison.Ordinal));
    }
}
