using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;
using Cordon.Core.Sharing;
using Cordon.Core.Subjects;
using Cordon.Core.Tests.Profiles;

namespace Cordon.Core.Tests.Sharing;

/// <summary>The egress gate's rules, one break at a time: each refusal with its code and rule, and what a plan that passes says.</summary>
public sealed class SharingPolicyTests
{
    private static readonly DateOnly Today = new(2026, 12, 4);

    internal static readonly Profile Profile = Load();

    private static Profile Load()
    {
        var text = ProfileFixture.With(
            "  sms: { name: 短信服务商, kind: entrusted-processor, jurisdiction: CN, contact: sms@test.cn, receives: 手机号 }",
            """
              sms: { name: 短信服务商, kind: entrusted-processor, jurisdiction: CN, contact: sms@test.cn, receives: 手机号 }
              lab: { name: 检验所, kind: controller, jurisdiction: CN, contact: lab@test.cn, receives: 诊断, endpoint: "https://lab.test/in", fields: { Condition: ["*"], Patient: [name.text] } }
              abroad: { name: 境外机构, kind: controller, jurisdiction: SG, contact: a@test.sg, receives: 姓名, endpoint: "https://abroad.test/in", fields: { Patient: [name.text, gender], Condition: ["*"], Survey: [district], Registry: [count] } }
              proc: { name: 外资检测, kind: entrusted-processor, jurisdiction: CN, foreignControlled: true, contact: p@test.cn, receives: 诊断, endpoint: "https://proc.test/in", fields: { Condition: ["*"] } }
              board: { name: 公开病例榜, kind: public, jurisdiction: CN, contact: web@test.cn, receives: 病种, endpoint: "https://board.test/in", fields: { Condition: [code.text] } }
              app-sdk: { name: 统计 SDK, kind: sdk, jurisdiction: CN, contact: s@test.cn, receives: 设备信息, method: sdk, fields: { Condition: [code.text] } }
            """);
        text = ProfileFixture.Replace(text, "  AccessLog:\n", "  Survey:\n    kind: declared\n    fields:\n      - { path: district, category: public-health, level: L2 }\n  Registry:\n    kind: declared\n    importantData: true\n    fields:\n      - { path: count, category: health-resources, level: L2 }\n  AccessLog:\n");
        text = ProfileFixture.Replace(text, "    read: { Condition: [\"*\"], Patient: [name.text, gender] }\n", "    read: { Condition: [\"*\"], Patient: [name.text, gender], Survey: [district], Registry: [count] }\n    recipients: [lab, abroad, proc, board, app-sdk]\n");
        text = ProfileFixture.Replace(text, "level: L5, tags: [medical-health], reason: HIV }", "level: L5, tags: [medical-health], reason: HIV }\n      - { path: code.coding.code, codes: [\"41040004\"], level: L5, tags: [medical-health, genetic], reason: 遗传病 }");
        var loaded = ProfileFixture.Load(text);
        Assert.True(loaded.Succeeded, string.Join(Environment.NewLine, loaded.Errors));
        return loaded.Profile!;
    }

    private static RecipientDef Recipient(string key) => Profile.Recipients.Single(r => r.Key == key);

    private static PurposeDef Purpose(string key) => Profile.FindPurpose(key)!;

    private static RecipientContract Contract(params string[] purposes) => new("HT-1", Today.AddDays(-30), Today.AddDays(-30), Today.AddDays(300), purposes.Length == 0 ? ["consultation"] : purposes, "约定目的", false, "delete");

    private static ImpactAssessment Assessment(string scope, string? recipient = null, DateOnly? until = null)
        => new("pia_1", "评估", [scope], [], recipient is null ? [] : [recipient], ["风险"], ["措施"], "王敏", Today.AddDays(-1), until);

    private static Result<SharingPlan> Plan(string recipient, RecipientContract? contract, IReadOnlyList<ImpactAssessment> assessments, string purpose = "consultation", string[]? types = null, GeneticFiling? filing = null)
        => SharingPolicy.Plan(Profile, new RecipientStanding(Recipient(recipient), contract, null, filing), Purpose(purpose), types ?? [], assessments, Today);

    private static void AssertRefused(Result<SharingPlan> result, string code, string rule)
    {
        Assert.True(result.Failed, "the plan passed");
        Assert.Equal(code, result.Failure.Code);
        Assert.Equal(rule, result.Failure.Rule);
        Assert.False(string.IsNullOrWhiteSpace(result.Failure.Detail));
    }

