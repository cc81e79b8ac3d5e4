using System.Text;
using Cordon.Core.Deidentification;
using Cordon.Core.Identifiers;

namespace Cordon.Core.Tests.Deidentification;

/// <summary>Free text loses ID numbers with a valid check character, mobiles, e-mails and the subject's own names and addresses.</summary>
public sealed class ScrubbingTests
{
    private static readonly string ValidId = ChineseResidentId.Create("110105", new DateOnly(1985, 6, 1), 123).Value;

    private static string InvalidId => ValidId[..17] + (ValidId[17] == '0' ? '1' : '0');

    private static SubjectContext Zhang => SubjectContext.FromPatient(Encoding.UTF8.GetBytes("""
        {"resourceType":"Patient","name":[{"text":"张三丰","family":"张","given":["三丰"]},{"family":"Ruelas156","given":["Antonia30"]}],
         "address":[{"line":["示例路 1 号"],"city":"北京市"}],"telecom":[{"system":"phone","value":"555-123-4567"}]}
        """));

    [Fact]
    public void A_resident_ID_is_replaced_only_when_its_check_character_is_valid()
    {
        Assert.Equal(("身份证 [ID]，复诊", 1), FreeTextScrubber.Scrub($"身份证 {ValidId}，复诊"));
        Assert.Equal(0, FreeTextScrubber.Scrub($"身份证 {InvalidId}").Replaced);
        Assert.Equal(0, FreeTextScrubber.Scrub($"order 9{ValidId}").Replaced);
    }

    [Theory]
    [InlineData("电话13812345678请回电", 1)]
    [InlineData("no.13812345678x", 0)]
    [InlineData("电话 13812345678 请回电", 1)]
    [InlineData("call +86 138 1234 5678.", 1)]
    [InlineData("call +8613812345678", 1)]
    [InlineData("call 138-1234-5678 now", 1)]
    [InlineData("call 12812345678", 0)]
    [InlineData("ref 138123456789", 0)]
    [InlineData("on 2020-03-10 at 10:30", 0)]
    public void Mainland_mobiles_are_replaced_with_or_without_86_but_not_other_numbers(string text, int expected)
    {
        var (scrubbed, replaced) = FreeTextScrubber.Scrub(text);
        Assert.Equal(expected, replaced);
        Assert.Equal(expected > 0, scrubbed.Contains("[MOBILE]", StringComparison.Ordinal));
    }

    [Fact]
    public void The_first_number_of_a_run_is_recognised_alone()
        => Assert.Equal("[MOBILE] 2020", FreeTextScrubber.Scrub("13812345678 2020").Text);

    [Fact]
    public void E_mail_addresses_are_replaced_and_an_at_sign_alone_is_not()
    {
        Assert.Equal(("写信到 [EMAIL]。", 1), FreeTextScrubber.Scrub("写信到 zhang.san+clinic@example-hospital.cn。"));
        Assert.Equal("mail [EMAIL].", FreeTextScrubber.Scrub("mail a@b.org.").Text);
        Assert.Equal(0, FreeTextScrubber.Scrub("5 @ 10 mg, user@localhost, @@@").Replaced);
    }

    [Fact]
    public void The_subjects_own_names_address_lines_and_phones_are_replaced_latin_names_as_whole_words()
    {
        var (text, replaced) = FreeTextScrubber.Scrub("张三丰住示例路 1 号; Antonia30 RUELAS156 called from 555-123-4567; Antonia300 is someone else", Zhang);
        Assert.Equal("[NAME]住[ADDRESS]; [NAME] [NAME] called from [PHONE]; Antonia300 is someone else", text);
        Assert.Equal(5, replaced);
    }

    [Fact]
    public void Narratives_notes_and_string_values_are_scrubbed_in_a_resource_with_the_patient_as_context()
    {
        var observation = $$"""
            {"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},
             "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">张三丰 {{ValidId}}</div>"},
             "note":[{"text":"手机 +86 13812345678，邮箱 z@example.cn"}],"valueString":"三丰 说明"}
            """;
        var (output, result) = Deid.Apply(Deid.Plan(), observation, "p1", Zhang);

        Assert.Equal("<div xmlns=\"http://www.w3.org/1999/xhtml\">[NAME] [ID]</div>", output.GetProperty("text").GetProperty("div").GetString());
        Assert.Equal("手机 [MOBILE]，邮箱 [EMAIL]", output.GetProperty("note")[0].GetProperty("text").GetString());
        Assert.Equal("[NAME] 说明", output.GetProperty("valueString").GetString());
        Assert.Equal(5, result.Scrubbed);
        Assert.Contains("REDACTED", Deid.Labels(output));
    }

    [Fact]
    public void A_Patient_is_its_own_context()
    {
        var patient = """{"resourceType":"Patient","id":"p1","name":[{"family":"Ruelas156","given":["Antonia30"]}],"extension":[{"url":"http://x","valueString":"Antonia30"}],"maritalStatus":{"text":"Antonia30 married"}}""";
        var (output, _) = Deid.Apply(Deid.Plan(), patient);
        Assert.Equal("[NAME] married", output.GetProperty("maritalStatus").GetProperty("text").GetString());
    }

    [Fact]
    public void Long_hostile_text_is_scanned_without_backtracking()
    {
        var text = string.Concat(Enumerable.Repeat("1 1-1 1+1@a.@", 50_000)) + new string('9', 100_000) + new string('@', 50_000);
        var (scrubbed, replaced) = FreeTextScrubber.Scrub(text, Zhang);
        Assert.Equal(0, replaced);
        Assert.Same(text, scrubbed);
    }
}
