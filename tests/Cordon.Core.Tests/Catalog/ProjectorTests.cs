using System.Text;
using System.Text.Json;
using Cordon.Core.Catalog;
using Cordon.Core.Profiles;

namespace Cordon.Core.Tests.Catalog;

public sealed class ProjectorTests
{
    private const string ResidentId = "11010519491231002X";

    private static readonly Dictionary<string, MaskSpec> NoMasks = [];

    private static string Project(RecordTypeDef type, string json, IEnumerable<string> allowed, IReadOnlyDictionary<string, MaskSpec>? masks = null)
    {
        var plan = TestCatalog.Type(type).CreatePlan(allowed.ToHashSet(StringComparer.Ordinal), masks ?? NoMasks);
        return Encoding.UTF8.GetString(RecordProjector.Project(Encoding.UTF8.GetBytes(json), plan));
    }

    [Fact]
    public void Only_resourceType_and_allowed_paths_are_kept()
    {
        var result = Project(TestCatalog.Patient(), """
            {"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1990-01-02","name":[{"text":"李四","family":"李"}]}
            """, ["gender", "name.text"]);

        Assert.Equal("""{"resourceType":"Patient","gender":"female","name":[{"text":"李四"}]}""", result);
    }

    [Fact]
    public void Objects_and_arrays_left_empty_are_dropped()
    {
        var result = Project(TestCatalog.Patient(), """
            {"resourceType":"Patient","name":[{"family":"李"},{"family":"王","text":"王五"}],"identifier":[{"system":"urn:a"}],"extension":[{"url":"u","extension":[{"url":"v"}]}]}
            """, ["name.text"]);

        Assert.Equal("""{"resourceType":"Patient","name":[{"text":"王五"}]}""", result);
    }

    [Fact]
    public void Masks_give_the_exact_display_forms()
    {
        var masks = new Dictionary<string, MaskSpec>
        {
            ["identifier.value"] = new(MaskMethod.KeepEnds, 6, 4),
            ["telecom.value"] = new(MaskMethod.KeepEnds, 3, 4),
            ["name.text"] = new(MaskMethod.KeepEnds, 1, 0),
            ["birthDate"] = new(MaskMethod.Year),
        };
        var result = Project(TestCatalog.Patient(), $$"""
            {"resourceType":"Patient","identifier":[{"system":"{{TestCatalog.ResidentIdSystem}}","value":"{{ResidentId}}"}],
             "telecom":[{"system":"phone","value":"13812345678"}],"name":[{"text":"张三丰"}],"birthDate":"1949-12-31"}
            """, ["identifier.system", "identifier.value", "telecom.system", "telecom.value", "name.text", "birthDate"], masks);

        Assert.Equal(
            $$"""{"resourceType":"Patient","identifier":[{"system":"{{TestCatalog.ResidentIdSystem}}","value":"110105********002X"}],"telecom":[{"system":"phone","value":"138****5678"}],"name":[{"text":"张**"}],"birthDate":"1949"}""",
            result);
    }