    [Fact]
    public void A_recipient_not_declared_for_the_purpose_or_types_it_may_not_receive_are_refused()
    {
        AssertRefused(Plan("lab", Contract(), [Assessment("sharing")], purpose: "account"), "sharing.purpose-not-allowed", "R10");
        AssertRefused(Plan("lab", Contract(), [Assessment("sharing")], types: ["Account"]), "sharing.field-not-allowed", "R10");
        AssertRefused(Plan("app-sdk", Contract(), [Assessment("entrusting")]), "sharing.no-delivery", "R11");
    }

    [Fact]
    public void Only_fields_both_the_recipient_and_the_purpose_allow_are_planned()
    {
        var plan = Plan("lab", Contract(), [Assessment("sharing")]);
        Assert.False(plan.Failed, plan.Failure?.Detail);
        Assert.Equal(["name.text"], plan.Value.Fields["Patient"]);
        Assert.Contains("code.coding.code", plan.Value.Fields["Condition"]);
        Assert.Equal(SharingActivity.Provide, plan.Value.Activity);
        Assert.True(plan.Value.ConsentRequired);
        Assert.True(plan.Value.Sensitive);
        Assert.False(plan.Value.Abroad);
        Assert.Equal(["R10", "R25"], plan.Value.Rules);
    }

    [Fact]
    public void Without_a_contract_in_force_for_the_purpose_nothing_is_shared()
    {
        AssertRefused(Plan("lab", null, [Assessment("sharing")]), "sharing.contract-required", "R11");
        AssertRefused(Plan("lab", Contract() with { ValidUntil = Today.AddDays(-1) }, [Assessment("sharing")]), "sharing.contract-expired", "R11");
        AssertRefused(Plan("lab", Contract() with { ValidFrom = Today.AddDays(1) }, [Assessment("sharing")]), "sharing.contract-expired", "R11");
        Assert.False(Plan("lab", Contract() with { ValidUntil = Today }, [Assessment("sharing")]).Failed);
        AssertRefused(Plan("lab", Contract("account"), [Assessment("sharing")]), "sharing.beyond-contract", "R11");
    }

    [Fact]
    public void An_approved_assessment_in_force_must_cover_the_activity_and_the_recipient()
    {
        AssertRefused(Plan("lab", Contract(), []), "assessment.required", "R25");
        AssertRefused(Plan("lab", Contract(), [Assessment("entrusting")]), "assessment.required", "R25");
        AssertRefused(Plan("lab", Contract(), [Assessment("sharing", "proc")]), "assessment.required", "R25");
        AssertRefused(Plan("lab", Contract(), [Assessment("sharing", until: Today.AddDays(-1))]), "assessment.required", "R25");
        AssertRefused(Plan("lab", Contract(), [Assessment("sharing") with { ApprovedOn = Today.AddDays(1) }]), "assessment.required", "R25");
        Assert.False(Plan("lab", Contract(), [Assessment("sharing", "lab", until: Today)]).Failed);
        AssertRefused(Plan("lab", Contract(), [Assessment("sharing") with { Purposes = ["account"] }]), "assessment.required", "R25");
    }

    [Fact]
    public void A_medical_institutions_clinical_data_never_goes_abroad_and_export_needs_its_own_assessment()
    {
        AssertRefused(Plan("abroad", Contract(), [Assessment("sharing"), Assessment("export")]), "localisation.required", "R38");
        AssertRefused(Plan("abroad", Contract(), [Assessment("sharing"), Assessment("export")], types: ["Survey"]), "localisation.required", "R38");
        AssertRefused(Plan("abroad", Contract(), [Assessment("sharing")], types: ["Patient"]), "assessment.required", "R25");
        var plan = Plan("abroad", Contract(), [Assessment("sharing"), Assessment("export")], types: ["Patient"]);
        Assert.False(plan.Failed, plan.Failure?.Detail);
        Assert.True(plan.Value.Abroad);
        Assert.False(plan.Value.Sensitive);
        Assert.Contains("R33", plan.Value.Rules);
    }

    [Fact]
    public void Important_data_abroad_needs_a_security_assessment_whatever_the_counts()
    {
        var plan = Plan("abroad", Contract(), [Assessment("sharing"), Assessment("export")], types: ["Registry"]);
        Assert.False(plan.Failed, plan.Failure?.Detail);
        Assert.True(plan.Value.ImportantData);
        Assert.False(Plan("abroad", Contract(), [Assessment("sharing"), Assessment("export")], types: ["Patient"]).Value!.ImportantData);
        var contract = new TransferBasis(TransferBasis.StandardContract, "SCC-1", Today.AddDays(-10));
        Assert.Equal("R36", SharingPolicy.CheckTransfer(new(2026, 1, 0, plan.Value.ImportantData), CrossBorderThresholds.Default, contract, Today)?.Rule);
    }

