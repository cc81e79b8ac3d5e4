using System.Text;
using System.Text.Json.Nodes;
using Cordon.Server.Records;

namespace Cordon.Server.Tests.Records;

/// <summary>
/// The fast path of the R4 check never disagrees with the Firely SDK: whatever it calls conforming, the SDK's strict
/// reading accepts too — on every resource of the Synthea bundles and on thousands of deliberately broken variants of
/// them (a misspelt element, a wrong code, a string where an object belongs, a bad date, a required element dropped).
/// </summary>
public sealed class FhirShapeTests
{
    private static IEnumerable<JsonObject> SyntheaResources()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "data", "synthea-r4")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(dir.FullName, "data", "synthea-r4"), "*.json").Order(StringComparer.Ordinal))
        {
            var bundle = JsonNode.Parse(File.ReadAllText(file))!;
            foreach (var entry in bundle["entry"]!.AsArray())
            {
                yield return entry!["resource"]!.AsObject();
            }
        }
    }

    private static (bool Fast, bool Sdk) Judge(JsonNode resource)
    {
        var bytes = Encoding.UTF8.GetBytes(resource.ToJsonString());
        var type = resource["resourceType"]?.GetValue<string>() ?? "Basic";
        return (FhirShape.Conforms(bytes, type), FhirStructure.CheckWithSdk(bytes, type).Count == 0);
    }

    [Fact]
    public void Whatever_the_fast_path_accepts_in_the_Synthea_bundles_the_SDK_accepts()
    {
        var resources = SyntheaResources().ToList();
        Assert.True(resources.Count > 1000, $"only {resources.Count} resources");
        var decided = 0;
        foreach (var resource in resources)
        {
            var (fast, sdk) = Judge(resource);
            Assert.False(fast && !sdk, $"the fast path accepted a {resource["resourceType"]} the SDK refuses");
            decided += fast ? 1 : 0;
        }

        // Synthea writes a narrative into some resources, which only the SDK reads; the rest the fast path decides.
        Assert.True(decided > resources.Count / 2, $"the fast path decided only {decided} of {resources.Count}");
    }

    [Fact]
    public void Whatever_the_fast_path_accepts_among_broken_variants_the_SDK_accepts()
    {
        var random = new Random(20261203);
        var variants = 0;
        var caught = 0;
        foreach (var resource in SyntheaResources().Where((_, i) => i % 3 == 0))
        {
            for (var k = 0; k < 6; k++)
            {
                var copy = resource.DeepClone().AsObject();
                if (!Mutate(copy, random))
                {
                    continue;
                }

                variants++;
                var (fast, sdk) = Judge(copy);
                Assert.False(fast && !sdk, $"the fast path accepted a broken {resource["resourceType"]} the SDK refuses: {copy.ToJsonString()[..Math.Min(600, copy.ToJsonString().Length)]}");
                caught += sdk ? 0 : 1;
            }
        }

        Assert.True(variants > 2000, $"only {variants} variants");
        Assert.True(caught > variants / 2, $"only {caught} of {variants} variants were invalid: the mutations are too tame");
    }

    [Theory]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1},"valueString":"two values of one choice"}""")]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"2026-10-01T09:30:00+14:30"}""")]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueInteger":-0}""")]
    [InlineData("""{"resourceType":"Patient","gender":"M"}""")]
    [InlineData("""{"resourceType":"Patient","birthDate":"2026-02-30"}""")]
    [InlineData("""{"resourceType":"Patient","name":"李雷"}""")]
    [InlineData("""{"resourceType":"Patient","name":[{}]}""")]
    [InlineData("""{"resourceType":"Patient","name":[]}""")]
    [InlineData("""{"resourceType":"Patient","active":"true"}""")]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantiy":{"value":1}}""")]
    [InlineData("""{"resourceType":"Condition","code":{"text":"x"}}""")]
    public void Broken_resources_are_never_accepted_by_the_fast_path(string json)
    {
        var node = JsonNode.Parse(json)!;
        Assert.False(FhirShape.Conforms(Encoding.UTF8.GetBytes(json), node["resourceType"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("""{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure panel"}],"text":"血压"},"effectiveDateTime":"2026-11-01T08:00:00+08:00","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":132,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}],"note":[{"text":"晨起静息状态下测量，左上臂。"}]}""")]
    [InlineData("""{"resourceType":"Patient","identifier":[{"system":"urn:cordon:sid:mrn","value":"MRN-0001"}],"name":[{"use":"official","text":"张三丰","family":"张","given":["三丰"]}],"telecom":[{"system":"phone","value":"13812345678","use":"mobile"}],"gender":"male","birthDate":"1987-05-12"}""")]
    [InlineData("""{"resourceType":"Condition","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"E11.9","display":"2型糖尿病"}]},"recordedDate":"2026-10-01"}""")]
    public void The_usual_resources_are_decided_by_the_fast_path(string json)
    {
        var node = JsonNode.Parse(json)!;
        var type = node["resourceType"]!.GetValue<string>();
        Assert.True(FhirShape.Conforms(Encoding.UTF8.GetBytes(json), type));
        Assert.Empty(FhirStructure.CheckWithSdk(Encoding.UTF8.GetBytes(json), type));
    }

    /// <summary>Breaks one randomly chosen member of the resource in one of several ways; false when there was nothing to break.</summary>
    private static bool Mutate(JsonObject resource, Random random)
    {
        var members = new List<(JsonObject Parent, string Name)>();
        Collect(resource, members);
        members.RemoveAll(m => m.Parent == resource && m.Name == "resourceType");
        if (members.Count == 0)
        {
            return false;
        }

        var (parent, name) = members[random.Next(members.Count)];
        var value = parent[name];
        switch (random.Next(9))
        {
            case 0:
                parent.Remove(name);
                parent[name + "x"] = value;
                break;
            case 1:
                parent.Remove(name);
                parent[char.ToUpperInvariant(name[0]) + name[1..]] = value;
                break;
            case 2:
                parent[name] = "M";
                break;
            case 3:
                parent[name] = 1.5;
                break;
            case 4:
                parent[name] = new JsonArray(value?.DeepClone());
                break;
            case 5:
                parent[name] = value is JsonArray array && array.Count > 0 ? array[0]!.DeepClone() : new JsonObject();
                break;
            case 6:
                parent[name] = "2026-13-01";
                break;
            case 7:
                parent.Remove(name);
                break;
            default:
                parent[name] = " padded ";
                break;
        }

        return true;
    }

    private static void Collect(JsonNode? node, List<(JsonObject, string)> members)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o.ToList())
                {
                    members.Add((o, key));
                    Collect(child, members);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Collect(child, members);
                }

                break;
        }
    }
}
