using Cordon.Core.Marketing;

namespace Cordon.Core.Tests.Marketing;

public sealed class MessageRulesTests
{
    private static readonly CampaignSender Sender = new("仁心互联网医院", "400-820-1234");

    private static CampaignContent Lawful(string body = "春季健康讲座本周六开讲")
        => new($"{{nickname}}您好，{body}。仁心互联网医院 400-820-1234 退订 {{unsubscribe}}", $"您好，{body}。仁心互联网医院 400-820-1234 退订 {{unsubscribe}}");

    [Fact]
    public void A_message_with_sender_contact_and_unsubscribe_link_and_no_medical_claims_is_lawful()
    {
        var check = MessageRules.Check(Sender, Lawful(), null, AdContentRules.Default);

        Assert.True(check.Lawful, string.Join("; ", check.Violations));
        Assert.False(check.Medical);
    }

    [Fact]
    public void A_message_without_the_senders_identity_or_contact_is_refused_under_R15()
    {
        var noSender = MessageRules.Check(null, Lawful(), null, AdContentRules.Default);
        Assert.Equal(MessageRules.SenderMissing, noSender.Primary!.Code);
        Assert.Equal("R15", noSender.Primary.Rule);

        var notInText = MessageRules.Check(Sender, new CampaignContent("您好 {unsubscribe}", "您好 {unsubscribe}"), null, AdContentRules.Default);
        Assert.Equal(MessageRules.SenderMissing, notInText.Primary!.Code);
        Assert.Equal(2, notInText.Violations.Count(v => v.Code == MessageRules.SenderMissing));
    }

    [Fact]
    public void A_message_without_the_unsubscribe_link_is_refused_under_R15()
    {
        var content = new CampaignContent("仁心互联网医院 400-820-1234 {unsubscribe}", "仁心互联网医院 400-820-1234 回复TD退订");
        var check = MessageRules.Check(Sender, content, null, AdContentRules.Default);

        var violation = Assert.Single(check.Violations);
        Assert.Equal(MessageRules.UnsubscribeMissing, violation.Code);
        Assert.Equal("content.plain", violation.Field);
        Assert.Equal("R15", violation.Rule);
    }

    [Fact]
    public void The_non_personalised_variant_may_not_use_personal_data()
    {
        var content = new CampaignContent("{nickname} 仁心互联网医院 400-820-1234 {unsubscribe}", "{nickname} 仁心互联网医院 400-820-1234 {unsubscribe}");
        Assert.Equal(MessageRules.PlainPersonalised, MessageRules.Check(Sender, content, null, AdContentRules.Default).Primary!.Code);
    }

