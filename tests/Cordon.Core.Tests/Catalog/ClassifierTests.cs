using System.Text.Json;
using Cordon.Core.Catalog;
using Cordon.Core.Identifiers;

namespace Cordon.Core.Tests.Catalog;

public sealed class ClassifierTests
{
    private static readonly string ValidId = ChineseResidentId.Create("110105", new DateOnly(1985, 6, 1), 123).Value;

    private static Classification Classify(RecordTypeDef type, string json)
    {
        using var document = JsonDocument.Parse(json);
        return TestCatalog.Type(type).Classify(document.RootElement);
    }

    [Fact]
    public void A_record_with_only_declared_paths_has_no_unclassified_paths()
    {
        var c = Classify(TestCatalog.Patient(), $$"""
            {"resourceType":"Patient","id":"p1","name":[{"text":"张三","given":["三"],"family":"张"}],
             "identifier":[{"system":"{{TestCatalog.ResidentIdSystem}}","value":"{{ValidId}}"}],"gender":"male"}
            """);

        Assert.Empty(c.UnclassifiedPaths);
        Assert.Empty(c.FormatViolations);
        Assert.True(c.IsAcceptable);
        Assert.Equal("Patient", c.TypeName);
    }

    [Fact]
    public void Unclassified_paths_are_found_in_nested_objects_and_arrays_distinct_and_sorted()
    {
        var c = Classify(TestCatalog.Patient(), """
            {"resourceType":"Patient","photo":[{"data":"x"}],"name":[{"text":"a","period":{"start":"2020"}},{"period":{"start":"2021","end":"2022"}}],
             "address":[[{"city":"北京"}]],"contact":[]}
            """);

        Assert.Equal(["address.city", "name.period.end", "name.period.start", "photo.data"], c.UnclassifiedPaths);
        Assert.False(c.IsAcceptable);
    }

    [Fact]
    public void ResourceType_at_the_root_is_never_classified_but_elsewhere_it_is_an_ordinary_path()
    {
        var c = Classify(TestCatalog.Patient(), """{"resourceType":"Patient","name":[{"resourceType":"x"}]}""");

        Assert.Equal(["name.resourceType"], c.UnclassifiedPaths);
    }

    [Fact]
    public void Choice_segments_match_the_prefix_followed_by_an_upper_case_letter()
    {
        var c = Classify(TestCatalog.Observation(), """
            {"resourceType":"Observation","valueQuantity":{"value":120,"unit":"mmHg"},"valueString":"ok","values":1,"value":2,
             "component":[{"code":{"coding":[{"code":"8480-6"}]},"valueQuantity":{"value":80}}]}
            """);

        Assert.Equal(["value", "values"], c.UnclassifiedPaths);
        Assert.Contains(c.PresentFields, f => f.Path == "value[x]");
        Assert.Contains(c.PresentFields, f => f.Path == "value[x].*");
        Assert.Contains(c.PresentFields, f => f.Path == "component.value[x].*");
    }

