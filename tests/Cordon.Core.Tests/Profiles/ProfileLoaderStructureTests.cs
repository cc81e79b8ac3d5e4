using Cordon.Core.Access;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;
using Cordon.Core.Profiles;
using static Cordon.Core.Tests.Profiles.ProfileFixture;

namespace Cordon.Core.Tests.Profiles;

public sealed class ProfileLoaderStructureTests
{
    [Fact]
    public void The_fixture_profile_loads_with_zero_errors()
    {
        var result = Load(Valid);

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void The_loaded_model_carries_what_the_yaml_says()
    {
        var profile = Load(Valid).Profile!;

        Assert.Equal(FileName, profile.FileName);
        Assert.Equal(Valid, profile.SourceText);
        Assert.Equal("测试医院", profile.Operator.Name);
        Assert.Equal(OperatorType.InternetHospital, profile.Operator.Type);
        Assert.Equal(CryptoSuiteId.Standard, profile.Operator.CryptoSuite);
        Assert.Equal("dpo@test.cn", profile.Operator.DpoEmail);
        Assert.Equal(14, profile.Settings.GuardianConsentBelowAge);
        Assert.Equal(183, profile.AuditRetentionDays);
        Assert.Equal(["account", "consultation", "marketing.push", "security.logging"], profile.Purposes.Select(p => p.Key));

        var consultation = profile.FindPurpose("consultation")!;
        Assert.Equal(LegalBasis.Contract, consultation.LegalBasis);
        Assert.Equal(ConsentRequirement.Separate, consultation.Consent);
        Assert.Equal(RetentionPeriod.FromYears(15), consultation.Retention);
        Assert.True(consultation.WriteRoles.SetEquals([Role.App, Role.Physician]));
        Assert.Equal(["name.text", "gender"], consultation.Read["Patient"].Order(StringComparer.Ordinal).Reverse());
        Assert.Equal("诊疗所需", consultation.Notice.Necessity);

        var mask = Assert.Single(profile.Masking);
        Assert.Equal((Role.Support, "Patient", "identifier.value"), (mask.Role, mask.Type, mask.Path));
        Assert.Equal(new MaskSpec(MaskMethod.KeepEnds, 6, 4), mask.Mask);
        Assert.Equal("手机号", Assert.Single(profile.Recipients).Receives);
        Assert.Equal(RetentionPeriod.FromYears(1), Assert.Single(profile.RetentionRules).Period);
        Assert.Equal(10, profile.Notice.Rights.Count);

        Assert.True(profile.Catalog.TryGetType("Patient", out var patient));
        var residentId = patient.Fields.Single(f => f.When is not null);
        Assert.Equal(new FieldCondition("system", "urn:cordon:sid:cn-resident-id"), residentId.When);
        Assert.Equal(FieldFormat.CnResidentId, residentId.Format);
        Assert.Equal(SensitiveTags.IdentityDocument, residentId.Tags);
        Assert.Equal(LineOf(Valid, "urn:cordon:sid:cn-resident-id"), residentId.Line);
    }

    [Fact]
    public void Star_means_every_declared_path_of_the_type()
    {
        var profile = Load(Valid).Profile!;

        Assert.True(profile.FindPurpose("account")!.Collect["Account"].SetEquals(["mobile", "nickname"]));
        Assert.True(profile.FindPurpose("consultation")!.Collect["Condition"].SetEquals(["code.coding.code", "code.text"]));
    }

    [Fact]
    public void Read_defaults_to_collect()
    {
        var account = Load(Valid).Profile!.FindPurpose("account")!;

        Assert.Same(account.Collect, account.Read);
    }

    [Fact]
    public void A_syntax_error_is_one_error_at_its_mark()
    {
        var yaml = With("  title: 隐私政策", "  title: [隐私政策");
        var result = Load(yaml);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("YAML syntax:", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line >= LineOf(yaml, "title: [隐私政策"));
        Assert.Null(error.Rule);
    }

    [Fact]
    public void An_empty_text_is_refused()
    {
        var error = Assert.Single(Load(string.Empty).Errors);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_schema_is_refused()
    {
        var yaml = With("schema: cordon/profile@1", "schema: cordon/profile@2");
        AssertRefused(Load(yaml), 1, "cordon/profile@2", null);
    }

    [Fact]
    public void Unknown_keys_are_refused_wherever_they_are()
    {
        var yaml = Replace(With("auditRetentionDays: 183", "auditRetentionDays: 183\nauditDays: 200"), "    necessary: true\n    service: account", "    necessary: true\n    servce: account");
        var result = Load(yaml);

        AssertRefused(result, LineOf(yaml, "auditDays"), "unknown key 'auditDays'", null);
        AssertRefused(result, LineOf(yaml, "servce"), "unknown key 'servce'", null);
    }

    [Fact]
    public void A_wrong_node_kind_is_refused()
    {
        var yaml = With("    retention: 3y\n    recipients: [sms]", "    retention: [3y]\n    recipients: [sms]");
        AssertRefused(Load(yaml), LineOf(yaml, "retention: [3y]"), "is a single value, not a list", null);
    }

    [Fact]
    public void A_bad_boolean_is_refused()
    {
        var yaml = With("    necessary: false\n    service: marketing", "    necessary: yes\n    service: marketing");
        AssertRefused(Load(yaml), LineOf(yaml, "necessary: yes"), "true or false", null);
    }

    [Fact]
    public void Errors_are_all_collected_and_sorted_by_line()
    {
        var yaml = Replace(
            Replace(With("  storageRegion: CN", "  storageRegion: US"), "level: L3 }\n      - { path: identifier.system", "level: L9 }\n      - { path: identifier.system"),
            "  childPolicy: 儿童个人信息规则\n",
            string.Empty);
        var result = Load(yaml);

        Assert.True(result.Errors.Count >= 3, string.Join(Environment.NewLine, result.Errors));
        AssertRefused(result, LineOf(yaml, "storageRegion: US"), "CN", "R38");
        AssertRefused(result, LineOf(yaml, "level: L9"), "L1 to L5", null);
        AssertRefused(result, LineOfWhole(yaml, "notice:"), "childPolicy", "R03");
        Assert.Equal(result.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column), result.Errors);
    }

    [Fact]
    public void Loading_twice_gives_the_same_errors_in_the_same_order()
    {
        var yaml = With("  storageRegion: CN", "  storageRegion: JP");

        Assert.Equal(Load(yaml).Errors, Load(yaml).Errors);
    }

    [Fact]
    public void The_error_string_names_file_line_column_and_rule()
    {
        var yaml = With("auditRetentionDays: 183", "auditRetentionDays: 90");
        var error = AssertRefused(Load(yaml), LineOf(yaml, "auditRetentionDays: 90"), "183", "R44");

        Assert.Equal($"{FileName}:{error.Line}:{error.Column}: {error.Message} [R44]", error.ToString());
    }
}
