using System.Text.Json;
using Cordon.Core.Catalog;
using Cordon.Core.Profiles;

namespace Cordon.Core.Tests.Catalog;

/// <summary>The default catalog classifies every element that the Synthea FHIR R4 bundles carry, so they can be imported.</summary>
public sealed class SyntheaCoverageTests
{
    /// <summary>
    /// The types a medical record holds. Synthea's Claim and ExplanationOfBenefit (US payer billing), Organization,
    /// Location and PractitionerRole (directory data, not about the patient) and Provenance are left out on purpose.
    /// </summary>
    private static readonly string[] FhirTypes =
    [
        "Patient", "Practitioner", "Appointment", "Encounter", "Condition", "Observation", "DiagnosticReport", "MedicationRequest", "Communication",
        "AllergyIntolerance", "Immunization", "Procedure", "ImagingStudy", "CarePlan", "Goal", "CareTeam", "DocumentReference",
    ];

    private static readonly Lazy<Profile> DefaultProfile = new(() =>
    {
        var result = ProfileLoader.Load(RepoFiles.ReadProfile("internet-hospital.yaml"), "internet-hospital.yaml");
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        return result.Profile;
    });

    [Fact]
    public void Every_element_of_every_Synthea_resource_of_the_medical_record_types_is_classified()
    {
        var catalog = CompiledCatalog.Compile(DefaultProfile.Value.Catalog);
        var unclassified = new SortedSet<string>(StringComparer.Ordinal);
        var resources = 0;

        foreach (var resource in SyntheaResources())
        {
            var typeName = resource.GetProperty("resourceType").GetString()!;
            Assert.True(catalog.TryGetType(typeName, out var type), $"{typeName} is not in the catalog");
            var classification = type.Classify(resource);
            foreach (var path in classification.UnclassifiedPaths)
            {
                unclassified.Add($"{typeName}.{path}");
            }

            resources++;
        }

        Assert.True(resources > 2000, $"only {resources} resources were read; are the bundles complete?");
        Assert.All(FhirTypes, t => Assert.True(catalog.TryGetType(t, out _), $"{t} is not in the catalog"));
        Assert.True(unclassified.Count == 0, "unclassified paths: " + string.Join(", ", unclassified));
    }

    [Fact]
    public void The_record_keeping_purpose_may_write_every_path_the_bundles_carry()
    {
        var profile = DefaultProfile.Value;
        var catalog = CompiledCatalog.Compile(profile.Catalog);
        var recordKeeping = profile.FindPurpose("record-keeping")!;
        var refused = new SortedSet<string>(StringComparer.Ordinal);

        foreach (var resource in SyntheaResources())
        {
            var typeName = resource.GetProperty("resourceType").GetString()!;
            Assert.True(catalog.TryGetType(typeName, out var type));
            Assert.True(recordKeeping.Collect.TryGetValue(typeName, out var allowed), $"record-keeping does not collect {typeName}");
            foreach (var field in type.Classify(resource).PresentFields)
            {
                if (!allowed.Contains(field.Path))
                {
                    refused.Add($"{typeName}.{field.Path}");
                }
            }
        }

        Assert.True(refused.Count == 0, "not collected by record-keeping: " + string.Join(", ", refused));
    }

    [Fact]
    public void Synthea_mental_health_diagnoses_are_escalated_to_L5()
    {
        var catalog = CompiledCatalog.Compile(DefaultProfile.Value.Catalog);
        Assert.True(catalog.TryGetType("Condition", out var condition));

        var depression = SyntheaResources()
            .Where(r => r.GetProperty("resourceType").GetString() == "Condition")
            .Where(r => r.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString() is "36923009" or "370143000")
            .ToList();

        Assert.NotEmpty(depression);
        Assert.All(depression, r => Assert.Equal(Level.L5, condition.Classify(r).Level));
    }

    private static IEnumerable<JsonElement> SyntheaResources()
    {
        var folder = RepoFiles.SyntheaFolder();
        var files = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            foreach (var entry in document.RootElement.GetProperty("entry").EnumerateArray())
            {
                var resource = entry.GetProperty("resource");
                if (FhirTypes.Contains(resource.GetProperty("resourceType").GetString()))
                {
                    yield return resource.Clone();
                }
            }
        }
    }
}
