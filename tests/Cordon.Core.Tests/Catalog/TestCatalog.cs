using System.Collections.Frozen;
using Cordon.Core.Catalog;

namespace Cordon.Core.Tests.Catalog;

/// <summary>Small record types built in code, so that classifier and projector tests do not depend on the loader.</summary>
internal static class TestCatalog
{
    public const string ResidentIdSystem = "urn:cordon:sid:cn-resident-id";

    public static FieldDef Field(string path, Level level, SensitiveTags tags = SensitiveTags.None, FieldFormat format = FieldFormat.None, FieldCondition? when = null, string? index = null, DataCategory category = DataCategory.PersonalAttribute)
        => new() { Path = path, Category = category, Level = level, Tags = tags, Format = format, When = when, Index = index };

    public static RecordTypeDef Patient() => new()
    {
        Name = "Patient",
        Kind = RecordKind.Fhir,
        Fields =
        [
            Field("id", Level.L2),
            Field("name.text", Level.L4),
            Field("name.given", Level.L4),
            Field("name.family", Level.L4),
            Field("identifier.system", Level.L1),
            Field("identifier.value", Level.L4, SensitiveTags.IdentityDocument, FieldFormat.CnResidentId, new FieldCondition("system", ResidentIdSystem), FieldFormats.CnResidentIdIndex),
            Field("identifier.value", Level.L3),
            Field("telecom.system", Level.L1),
            Field("telecom.use", Level.L1),
            Field("telecom.value", Level.L4, format: FieldFormat.CnMobile, when: new FieldCondition("system", "phone"), index: FieldFormats.CnMobileIndex),
            Field("telecom.value", Level.L4, format: FieldFormat.Email, when: new FieldCondition("system", "email")),
            Field("birthDate", Level.L4, format: FieldFormat.Date),
            Field("gender", Level.L3),
            Field("extension.*", Level.L4),
            Field("extension.url", Level.L1),
        ],
    };

    public static RecordTypeDef Observation() => new()
    {
        Name = "Observation",
        Kind = RecordKind.Fhir,
        Clinical = true,
        Fields =
        [
            Field("status", Level.L2, category: DataCategory.MedicalApplication),
            Field("code.coding.system", Level.L2, category: DataCategory.HealthStatus),
            Field("code.coding.code", Level.L3, SensitiveTags.MedicalHealth, category: DataCategory.HealthStatus),
            Field("code.text", Level.L3, SensitiveTags.MedicalHealth, category: DataCategory.HealthStatus),
            Field("value[x]", Level.L4, SensitiveTags.MedicalHealth, category: DataCategory.HealthStatus),
            Field("value[x].*", Level.L4, SensitiveTags.MedicalHealth, category: DataCategory.HealthStatus),
            Field("value[x].coding.code", Level.L4, SensitiveTags.MedicalHealth, category: DataCategory.HealthStatus),
            Field("component.code.coding.code", Level.L3, SensitiveTags.MedicalHealth, category: DataCategory.HealthStatus),
            Field("component.value[x].*", Level.L4, SensitiveTags.MedicalHealth, category: DataCategory.HealthStatus),
        ],
        Escalations =
        [
            new LevelEscalation
            {
                Path = "code.coding.code",
                Codes = new[] { "86406008", "62479008" }.ToFrozenSet(),
                Pattern = "^(B2[0-4]|Z21)",
                Level = Level.L5,
                Tags = SensitiveTags.MedicalHealth,
                Reason = "HIV/AIDS",
            },
            new LevelEscalation
            {
                Path = "value[x].coding.code",
                Codes = new[] { "36923009" }.ToFrozenSet(),
                Level = Level.L5,
                Tags = SensitiveTags.MedicalHealth,
                Reason = "mental-health condition",
            },
        ],
    };

    public static CompiledCatalog Compile(params RecordTypeDef[] types) => CompiledCatalog.Compile(new DataCatalog(types));

    public static CompiledType Type(RecordTypeDef type)
    {
        Assert.True(Compile(type).TryGetType(type.Name, out var compiled));
        return compiled;
    }
}
