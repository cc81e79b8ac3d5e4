using System.Collections.Frozen;
using Cordon.Core.Access;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;
using Cordon.Core.Profiles;

namespace Cordon.Core.Tests.Decisions;

/// <summary>A small profile built in code, so decision tests do not depend on the YAML loader.</summary>
internal static class TestProfiles
{
    public static Profile Hospital(OperatorType type = OperatorType.InternetHospital)
    {
        var patient = new RecordTypeDef
        {
            Name = "Patient",
            Kind = RecordKind.Fhir,
            Fields =
            [
                Field("name.text", Level.L4),
                Field("identifier.value", Level.L4, SensitiveTags.IdentityDocument),
            ],
        };
        var condition = new RecordTypeDef
        {
            Name = "Condition",
            Kind = RecordKind.Fhir,
            Clinical = true,
            MedicalRecord = true,
            Fields = [Field("code.coding.code", Level.L4, SensitiveTags.MedicalHealth)],
        };
        var account = new RecordTypeDef { Name = "Account", Kind = RecordKind.Declared, Fields = [Field("mobile", Level.L3)] };
        return new Profile
        {
            FileName = "test.yaml",
            Operator = new OperatorInfo
            {
                Name = "测试互联网医院",
                Type = type,
                Address = "上海市",
                Phone = "021-00000000",
                Email = "privacy@example.cn",
                DpoName = "王敏",
                DpoEmail = "dpo@example.cn",
                StorageRegion = "CN",
                CryptoSuite = CryptoSuiteId.Standard,
            },
            Settings = new ProfileSettings(),
            Catalog = new DataCatalog([patient, condition, account]),
            Purposes =
            [
                Purpose("account", LegalBasis.Contract, ConsentRequirement.None, [Role.App], [Role.App, Role.Support, Role.Patient], ("Account", ["mobile"])),
                Purpose("consultation", LegalBasis.Contract, ConsentRequirement.Separate, [Role.App, Role.Physician], [Role.App, Role.Physician, Role.Nurse, Role.Patient, Role.Guardian, Role.Support], ("Patient", ["name.text", "identifier.value"]), ("Condition", ["code.coding.code"])),
                Purpose("newsletter", LegalBasis.Consent, ConsentRequirement.General, [Role.App], [Role.App, Role.Marketing], ("Account", ["mobile"])),
                Purpose("record-keeping", LegalBasis.LegalDuty, ConsentRequirement.None, [Role.App], [Role.Dpo], restricted: true, ("Patient", ["name.text", "identifier.value"]), ("Condition", ["code.coding.code"])),
            ],
            Masking =
            [
                new MaskRule { Role = Role.Support, Type = "Patient", Path = "identifier.value", Mask = new MaskSpec(MaskMethod.KeepEnds, 6, 4) },
            ],
            Recipients = [],
            RetentionRules = [],
            AuditRetentionDays = 183,
            Notice = new NoticeTexts { Title = "t", Intro = "i", Rights = [], ChildPolicy = "c", AfterRetention = "a" },
            SourceText = "test",
        };
    }

    private static FieldDef Field(string path, Level level, SensitiveTags tags = SensitiveTags.None)
        => new() { Path = path, Category = DataCategory.PersonalAttribute, Level = level, Tags = tags };

    private static PurposeDef Purpose(string key, LegalBasis basis, ConsentRequirement consent, Role[] write, Role[] read, params (string Type, string[] Paths)[] fields)
        => Purpose(key, basis, consent, write, read, false, fields);

    private static PurposeDef Purpose(string key, LegalBasis basis, ConsentRequirement consent, Role[] write, Role[] read, bool restricted, params (string Type, string[] Paths)[] fields)
    {
        var map = fields.ToDictionary(f => f.Type, f => (IReadOnlySet<string>)f.Paths.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);
        return new PurposeDef
        {
            Key = key,
            Name = key,
            Description = key,
            LegalBasis = basis,
            Consent = consent,
            WriteRoles = write.ToHashSet(),
            ReadRoles = read.ToHashSet(),
            Collect = map,
            Read = map,
            Retention = RetentionPeriod.FromYears(3),
            RestrictedAccess = restricted,
            Notice = new PurposeNotice { Method = "app", Necessity = "n", Impact = "i" },
        };
    }
}