    [Fact]
    public void The_display_forms_of_the_brief_are_produced()
    {
        var masks = new Dictionary<string, MaskSpec> { ["identifier.value"] = new(MaskMethod.KeepEnds, 6, 4), ["telecom.value"] = new(MaskMethod.KeepEnds, 3, 4) };
        var result = Project(TestCatalog.Patient(), """
            {"resourceType":"Patient","identifier":[{"value":"110105199001011234"}],"telecom":[{"system":"phone","value":"13812345678"}]}
            """, ["identifier.value", "telecom.value"], masks);

        Assert.Contains("\"110105********1234\"", result, StringComparison.Ordinal);
        Assert.Contains("\"138****5678\"", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_removes_the_element_and_a_mask_on_a_non_string_removes_it_too()
    {
        var masks = new Dictionary<string, MaskSpec> { ["gender"] = new(MaskMethod.Redact), ["id"] = new(MaskMethod.KeepEnds, 1, 1) };
        var result = Project(TestCatalog.Patient(), """{"resourceType":"Patient","gender":"male","id":12345,"name":[{"text":"a"}]}""", ["gender", "id", "name.text"], masks);

        Assert.Equal("""{"resourceType":"Patient","name":[{"text":"a"}]}""", result);
    }

    [Fact]
    public void Nested_arrays_of_objects_and_choice_types_are_projected()
    {
        var result = Project(TestCatalog.Observation(), """
            {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}],"text":"BP"},
             "component":[{"code":{"coding":[{"system":"l","code":"8480-6"}]},"valueQuantity":{"value":120.5,"unit":"mmHg"}},
                          {"code":{"coding":[{"code":"8462-4"}]},"valueQuantity":{"value":80,"unit":"mmHg"}}],
             "valueString":"normal"}
            """, ["code.coding.code", "component.value[x].*", "value[x]"]);

        Assert.Equal(
            """{"resourceType":"Observation","code":{"coding":[{"code":"85354-9"}]},"component":[{"valueQuantity":{"value":120.5,"unit":"mmHg"}},{"valueQuantity":{"value":80,"unit":"mmHg"}}],"valueString":"normal"}""",
            result);
    }

    [Fact]
    public void A_when_condition_is_honoured_even_when_the_sibling_comes_after_the_value()
    {
        var allowedMobileOnly = TestCatalog.Patient();
        var result = Project(allowedMobileOnly, """
            {"resourceType":"Patient","telecom":[{"value":"13812345678","system":"phone"},{"value":"a@b.cn","system":"email"},{"value":"x","system":"fax"}]}
            """, ["telecom.value"], new Dictionary<string, MaskSpec> { ["telecom.value"] = new(MaskMethod.KeepEnds, 3, 4) });

        // telecom.value is one declared path for both conditional definitions (a value no longer than the kept ends is starred whole);
        // the fax value is unclassified and dropped.
        Assert.Equal("""{"resourceType":"Patient","telecom":[{"value":"138****5678"},{"value":"******"}]}""", result);
    }

    [Fact]
    public void Unicode_and_escaped_text_survive_the_projection()
    {
        var result = Project(TestCatalog.Patient(), """{"resourceType":"Patient","name":[{"text":"王\u5c0f\"明\" <b>"}]}""", ["name.text"]);

        using var document = JsonDocument.Parse(result);
        Assert.Equal("王小\"明\" <b>", document.RootElement.GetProperty("name")[0].GetProperty("text").GetString());
        Assert.Contains("王小", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_allowed_leaves_only_the_resource_type()
    {
        var result = Project(TestCatalog.Patient(), """{"resourceType":"Patient","name":[{"text":"x"}],"unknown":{"a":[1,2]}}""", []);

        Assert.Equal("""{"resourceType":"Patient"}""", result);
    }

    [Fact]
    public void Booleans_numbers_and_nulls_are_copied_as_they_are()
    {
        var type = new RecordTypeDef
        {
            Name = "Payment",
            Kind = RecordKind.Declared,
            Fields = [TestCatalog.Field("amount", Level.L3), TestCatalog.Field("refunded", Level.L2), TestCatalog.Field("note", Level.L2)],
        };
        var result = Project(type, """{"resourceType":"Payment","amount":1.50e2,"refunded":false,"note":null}""", ["amount", "refunded", "note"]);

        Assert.Equal("""{"resourceType":"Payment","amount":1.50e2,"refunded":false,"note":null}""", result);
    }

    [Fact]
    public void HasMasks_says_whether_the_plan_masks_anything()
    {
        var type = TestCatalog.Type(TestCatalog.Patient());
        var allowed = new HashSet<string>(StringComparer.Ordinal) { "name.text" };

        Assert.False(type.CreatePlan(allowed, NoMasks).HasMasks);
        Assert.True(type.CreatePlan(allowed, new Dictionary<string, MaskSpec> { ["name.text"] = new(MaskMethod.KeepEnds, 1, 0) }).HasMasks);
    }

    [Fact]
    public void A_plan_refuses_paths_the_type_does_not_declare()
    {
        var type = TestCatalog.Type(TestCatalog.Patient());

        Assert.Throws<ArgumentException>(() => type.CreatePlan(new HashSet<string>(StringComparer.Ordinal) { "photo" }, NoMasks));
    }

    [Fact]
    public void Malformed_json_is_refused()
    {
        var plan = TestCatalog.Type(TestCatalog.Patient()).CreatePlan(new HashSet<string>(StringComparer.Ordinal), NoMasks);

        Assert.ThrowsAny<JsonException>(() => RecordProjector.Project("""{"resourceType":"Patient","name":"""u8, plan));
        Assert.Throws<ArgumentException>(() => RecordProjector.Project("[]"u8, plan));
    }
}
