using static Cordon.Core.Tests.Profiles.ProfileFixture;

namespace Cordon.Core.Tests.Profiles;

public sealed class ProfileLoaderCatalogTests
{
    private const string GenderField = "{ path: gender, category: personal-attribute, level: L3 }";

    private static void AssertFieldRefused(string replacement, string fragment)
    {
        var yaml = With(GenderField, replacement);
        AssertRefused(Load(yaml), LineOf(yaml, replacement), fragment, null);
    }

    [Fact]
    public void An_unknown_category_is_refused()
        => AssertFieldRefused("{ path: gender, category: personal-info, level: L3 }", "category 'personal-info' is not one of GB/T 39725's six");

    [Theory]
    [InlineData("L0")]
    [InlineData("L6")]
    [InlineData("high")]
    [InlineData("l3")]
    public void A_level_out_of_range_is_refused(string level)
        => AssertFieldRefused($"{{ path: gender, category: personal-attribute, level: {level} }}", $"level '{level}' is out of range: levels are L1 to L5");

    [Fact]
    public void An_unknown_tag_is_refused()
        => AssertFieldRefused("{ path: gender, category: personal-attribute, level: L3, tags: [religion] }", "tag 'religion' is not a PIPL Art. 28 sensitive category");

    [Fact]
    public void An_unknown_format_is_refused()
        => AssertFieldRefused("{ path: gender, category: personal-attribute, level: L3, format: cn-passport }", "format 'cn-passport' is not known");

    [Fact]
    public void An_index_needs_its_matching_format()
        => AssertFieldRefused("{ path: gender, category: personal-attribute, level: L3, index: cn-mobile }", "an index of kind 'cn-mobile' needs format 'cn-mobile'");

    [Fact]
    public void An_unknown_index_kind_is_refused()
        => AssertFieldRefused("{ path: gender, category: personal-attribute, level: L3, index: name }", "index kind 'name' is not known");

    [Fact]
    public void A_missing_level_is_refused_at_the_field()
        => AssertFieldRefused("{ path: gender, category: personal-attribute }", "'level' is missing");

    [Theory]
    [InlineData("name..text", "is not a property name")]
    [InlineData("*", "'*' may only end a path")]
    [InlineData("name.*.text", "'*' may only end a path")]
    [InlineData("resourceType", "resourceType is the type discriminator")]
    [InlineData("value[y]", "is not a property name")]
    [InlineData("na-me", "is not a property name")]
    public void A_malformed_path_is_refused(string path, string fragment)
        => AssertFieldRefused($"{{ path: \"{path}\", category: personal-attribute, level: L3 }}", fragment);

    [Fact]
    public void A_wildcard_path_takes_no_when()
        => AssertFieldRefused("{ path: gender.*, when: { system: x }, category: personal-attribute, level: L3 }", "takes no 'when'");

    [Fact]
    public void An_unknown_retention_class_is_refused()
    {
        var yaml = With("retentionClass: network-log", "retentionClass: network-logs");
        AssertRefused(Load(yaml), LineOf(yaml, "network-logs"), "retention class 'network-logs' is not known", null);
    }

    [Fact]
    public void An_unknown_kind_is_refused()
    {
        var yaml = With("  Account:\n    kind: declared", "  Account:\n    kind: custom");
        AssertRefused(Load(yaml), LineOf(yaml, "kind: custom"), "kind 'custom' is fhir or declared", null);
    }

    [Fact]
    public void A_duplicate_type_is_refused_at_the_second_declaration()
    {
        var yaml = With("  AccessLog:\n", "  Account:\n    kind: declared\n    fields: []\n  AccessLog:\n");
        var lines = yaml.Split('\n');
        var second = Array.FindLastIndex(lines, l => l == "  Account:") + 1;

        var error = AssertRefused(Load(yaml), second, "duplicate type 'Account'", null);
        Assert.Contains($"first declared at line {LineOf(yaml, "  Account:")}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_field_definition_with_the_same_path_and_when_is_refused()
    {
        var duplicate = "{ path: gender, category: personal-attribute, level: L2 }";
        var yaml = With(GenderField, GenderField + "\n      - " + duplicate);

        var error = AssertRefused(Load(yaml), LineOf(yaml, duplicate), "duplicate field definition", null);
        Assert.Contains($"line {LineOf(yaml, GenderField)}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_conditional_field_definition_is_refused_but_a_different_condition_is_not()
    {
        var sameWhen = "{ path: identifier.value, when: { system: \"urn:cordon:sid:cn-resident-id\" }, category: personal-attribute, level: L3 }";
        var otherWhen = "{ path: identifier.value, when: { system: \"urn:cordon:sid:passport\" }, category: personal-attribute, level: L4, tags: [identity-document] }";

        var refused = With(GenderField, GenderField + "\n      - " + sameWhen);
        AssertRefused(Load(refused), LineOf(refused, sameWhen), "same path and same when", null);
        Assert.True(Load(With(GenderField, GenderField + "\n      - " + otherWhen)).Succeeded);
    }

    [Fact]
    public void An_escalation_on_an_undeclared_path_is_refused()
    {
        var yaml = With("{ path: code.coding.code, codes: [\"86406008\"]", "{ path: code.coding.display, codes: [\"86406008\"]");
        AssertRefused(Load(yaml), LineOf(yaml, "path: code.coding.display, codes"), "the code path is one of the type's declared fields", null);
    }

    [Fact]
    public void An_escalation_pattern_that_is_not_a_regular_expression_is_refused()
    {
        var yaml = With("pattern: \"^B2[0-4]\"", "pattern: \"^B2[0-4\"");
        AssertRefused(Load(yaml), LineOf(yaml, "^B2[0-4\""), "not a regular expression", null);
    }

    [Fact]
    public void An_escalation_without_codes_or_pattern_is_refused()
    {
        var yaml = With("codes: [\"86406008\"], pattern: \"^B2[0-4]\", ", string.Empty);
        AssertRefused(Load(yaml), LineOf(yaml, "reason: HIV"), "give 'codes', a 'pattern', or both", null);
    }

    [Fact]
    public void A_type_name_must_look_like_a_resource_name()
    {
        var yaml = With("  AccessLog:\n", "  access_log:\n    kind: declared\n    fields: []\n  AccessLog:\n");
        AssertRefused(Load(yaml), LineOf(yaml, "access_log:"), "type name 'access_log'", null);
    }
}