    [Fact]
    public void Genetic_data_to_a_foreign_controlled_party_needs_the_filing_and_entrusting_in_China_needs_no_consent_of_its_own()
    {
        AssertRefused(Plan("proc", Contract(), [Assessment("entrusting")]), "hgr.filing-required", "R39");
        var plan = Plan("proc", Contract(), [Assessment("entrusting")], filing: new GeneticFiling("国科遗办备字〔2026〕001", Today.AddDays(-3)));
        Assert.False(plan.Failed, plan.Failure?.Detail);
        Assert.True(plan.Value.Genetic);
        Assert.Equal(SharingActivity.Entrust, plan.Value.Activity);
        Assert.False(plan.Value.ConsentRequired);
        Assert.Contains("R39", plan.Value.Rules);

        // The same data to a Chinese handler that is not foreign-controlled needs no filing.
        Assert.True(Plan("lab", Contract(), [Assessment("sharing")]).Value!.Genetic);
    }

    [Theory]
    [InlineData(SubjectState.Active, ConsentStatus.Granted, false, null, null)]
    [InlineData(SubjectState.Active, ConsentStatus.GrantedByGuardian, true, null, null)]
    [InlineData(SubjectState.Active, ConsentStatus.Granted, true, "consent.guardian-required", "R03")]
    [InlineData(SubjectState.Active, ConsentStatus.None, false, "consent.recipient-missing", "R10")]
    [InlineData(SubjectState.Active, ConsentStatus.Refused, false, "consent.recipient-missing", "R10")]
    [InlineData(SubjectState.Active, ConsentStatus.Withdrawn, false, "consent.recipient-missing", "R08")]
    [InlineData(SubjectState.Active, ConsentStatus.NeedsRenewal, false, "consent.renewal-required", "R04")]
    [InlineData(SubjectState.Restricted, ConsentStatus.Granted, false, "access.subject-restricted", "R19")]
    [InlineData(SubjectState.Deceased, ConsentStatus.Granted, false, "access.subject-restricted", "R19")]
    [InlineData(SubjectState.Cancelled, ConsentStatus.Granted, false, "access.subject-restricted", "R19")]
    public void Each_subject_goes_only_when_active_and_with_their_separate_consent_to_the_recipient(SubjectState state, ConsentStatus consent, bool child, string? code, string? rule)
    {
        var plan = Plan("lab", Contract(), [Assessment("sharing")]).Value!;
        var refusal = SharingPolicy.CheckSubject(plan, state, consent, child);
        Assert.Equal(code, refusal?.Code);
        Assert.Equal(rule, refusal?.Rule);
    }

    [Fact]
    public void A_subject_who_withdrew_the_purposes_own_consent_shares_nothing_under_it_whatever_the_recipient_consent_says()
    {
        var plan = Plan("lab", Contract(), [Assessment("sharing")]).Value!;
        var consultation = Purpose("consultation");
        Assert.Null(SharingPolicy.CheckSubject(plan, consultation, SubjectState.Active, ConsentStatus.Granted, ConsentStatus.Granted, false));
        Assert.Equal("R08", SharingPolicy.CheckSubject(plan, consultation, SubjectState.Active, ConsentStatus.Withdrawn, ConsentStatus.Granted, false)?.Rule);
        Assert.Equal("consent.missing", SharingPolicy.CheckSubject(plan, consultation, SubjectState.Active, ConsentStatus.None, ConsentStatus.Granted, false)?.Code);
        Assert.Equal("access.subject-restricted", SharingPolicy.CheckSubject(plan, consultation, SubjectState.Restricted, ConsentStatus.Withdrawn, ConsentStatus.Granted, false)?.Code);
    }

    [Fact]
    public void Entrusting_in_China_asks_no_recipient_consent_but_still_only_active_subjects()
    {
        var plan = Plan("proc", Contract(), [Assessment("entrusting")], filing: new GeneticFiling("F-1", Today)).Value!;
        Assert.Null(SharingPolicy.CheckSubject(plan, SubjectState.Active, ConsentStatus.None, false));
        Assert.Equal("access.subject-restricted", SharingPolicy.CheckSubject(plan, SubjectState.Restricted, ConsentStatus.None, false)?.Code);
    }