    [Fact]
    public void A_wildcard_classifies_every_descendant_and_a_more_specific_path_wins()
    {
        var c = Classify(TestCatalog.Patient(), """
            {"resourceType":"Patient","extension":[{"url":"http://x","valueAddress":{"city":"上海"}},{"url":"http://y","extension":[{"url":"a","valueString":"b"}]}]}
            """);

        Assert.Empty(c.UnclassifiedPaths);
        Assert.Equal(["extension.*", "extension.url"], c.PresentFields.Select(f => f.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_when_condition_applies_only_where_the_sibling_has_the_value()
    {
        var c = Classify(TestCatalog.Patient(), $$"""
            {"resourceType":"Patient","identifier":[{"system":"urn:other","value":"A-1"},{"value":"{{ValidId}}","system":"{{TestCatalog.ResidentIdSystem}}"}]}
            """);

        var values = c.PresentFields.Where(f => f.Path == "identifier.value").ToList();
        Assert.Equal(2, values.Count);
        Assert.Contains(values, f => f.When is not null && f.Level == Level.L4);
        Assert.Contains(values, f => f.When is null && f.Level == Level.L3);
        Assert.Equal(SensitiveTags.IdentityDocument, c.Tags);
        Assert.Equal(Level.L4, c.Level);
    }

    [Fact]
    public void Without_a_matching_condition_the_unconditional_definition_applies()
    {
        var c = Classify(TestCatalog.Patient(), """{"resourceType":"Patient","identifier":[{"system":"urn:other","value":"A-1"}]}""");

        Assert.Equal(["identifier.system", "identifier.value"], c.PresentFields.Select(f => f.Path));
        Assert.Equal(Level.L3, c.Level);
        Assert.Equal(SensitiveTags.None, c.Tags);
    }

    [Fact]
    public void Where_only_conditional_definitions_exist_and_none_matches_the_path_is_unclassified()
    {
        var c = Classify(TestCatalog.Patient(), """
            {"resourceType":"Patient","telecom":[{"system":"fax","value":"010-1234"},{"value":"13812345678"},{"system":"phone","value":"13812345678"}]}
            """);

        Assert.Equal(["telecom.value"], c.UnclassifiedPaths);
        Assert.Contains(c.PresentFields, f => f.Format == FieldFormat.CnMobile);
    }

    [Fact]
    public void An_HIV_code_escalates_the_record_to_L5_with_its_reason()
    {
        var plain = Classify(TestCatalog.Observation(), """{"resourceType":"Observation","code":{"coding":[{"code":"8480-6"}]}}""");
        var bySnomed = Classify(TestCatalog.Observation(), """{"resourceType":"Observation","code":{"coding":[{"code":"8480-6"},{"code":"86406008"}]}}""");
        var byIcd = Classify(TestCatalog.Observation(), """{"resourceType":"Observation","code":{"coding":[{"code":"B20.001"}]}}""");

        Assert.Equal(Level.L3, plain.Level);
        Assert.Empty(plain.EscalationReasons);
        Assert.Equal(Level.L5, bySnomed.Level);
        Assert.Equal(["HIV/AIDS"], bySnomed.EscalationReasons);
        Assert.Equal(Level.L5, byIcd.Level);
    }

    [Fact]
    public void An_escalation_on_a_choice_path_matches_the_concrete_property()
    {
        var c = Classify(TestCatalog.Observation(), """{"resourceType":"Observation","valueCodeableConcept":{"coding":[{"code":"36923009"}],"text":"depression"}}""");

        Assert.Equal(Level.L5, c.Level);
        Assert.Equal(["mental-health condition"], c.EscalationReasons);
    }

    [Fact]
    public void A_bad_check_digit_is_a_format_violation_that_names_the_path_but_not_the_value()
    {
        var bad = ValidId[..17] + (ValidId[17] == '0' ? '1' : '0');
        var c = Classify(TestCatalog.Patient(), $$"""
            {"resourceType":"Patient","identifier":[{"system":"{{TestCatalog.ResidentIdSystem}}","value":"{{bad}}"}]}
            """);

        var violation = Assert.Single(c.FormatViolations);
        Assert.Equal("identifier.value", violation.Path);
        Assert.Equal(FieldFormat.CnResidentId, violation.Format);
        Assert.Contains("check character", violation.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(bad, violation.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(bad[..10], violation.ToString(), StringComparison.Ordinal);
        Assert.Empty(c.IndexValues);
        Assert.False(c.IsAcceptable);
    }

    [Fact]
    public void A_bad_mobile_is_a_format_violation_that_does_not_contain_the_value()
    {
        var c = Classify(TestCatalog.Patient(), """{"resourceType":"Patient","telecom":[{"system":"phone","value":"555-355-9196"}]}""");

        var violation = Assert.Single(c.FormatViolations);
        Assert.Equal(new FormatViolation("telecom.value", FieldFormat.CnMobile, violation.Reason), violation);
        Assert.DoesNotContain("9196", violation.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_date_and_a_non_string_formatted_value_are_violations()
    {
        var c = Classify(TestCatalog.Patient(), """{"resourceType":"Patient","birthDate":"1990-02-30","telecom":[{"system":"email","value":42}]}""");

        Assert.Equal(2, c.FormatViolations.Count);
        Assert.Contains(c.FormatViolations, v => v.Path == "birthDate" && v.Format == FieldFormat.Date);
        Assert.Contains(c.FormatViolations, v => v.Path == "telecom.value" && v.Format == FieldFormat.Email);
    }

    [Fact]
    public void Index_values_are_normalised()
    {
        var spaced = $"{ValidId[..6]} {ValidId[6..14]} {ValidId[14..]}".ToLowerInvariant();
        var c = Classify(TestCatalog.Patient(), $$"""
            {"resourceType":"Patient","identifier":[{"system":"{{TestCatalog.ResidentIdSystem}}","value":"{{spaced}}"}],
             "telecom":[{"system":"phone","value":"+86 138-1234-5678"},{"system":"phone","value":"13812345678"}]}
            """);

        Assert.Empty(c.FormatViolations);
        Assert.Equal(
            [new IndexValue(FieldFormats.CnResidentIdIndex, ValidId.ToUpperInvariant()), new IndexValue(FieldFormats.CnMobileIndex, "13812345678")],
            c.IndexValues);
    }

    [Fact]
    public void Level_is_L1_and_tags_none_for_an_empty_record()
    {
        var c = Classify(TestCatalog.Patient(), """{"resourceType":"Patient"}""");

        Assert.Equal(Level.L1, c.Level);
        Assert.Equal(SensitiveTags.None, c.Tags);
        Assert.Empty(c.PresentFields);
    }

    [Fact]
    public void Classify_refuses_a_root_that_is_not_an_object()
    {
        using var document = JsonDocument.Parse("[1]");
        Assert.Throws<ArgumentException>(() => TestCatalog.Type(TestCatalog.Patient()).Classify(document.RootElement));
    }
}
