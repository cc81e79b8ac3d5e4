using Cordon.Core.Catalog;
using static Cordon.Core.Tests.Profiles.ProfileFixture;

namespace Cordon.Core.Tests.Profiles;

/// <summary>The catalog's display names (<c>display</c> per type, <c>groups</c> of fields), which the patient's notice lists data by.</summary>
public sealed class ProfileLoaderDisplayTests
{
    private const string PatientKind = "  Patient:\n    kind: fhir\n";

    private static string WithPatient(string lines) => With(PatientKind, PatientKind + lines);

    [Fact]
    public void Display_names_and_groups_are_read_in_both_languages()
    {
        var result = Load(WithPatient("""
                display: { zh: 就诊人档案, en: Patient record }
                groups:
                  - { display: { zh: 姓名, en: Name }, paths: [name.*] }
                  - { display: { zh: 证件号码, en: ID number }, paths: [identifier.value, identifier.system] }

            """));

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        var patient = result.Profile.Catalog.Types["Patient"];
        Assert.Equal(new DisplayName("就诊人档案", "Patient record"), patient.Display);
        Assert.Equal(["姓名", "证件号码"], patient.Groups.Select(g => g.Display.Zh));
        Assert.Equal("Name", patient.GroupOf(patient.Fields.Single(f => f.Path == "name.text"))!.Display.En);
        Assert.All(patient.Fields.Where(f => f.Path == "identifier.value"), f => Assert.Equal("ID number", patient.GroupOf(f)!.Display.En));
        Assert.Null(patient.GroupOf(patient.Fields.Single(f => f.Path == "gender")));
    }

    [Fact]
    public void Display_names_are_optional()
    {
        var result = Load(Valid);

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        Assert.All(result.Profile.Catalog.Types.Values, t => Assert.Null(t.Display));
        Assert.All(result.Profile.Catalog.Types.Values, t => Assert.Empty(t.Groups));
    }

    [Theory]
    [InlineData("    display: { zh: 就诊人档案 }\n", "catalog.Patient.display: 'en' is missing")]
    [InlineData("    display: { en: Patient record }\n", "catalog.Patient.display: 'zh' is missing")]
    [InlineData("    display: { zh: \"\", en: Patient record }\n", "catalog.Patient.display: 'zh' is empty")]
    [InlineData("    display: { zh: 就诊人档案, en: \"  \" }\n", "catalog.Patient.display: 'en' is empty")]
    public void A_type_display_name_missing_or_empty_in_either_language_is_refused_naming_its_path(string lines, string message)
    {
        var yaml = WithPatient(lines);

        var error = AssertRefused(Load(yaml), LineOf(yaml, "    display:"), message, "R09");
        Assert.Contains("Chinese and English", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("      - { display: { zh: 姓名 }, paths: [name.*] }\n", "catalog.Patient.groups[0].display: 'en' is missing", "R09")]
    [InlineData("      - { display: { zh: \"\", en: Name }, paths: [name.*] }\n", "catalog.Patient.groups[0].display: 'zh' is empty", "R09")]
    [InlineData("      - { paths: [name.*] }\n", "catalog.Patient.groups[0]: 'display' is missing", "R09")]
    [InlineData("      - { display: { zh: 姓名, en: Name } }\n", "catalog.Patient.groups[0]: 'paths' is missing", null)]
    [InlineData("      - { display: { zh: 姓名, en: Name }, paths: [] }\n", "catalog.Patient.groups[0].paths: list at least one field path", null)]
    [InlineData("      - { display: { zh: 姓名, en: Name }, paths: [nmae.*] }\n", "catalog.Patient.groups[0].paths: 'nmae.*' selects no field of type 'Patient'", null)]
    [InlineData("      - { display: { zh: 姓名, en: Name }, paths: [\"name..text\"] }\n", "catalog.Patient.groups[0].paths: 'name..text'", null)]
    [InlineData("      - { display: { zh: 姓名, en: Name, fr: Nom }, paths: [name.*] }\n", "catalog.Patient.groups[0].display: unknown key 'fr'", null)]
    public void A_bad_group_is_refused_naming_its_path(string group, string message, string? rule)
    {
        var yaml = WithPatient("    groups:\n" + group);

        AssertRefused(Load(yaml), LineOf(yaml, group.TrimEnd('\n')), message, rule);
    }

    [Fact]
    public void A_field_in_two_groups_is_refused_with_the_group_it_is_already_in()
    {
        const string second = "      - { display: { zh: 全名, en: Full name }, paths: [name.text] }";
        var yaml = WithPatient($"    groups:\n      - {{ display: {{ zh: 姓名, en: Name }}, paths: [name.*] }}\n{second}\n");

        AssertRefused(Load(yaml), LineOf(yaml, second), "catalog.Patient.groups[1].paths: 'name.text' selects field 'name.text', which is already in catalog.Patient.groups[0]", null);
    }

    [Fact]
    public void A_display_name_written_as_one_text_is_refused_with_the_form_to_use()
    {
        const string line = "    display: 就诊人档案";
        var yaml = WithPatient(line + "\n");

        AssertRefused(Load(yaml), LineOf(yaml, line), "catalog.Patient.display is a mapping (key: value)", null);
    }
}