    [Theory]
    [InlineData(0, 0, false, TransferMechanism.None)]
    [InlineData(99_999, 0, false, TransferMechanism.None)]
    [InlineData(100_000, 0, false, TransferMechanism.StandardContractOrCertification)]
    [InlineData(0, 1, false, TransferMechanism.StandardContractOrCertification)]
    [InlineData(999_999, 9_999, false, TransferMechanism.StandardContractOrCertification)]
    [InlineData(1_000_000, 0, false, TransferMechanism.SecurityAssessment)]
    [InlineData(0, 10_000, false, TransferMechanism.SecurityAssessment)]
    [InlineData(1, 0, true, TransferMechanism.SecurityAssessment)]
    public void The_year_counts_decide_the_mechanism_at_the_thresholds_of_the_2024_provisions(long nonSensitive, long sensitive, bool important, TransferMechanism expected)
        => Assert.Equal(expected, SharingPolicy.Required(new CrossBorderCounts(2026, nonSensitive, sensitive, important), CrossBorderThresholds.Default));

    [Fact]
    public void A_transfer_that_would_cross_into_a_mechanism_not_held_is_refused_with_its_rule()
    {
        var t = CrossBorderThresholds.Default;
        var contract = new TransferBasis(TransferBasis.StandardContract, "SCC-1", Today.AddDays(-10));
        var assessment = new TransferBasis(TransferBasis.SecurityAssessment, "SA-1", Today.AddYears(-2), Today.AddYears(1));
        Assert.Null(SharingPolicy.CheckTransfer(new(2026, 99_999, 0, false), t, null, Today));
        Assert.Equal("R35", SharingPolicy.CheckTransfer(new(2026, 100_000, 0, false), t, null, Today)?.Rule);
        Assert.Null(SharingPolicy.CheckTransfer(new(2026, 100_000, 0, false), t, contract, Today));
        Assert.Equal("R36", SharingPolicy.CheckTransfer(new(2026, 1_000_000, 0, false), t, contract, Today)?.Rule);
        Assert.Null(SharingPolicy.CheckTransfer(new(2026, 1_000_000, 0, false), t, assessment, Today));
        Assert.Equal("R36", SharingPolicy.CheckTransfer(new(2026, 1_000_000, 0, false), t, assessment with { ValidUntil = Today.AddDays(-1) }, Today)?.Rule);
        Assert.Equal("R35", SharingPolicy.CheckTransfer(new(2026, 0, 1, false), t, contract with { Since = Today.AddDays(1) }, Today)?.Rule);
        Assert.Null(SharingPolicy.CheckTransfer(new(2026, 5_000_000, 50_000, true), t, new TransferBasis(TransferBasis.Exempt, "HR", Today.AddDays(-1), null, "human-resources"), Today));
        Assert.Equal("crossborder.mechanism-required", SharingPolicy.CheckTransfer(new(2026, 0, 1, false), t, null, Today)?.Code);
        Assert.Equal("R36", SharingPolicy.CheckTransfer(new(2026, 0, 0, true), t, contract, Today)?.Rule);
    }

    [Fact]
    public void The_profile_refuses_a_recipient_entry_that_cannot_be_delivered_to_safely()
    {
        static ProfileLoadResult With(string entry) => ProfileFixture.Load(ProfileFixture.With(
            "  sms: { name: 短信服务商, kind: entrusted-processor, jurisdiction: CN, contact: sms@test.cn, receives: 手机号 }",
            "  sms: { name: 短信服务商, kind: entrusted-processor, jurisdiction: CN, contact: sms@test.cn, receives: 手机号, " + entry + " }"));

        Assert.Contains(With("method: fax").Errors, e => e.Message.Contains("method 'fax' is not known", StringComparison.Ordinal));
        Assert.Contains(With("endpoint: \"http://sms.test/in\"").Errors, e => e.Rule == "R10" && e.Message.Contains("https://", StringComparison.Ordinal));
        Assert.Contains(With("tlsPin: abc").Errors, e => e.Message.Contains("tlsPin", StringComparison.Ordinal));
        Assert.Contains(With("method: package").Errors, e => e.Rule == "R10" && e.Message.Contains("publicKey", StringComparison.Ordinal));
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var rsaKey = rsa.ExportSubjectPublicKeyInfoPem().ReplaceLineEndings("\\n");
        Assert.Contains(With("method: package, publicKey: \"" + rsaKey + "\"").Errors, e => e.Message.Contains("P-256", StringComparison.Ordinal));
        Assert.Contains(With("fields: { Account: [password] }").Errors, e => e.Message.Contains("Account.password", StringComparison.Ordinal));
        Assert.Contains(With("fields: { Nope: [\"*\"] }").Errors, e => e.Message.Contains("'Nope'", StringComparison.Ordinal));
        Assert.True(With("method: api, endpoint: \"https://sms.test/in\", tlsPin: \"" + Convert.ToBase64String(new byte[32]) + "\", fields: { Account: [mobile] }").Succeeded);
    }