    [Theory]
    [InlineData("本品保证治愈，无效退款", AdCategories.EfficacyGuarantee, "保证治愈")]
    [InlineData("专治失眠，药到病除", AdCategories.EfficacyGuarantee, "药到病除")]
    [InlineData("新药100%有效", AdCategories.EfficacyGuarantee, "100%有效")]
    [InlineData("手术安全无副作用", AdCategories.EfficacyGuarantee, "无副作用")]
    [InlineData("治疗有效率高达98%", AdCategories.CureRate, "有效率")]
    [InlineData("我院治愈率领先", AdCategories.CureRate, "治愈率")]
    [InlineData("本市最好的医院开设新门诊", AdCategories.Comparison, "最好的医院")]
    [InlineData("疗效优于同类药品", AdCategories.Comparison, "优于")]
    [InlineData("专家推荐的治疗方案", AdCategories.Endorsement, "专家推荐")]
    [InlineData("明星代言的保健药", AdCategories.Endorsement, "明星代言")]
    [InlineData("Our therapy is a guaranteed cure", AdCategories.EfficacyGuarantee, "guaranteed cure")]
    [InlineData("A new drug with no side effects", AdCategories.EfficacyGuarantee, "no side effects")]
    [InlineData("Treatment with a 95% cure rate", AdCategories.CureRate, "cure rate")]
    [InlineData("A clinic better than any other", AdCategories.Comparison, "better than")]
    [InlineData("The treatment recommended by doctors", AdCategories.Endorsement, "recommended by doctors")]
    [InlineData("Recommended by Dr. Zhang, a famous expert", AdCategories.Endorsement, "Recommended by Dr. Zhang")]
    [InlineData("Recommended by Dr. Zhang, a famous expert", AdCategories.Endorsement, "famous expert")]
    [InlineData("A therapy endorsed by famous doctors", AdCategories.Endorsement, "endorsed by famous doctors")]
    [InlineData("Dr. Wang recommends this treatment", AdCategories.Endorsement, "Dr. Wang recommends")]
    [InlineData("名医坐诊，专业治疗", AdCategories.Endorsement, "名医")]
    [InlineData("Our treatment is more effective than other hospitals", AdCategories.Comparison, "more effective than")]
    [InlineData("本院采用最佳治疗方案", AdCategories.Comparison, "最佳")]
    [InlineData("This medicine cures diabetes", AdCategories.EfficacyGuarantee, "cures")]
    [InlineData("A drug that is safe and effective", AdCategories.EfficacyGuarantee, "safe and effective")]
    public void Forbidden_medical_advertising_claims_are_named_with_their_category(string claim, string category, string phrase)
    {
        var content = Lawful(claim);
        var check = MessageRules.Check(Sender, content, "沪医广【2025】第0001号", AdContentRules.Default);

        Assert.Equal(MessageRules.ContentRefused, check.Primary!.Code);
        Assert.Equal("R17", check.Primary.Rule);
        Assert.Contains(check.Findings, f => f.Category == category && f.Phrase.Contains(phrase, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(phrase, check.Primary.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Every_offending_phrase_is_named_not_just_the_first()
    {
        var review = AdContentRules.Default.Review("保证治愈，治愈率99%，全国第一，患者推荐");

        var categories = review.Findings.Select(f => f.Category).ToHashSet();
        Assert.Equal(4, categories.Count);
        Assert.Contains(AdCategories.Endorsement, categories);
    }

    [Fact]
    public void Medical_advertising_needs_an_approval_number_shown_in_the_message()
    {
        var content = Lawful("口腔门诊洗牙八折");
        var none = MessageRules.Check(Sender, content, null, AdContentRules.Default);
        Assert.True(none.Medical);
        Assert.Equal(MessageRules.ApprovalMissing, none.Primary!.Code);
        Assert.Equal("R17", none.Primary.Rule);

        var notShown = MessageRules.Check(Sender, content, "沪医广【2025】第0001号", AdContentRules.Default);
        Assert.Equal(MessageRules.ApprovalMissing, notShown.Primary!.Code);

        var shown = MessageRules.Check(Sender, Lawful("口腔门诊洗牙八折 沪医广【2025】第0001号"), "沪医广【2025】第0001号", AdContentRules.Default);
        Assert.True(shown.Lawful, string.Join("; ", shown.Violations));
    }

    [Theory]
    [InlineData("沪医广【2025】第0001号", true)]
    [InlineData("国药管械广审(文)第250101-00001号", true)]
    [InlineData("AB20250001", true)]
    [InlineData("", false)]
    [InlineData("n/a", false)]
    [InlineData("pending", false)]
    public void Approval_numbers_are_checked_loosely(string number, bool plausible)
        => Assert.Equal(plausible, AdContentRules.IsPlausibleApprovalNumber(number));

    [Fact]
    public void Operator_terms_and_patterns_extend_the_rules()
    {
        var phrase = AdTerm.Create("神奇疗法", AdCategories.EfficacyGuarantee, pattern: false).Value;
        var regex = AdTerm.Create(@"第\d+代(技术|疗法)", AdCategories.Comparison, pattern: true).Value;
        var rules = AdContentRules.Default.With([phrase, regex]);

        Assert.Empty(AdContentRules.Default.Review("神奇疗法来了").Findings);
        var review = rules.Review("神奇疗法来了，第5代技术");
        Assert.Contains(review.Findings, f => f is { Phrase: "神奇疗法", Category: AdCategories.EfficacyGuarantee });
        Assert.Contains(review.Findings, f => f is { Phrase: "第5代技术", Category: AdCategories.Comparison });
    }

    [Fact]
    public void Invalid_operator_terms_are_refused_with_a_reason()
    {
        Assert.False(AdTerm.Create("(", AdCategories.Comparison, pattern: true).Success);
        Assert.False(AdTerm.Create("x", "nonsense", pattern: false).Success);
        Assert.False(AdTerm.Create(" ", AdCategories.Comparison, pattern: false).Success);
    }

    [Fact]
    public void A_pattern_that_needs_backtracking_is_refused_when_added_and_says_why()
    {
        foreach (var pattern in new[] { "(?=治愈)治", "(效)\\1", "(?>a+)b", "(?<!不)有效" })
        {
            var refused = AdTerm.Create(pattern, AdCategories.EfficacyGuarantee, pattern: true);
            Assert.False(refused.Success, pattern);
            Assert.Contains("linear time", refused.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_pathological_pattern_on_a_pathological_text_runs_to_the_end_instead_of_timing_out()
    {
        // (a+)+$ against "aaa…a!" takes exponential time with backtracking; here it is linear, so the review completes.
        var evil = AdTerm.Create("(a+)+$", AdCategories.Comparison, pattern: true).Value;
        var rules = AdContentRules.Default.With([evil]);
        var text = new string('a', 50_000) + "!";

        var review = rules.Review(text);

        Assert.Empty(review.Findings);
        Assert.Contains(rules.Review(new string('a', 40)).Findings, f => f.Category == AdCategories.Comparison);
        Assert.True(AdContentRules.IsPlausibleApprovalNumber("沪医广【2025】第0001号"));
        Assert.False(AdContentRules.IsPlausibleApprovalNumber(new string('x', 79)));
    }

    [Fact]
    public void Rendering_puts_in_the_link_and_the_nickname()
        => Assert.Equal("小王 好 https://x/u/t", MessageRules.Render("{nickname} 好 {unsubscribe}", "https://x/u/t", "小王"));
}
