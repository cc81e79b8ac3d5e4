using static Cordon.Core.Tests.Profiles.ProfileFixture;

namespace Cordon.Core.Tests.Profiles;

/// <summary>Refusals that a compliance rule decides: each names its rule.</summary>
public sealed class ProfileLoaderRuleTests
{
    private const string ConsultationConsent = "    consent: separate\n    necessary: true\n    service: consultation";
    private const string DiagnosisRecordClass = "retentionClass: internet-diagnosis-record";
    private const string AccessLogRule = "  - { type: AccessLog, period: 1y, after: delete }";

    [Fact]
    public void Purpose_collecting_sensitive_fields_without_separate_consent_is_refused_with_R02()
    {
        var yaml = With(ConsultationConsent, "    consent: general\n    necessary: true\n    service: consultation");

        var error = AssertRefused(Load(yaml), LineOfConsent(yaml, "consultation"), "separate", "R02");
        Assert.Contains("Condition.code.coding.code: medical-health", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Purpose_reading_sensitive_fields_without_separate_consent_is_refused_with_R02()
    {
        var yaml = With("    collect: { Account: [\"*\"] }", "    collect: { Account: [\"*\"] }\n    read: { Account: [mobile], Patient: [identifier.value] }");

        var error = AssertRefused(Load(yaml), LineOfConsent(yaml, "account"), "separate", "R02");
        Assert.Contains("Patient.identifier.value: identity-document", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Purpose_touching_a_type_with_sensitive_escalations_without_separate_consent_is_refused_with_R02()
    {
        // Condition.code.text is not itself tagged here, but the type escalates to L5 on HIV codes.
        var yaml = Replace(
            With("{ path: code.text, category: health-status, level: L4, tags: [medical-health] }", "{ path: code.text, category: health-status, level: L4 }"),
            "    collect: { Account: [\"*\"] }",
            "    collect: { Account: [\"*\"] }\n    read: { Account: [mobile], Condition: [code.text] }");

        var error = AssertRefused(Load(yaml), LineOfConsent(yaml, "account"), "may be escalated to L5: HIV", "R02");
        Assert.Contains("'account'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("legal-duty")]
    [InlineData("health-emergency")]
    public void A_sensitive_purpose_under_a_legal_duty_or_health_emergency_needs_no_consent(string basis)
    {
        var yaml = With(
            "    legalBasis: contract\n    consent: separate\n    necessary: true\n    service: consultation",
            $"    legalBasis: {basis}\n    consent: none\n    necessary: true\n    service: consultation");

        var result = Load(yaml);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
    }

    [Fact]
    public void Written_consent_is_as_good_as_separate_consent()
    {
        Assert.True(Load(With(ConsultationConsent, "    consent: written\n    necessary: true\n    service: consultation")).Succeeded);
    }

    [Fact]
    public void A_purpose_without_a_legal_basis_is_refused_with_R01()
    {
        var yaml = With("    legalBasis: legal-duty\n", string.Empty);
        AssertRefused(Load(yaml), LineOf(yaml, "  security.logging:"), "exactly one lawful basis", "R01");
    }

    [Fact]
    public void A_purpose_with_two_legal_bases_is_refused_with_R01()
    {
        var yaml = With("    legalBasis: legal-duty", "    legalBasis: [legal-duty, consent]");
        AssertRefused(Load(yaml), LineOf(yaml, "legalBasis: [legal-duty, consent]"), "exactly one lawful basis", "R01");
    }

    [Fact]
    public void An_unknown_legal_basis_is_refused_with_R01()
    {
        var yaml = With("    legalBasis: legal-duty", "    legalBasis: legitimate-interest");
        AssertRefused(Load(yaml), LineOf(yaml, "legitimate-interest"), "not one of PIPL Art. 13's", "R01");
    }

    [Fact]
    public void Consent_none_with_basis_consent_is_contradictory_with_R01()
    {
        var yaml = With("    legalBasis: consent\n    consent: separate", "    legalBasis: consent\n    consent: none");
        AssertRefused(Load(yaml), LineOfConsent(yaml, "marketing.push"), "contradicts the legal basis 'consent'", "R01");
    }

    [Fact]
    public void An_unknown_consent_kind_is_refused()
    {
        var yaml = With("    legalBasis: consent\n    consent: separate", "    legalBasis: consent\n    consent: implied");
        AssertRefused(Load(yaml), LineOf(yaml, "consent: implied"), "consent kind 'implied' is not known", null);
    }

    [Fact]
    public void Restricted_access_on_a_purpose_whose_basis_is_not_a_legal_duty_is_refused_with_R19()
    {
        var yaml = With("    restrictedAccess: false", "    restrictedAccess: true");
        AssertRefused(Load(yaml), LineOf(yaml, "restrictedAccess: true"), "only a purpose whose legal basis is legal-duty", "R19");
    }

    [Fact]
    public void Restricted_access_under_a_legal_duty_is_accepted()
    {
        var yaml = With("    retention: 183d\n", "    retention: 183d\n    restrictedAccess: true\n");
        Assert.True(Load(yaml).Succeeded);
    }

    [Fact]
    public void A_purpose_keeping_medical_records_less_than_15_years_is_refused_with_R58()
    {
        var yaml = With("    retention: 15y", "    retention: 10y");
        var error = AssertRefused(Load(yaml), LineOf(yaml, "retention: 10y"), "less than the 15y", "R58");
        Assert.Contains("internet-diagnosis-record", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2y11m")]
    [InlineData("1y")]
    public void A_purpose_keeping_consultation_process_records_less_than_3_years_is_refused_with_R58(string period)
    {
        var yaml = Replace(With(DiagnosisRecordClass, "retentionClass: consultation-process"), "    retention: 15y", $"    retention: {period}");

        var error = AssertRefused(Load(yaml), LineOf(yaml, $"    retention: {period}"), "less than the 3y", "R58");
        Assert.Contains("consultation-process", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3y")]
    [InlineData("36m")]
    public void A_purpose_keeping_consultation_process_records_3_years_is_accepted(string period)
    {
        var yaml = Replace(With(DiagnosisRecordClass, "retentionClass: consultation-process"), "    retention: 15y", $"    retention: {period}");

        var result = Load(yaml);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
    }

    [Theory]
    [InlineData("consultation-process", "2y11m", "3y")]
    [InlineData("consultation-process", "1y", "3y")]
    [InlineData("internet-diagnosis-record", "14y11m", "15y")]
    [InlineData("internet-diagnosis-record", "3y", "15y")]
    public void A_type_retention_rule_below_the_medical_record_floor_is_refused_with_R58(string retentionClass, string period, string floor)
    {
        // The purpose keeps Condition 15y; only the type's own rule is short.
        var yaml = Replace(With(DiagnosisRecordClass, $"retentionClass: {retentionClass}"), AccessLogRule, $"{AccessLogRule}\n  - {{ type: Condition, period: {period}, after: delete }}");

        var error = AssertRefused(Load(yaml), LineOf(yaml, $"{{ type: Condition, period: {period},"), $"is less than the {floor}", "R58");
        Assert.Contains($"retention rule for Condition: {period}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{retentionClass} data", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("consultation-process", "3y")]
    [InlineData("internet-diagnosis-record", "15y")]
    [InlineData("internet-diagnosis-record", "30y")]
    public void A_type_retention_rule_at_or_above_the_medical_record_floor_is_accepted(string retentionClass, string period)
    {
        var yaml = Replace(With(DiagnosisRecordClass, $"retentionClass: {retentionClass}"), AccessLogRule, $"{AccessLogRule}\n  - {{ type: Condition, period: {period}, after: delete }}");

        var result = Load(yaml);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
    }

    [Fact]
    public void A_network_log_purpose_keeping_less_than_183_days_is_refused_with_R44()
    {
        var yaml = With("    retention: 183d", "    retention: 6m");
        AssertRefused(Load(yaml), LineOf(yaml, "retention: 6m"), "less than the 183d", "R44");
    }

    [Fact]
    public void A_type_retention_rule_below_the_legal_minimum_is_refused_with_its_rule()
    {
        var yaml = With("{ type: AccessLog, period: 1y, after: delete }", "{ type: AccessLog, period: 90d, after: delete }");
        AssertRefused(Load(yaml), LineOf(yaml, "period: 90d"), "less than the 183d", "R44");
    }

    [Fact]
    public void Disclosure_records_kept_less_than_three_years_are_refused_with_R10()
    {
        var yaml = Replace(
            With("retentionClass: network-log", "retentionClass: disclosure-record"),
            "{ type: AccessLog, period: 1y, after: delete }",
            "{ type: AccessLog, period: 2y, after: delete }");
        AssertRefused(Load(yaml), LineOf(yaml, "period: 2y"), "less than the 3y", "R10");
    }

    [Fact]
    public void An_audit_retention_below_183_days_is_refused_with_R44()
    {
        var yaml = With("auditRetentionDays: 183", "auditRetentionDays: 182");
        AssertRefused(Load(yaml), LineOf(yaml, "auditRetentionDays: 182"), "less than the 183 days", "R44");
    }

    [Fact]
    public void A_sensitive_purpose_without_necessity_and_impact_is_refused_with_R09()
    {
        var yaml = With("    notice: { method: 图文问诊, necessity: 诊疗所需, impact: 敏感信息 }", "    notice: { method: 图文问诊, necessity: 诊疗所需 }");
        AssertRefused(Load(yaml), LineOf(yaml, "notice: { method: 图文问诊"), "its notice needs 'impact'", "R09");
    }

    [Theory]
    [InlineData("cancellation: h, ")]
    [InlineData("withdrawal: g, ")]
    [InlineData("complaint: j")]
    public void A_notice_missing_a_rights_channel_is_refused_with_R09(string channel)
    {
        var right = channel.Split(':')[0];
        var yaml = With(channel, string.Empty).Replace("explanation: i, }", "explanation: i }", StringComparison.Ordinal);
        AssertRefused(Load(yaml), LineOf(yaml, "  rights:"), $"the channel for '{right}' is missing", "R09");
    }

    [Fact]
    public void A_notice_without_a_child_policy_is_refused_with_R03()
    {
        var yaml = With("  childPolicy: 儿童个人信息规则\n", string.Empty);
        AssertRefused(Load(yaml), LineOfWhole(yaml, "notice:"), "'childPolicy' is missing", "R03");
    }

    [Fact]
    public void A_missing_operator_contact_is_refused_with_R09()
    {
        var yaml = With("  phone: \"010-1000\"\n", string.Empty);
        AssertRefused(Load(yaml), LineOfWhole(yaml, "operator:"), "'phone' is missing", "R09");
    }

    [Fact]
    public void A_missing_DPO_is_refused_with_R09()
    {
        var yaml = With("  dpo: { name: 张敏, email: dpo@test.cn }\n", string.Empty);
        AssertRefused(Load(yaml), LineOfWhole(yaml, "operator:"), "'dpo' is missing", "R09");
    }

    [Fact]
    public void A_DPO_without_an_email_is_refused_with_R09()
    {
        var yaml = With("  dpo: { name: 张敏, email: dpo@test.cn }", "  dpo: { name: 张敏 }");
        AssertRefused(Load(yaml), LineOf(yaml, "  dpo:"), "'email' is missing", "R09");
    }

    [Theory]
    [InlineData("internet-hospital", "US")]
    [InlineData("medical-institution", "HK")]
    public void Medical_data_stored_outside_China_is_refused_with_R38(string type, string region)
    {
        var yaml = With("  type: internet-hospital\n  address: 北京市", $"  type: {type}\n  address: 北京市").Replace("storageRegion: CN", $"storageRegion: {region}", StringComparison.Ordinal);
        AssertRefused(Load(yaml), LineOf(yaml, $"storageRegion: {region}"), "stores its data in China", "R38");
    }

    [Fact]
    public void A_storage_region_that_is_not_an_ISO_code_is_refused()
    {
        var yaml = With("  storageRegion: CN", "  storageRegion: China");
        AssertRefused(Load(yaml), LineOf(yaml, "storageRegion: China"), "ISO 3166", null);
    }

    [Fact]
    public void A_health_information_service_collecting_medical_records_is_refused_with_R59()
    {
        var yaml = With("  type: internet-hospital", "  type: health-information-service");
        var result = Load(yaml);

        AssertRefused(result, LineOf(yaml, "collect: { Condition: [\"*\"] }"), "may not store or process medical records", "R59");
    }

    [Fact]
    public void A_health_information_service_offering_consultation_is_refused_with_R59()
    {
        var yaml = With("  type: internet-hospital", "  type: health-information-service");
        AssertRefused(Load(yaml), LineOf(yaml, "service: consultation"), "may not diagnose or treat", "R59");
    }

    [Fact]
    public void An_unknown_operator_type_is_refused()
    {
        var yaml = With("  type: internet-hospital", "  type: clinic");
        AssertRefused(Load(yaml), LineOf(yaml, "type: clinic"), "operator type 'clinic' is not known", null);
    }

    [Fact]
    public void An_unknown_crypto_suite_is_refused()
    {
        var yaml = With("  cryptoSuite: standard", "  cryptoSuite: sm9");
        AssertRefused(Load(yaml), LineOf(yaml, "cryptoSuite: sm9"), "crypto suite 'sm9' is not known", null);
    }

    [Fact]
    public void Marketing_without_separate_consent_is_refused_with_R60()
    {
        var yaml = With("    legalBasis: consent\n    consent: separate", "    legalBasis: consent\n    consent: general");
        AssertRefused(Load(yaml), LineOfConsent(yaml, "marketing.push"), "marketing needs the person's separate consent", "R60");
    }

    [Fact]
    public void Marketing_declared_necessary_is_refused_with_R06()
    {
        var yaml = With("    necessary: false\n    service: marketing", "    necessary: true\n    service: marketing");
        AssertRefused(Load(yaml), LineBefore(yaml, "service: marketing"), "cannot be necessary", "R06");
    }

    [Fact]
    public void Providing_data_to_a_controller_without_separate_consent_is_refused_with_R10()
    {
        var yaml = With("kind: entrusted-processor", "kind: controller");
        AssertRefused(Load(yaml), LineOf(yaml, "    recipients: [sms]"), "needs separate consent", "R10");
    }

    [Fact]
    public void Providing_data_to_a_joint_controller_without_separate_consent_is_refused_with_R10()
    {
        var yaml = With("kind: entrusted-processor", "kind: joint-controller");

        var error = AssertRefused(Load(yaml), LineOf(yaml, "    recipients: [sms]"), "needs separate consent", "R10");
        Assert.Contains("'sms', a joint-controller", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Providing_data_to_a_joint_controller_under_separate_consent_is_accepted()
    {
        var yaml = Replace(With("kind: entrusted-processor", "kind: joint-controller"), "    consent: general", "    consent: separate");

        var result = Load(yaml);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
    }

    [Fact]
    public void Sending_data_abroad_without_separate_consent_is_refused_with_R33()
    {
        var yaml = With("jurisdiction: CN", "jurisdiction: SG");
        AssertRefused(Load(yaml), LineOf(yaml, "    recipients: [sms]"), "a transfer out of China needs separate consent", "R33");
    }

    [Fact]
    public void A_recipient_that_is_not_declared_is_refused_with_R10()
    {
        var yaml = With("    recipients: [sms]", "    recipients: [sms, analytics-sdk]");
        AssertRefused(Load(yaml), LineOf(yaml, "analytics-sdk"), "recipient 'analytics-sdk' is not declared", "R10");
    }

    [Fact]
    public void A_recipient_without_what_it_receives_is_refused_with_R10()
    {
        var yaml = With(", receives: 手机号 }", " }");
        AssertRefused(Load(yaml), LineOf(yaml, "  sms: {"), "'receives' is missing", "R10");
    }

    [Fact]
    public void A_purpose_naming_an_undeclared_type_is_refused()
    {
        var yaml = With("    collect: { Condition: [\"*\"] }", "    collect: { Condition: [\"*\"], Procedure: [\"*\"] }");
        AssertRefused(Load(yaml), LineOf(yaml, "Procedure"), "type 'Procedure', which the catalog does not declare", null);
    }

    [Fact]
    public void A_purpose_collecting_an_undeclared_path_is_refused()
    {
        var yaml = With("    collect: { Account: [\"*\"] }", "    collect: { Account: [mobile, password] }");
        AssertRefused(Load(yaml), LineOf(yaml, "password"), "collects 'Account.password', which the catalog does not declare", null);
    }

    [Fact]
    public void A_purpose_reading_an_undeclared_path_is_refused()
    {
        var yaml = With("    read: { Condition: [\"*\"], Patient: [name.text, gender] }", "    read: { Condition: [\"*\"], Patient: [name.text, birthDate] }");
        AssertRefused(Load(yaml), LineOf(yaml, "birthDate"), "reads 'Patient.birthDate', which the catalog does not declare", null);
    }

    [Fact]
    public void An_unknown_role_is_refused()
    {
        var yaml = With("    roles: { write: [app], read: [security] }", "    roles: { write: [app], read: [auditor] }");
        AssertRefused(Load(yaml), LineOf(yaml, "auditor"), "role 'auditor' is not known", null);
    }

    [Fact]
    public void An_unknown_service_is_refused()
    {
        var yaml = With("    service: security", "    service: logging");
        AssertRefused(Load(yaml), LineOf(yaml, "service: logging"), "service 'logging' is not known", null);
    }

    [Fact]
    public void A_malformed_retention_period_is_refused()
    {
        var yaml = With("    retention: 1y\n", "    retention: one year\n");
        AssertRefused(Load(yaml), LineOf(yaml, "retention: one year"), "is a period such as 15y", null);
    }

    [Fact]
    public void A_malformed_purpose_key_is_refused()
    {
        var yaml = With("  security.logging:", "  Security_Logging:");
        AssertRefused(Load(yaml), LineOf(yaml, "Security_Logging"), "purpose key 'Security_Logging'", null);
    }

    [Fact]
    public void A_duplicate_purpose_key_is_refused()
    {
        var yaml = With("masking:", "  account:\n    name: again\nmasking:");
        var second = Array.FindLastIndex(yaml.Split('\n'), l => l == "  account:") + 1;

        AssertRefused(Load(yaml), second, "duplicate purpose 'account'", null);
    }

    private static int LineOfConsent(string yaml, string purpose)
    {
        var lines = yaml.Split('\n');
        var start = Array.FindIndex(lines, l => l == $"  {purpose}:");
        var index = Array.FindIndex(lines, start, l => l.StartsWith("    consent:", StringComparison.Ordinal));
        return index + 1;
    }

    private static int LineBefore(string yaml, string fragment) => LineOf(yaml, fragment) - 1;
}