    [Fact]
    public void Public_disclosure_under_a_purpose_without_separate_consent_is_refused_at_load()
    {
        var text = ProfileFixture.With(
            "  sms: { name: 短信服务商, kind: entrusted-processor, jurisdiction: CN, contact: sms@test.cn, receives: 手机号 }",
            "  sms: { name: 公开榜单, kind: public, jurisdiction: CN, contact: web@test.cn, receives: 昵称 }");
        var result = ProfileFixture.Load(text);
        Assert.Contains(result.Errors, e => e.Rule == "R12");
    }

    [Fact]
    public void A_processor_outside_the_gate_needs_the_same_contract_and_assessments()
    {
        RecipientStanding Standing(string key, RecipientContract? contract) => new(Recipient(key), contract, null, null);
        var consultation = Purpose("consultation");
        Assert.Equal("sharing.contract-required", SharingPolicy.CheckProcessor(Standing("proc", null), consultation, [Assessment("entrusting")], Today)?.Code);
        Assert.Equal("assessment.required", SharingPolicy.CheckProcessor(Standing("proc", Contract()), consultation, [Assessment("sharing")], Today)?.Code);
        Assert.Null(SharingPolicy.CheckProcessor(Standing("proc", Contract()), consultation, [Assessment("entrusting")], Today));
        Assert.Equal("assessment.required", SharingPolicy.CheckProcessor(Standing("abroad", Contract()), consultation, [Assessment("sharing")], Today)?.Code);
        Assert.Null(SharingPolicy.CheckProcessor(Standing("abroad", Contract()), consultation, [Assessment("sharing"), Assessment("export")], Today));
    }

    [Fact]
    public void Public_disclosure_needs_the_subjects_consent_and_an_assessment_of_disclosure()
    {
        AssertRefused(Plan("board", null, [Assessment("sharing")]), "assessment.required", "R25");
        var plan = Plan("board", null, [Assessment("disclosure")]);
        Assert.False(plan.Failed, plan.Failure?.Detail);
        Assert.Equal(SharingActivity.Disclose, plan.Value.Activity);
        Assert.True(plan.Value.ConsentRequired);
        Assert.Equal(["R12", "R25"], plan.Value.Rules);
        Assert.Equal("consent.recipient-missing", SharingPolicy.CheckSubject(plan.Value, SubjectState.Active, ConsentStatus.None, false)?.Code);
    }

    [Fact]
    public void The_notice_says_which_recipient_is_controlled_from_abroad_in_both_languages()
    {
        var notice = Core.Notice.PrivacyNotice.Build(Profile);
        Assert.Contains("境外实体控制", Core.Notice.NoticeHtml.Render(notice, Core.Notice.NoticeLanguage.Chinese, null), StringComparison.Ordinal);
        Assert.Contains("Controlled from outside China", Core.Notice.NoticeHtml.Render(notice, Core.Notice.NoticeLanguage.English, null), StringComparison.Ordinal);
        Assert.Contains("controlled from outside China", Core.Notice.NoticeMarkdown.Render(notice, Core.Notice.NoticeLanguage.English), StringComparison.Ordinal);
        Assert.Contains("\"foreignControlled\":true", notice.ToJson(), StringComparison.Ordinal);

        // A profile without the key keeps the notice (and its version) it had.
        var plain = Core.Notice.PrivacyNotice.Build(ProfileFixture.Load(ProfileFixture.Valid).Profile!);
        Assert.DoesNotContain("foreignControlled", plain.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void What_a_recipient_receives_is_part_of_its_purposes_fingerprint_so_a_change_renews_consent()
    {
        var before = new AccessPolicy(Profile).PurposeFingerprint("consultation");
        var text = ProfileFixture.Replace(Profile.SourceText, "fields: { Condition: [\"*\"], Patient: [name.text] }", "fields: { Condition: [\"*\"], Patient: [name.text, gender] }");
        var changed = ProfileFixture.Load(text).Profile!;
        Assert.NotEqual(before, new AccessPolicy(changed).PurposeFingerprint("consultation"));
        Assert.Equal(new AccessPolicy(Profile).PurposeFingerprint("account"), new AccessPolicy(changed).PurposeFingerprint("account"));
    }
}
