using Cordon.Core.Access;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;
using YamlDotNet.RepresentationModel;

namespace Cordon.Core.Profiles;

// The profile as read from YAML, before the cross-checks. A value that could not be read is null, so
// that one mistake is reported once and does not set off errors about its consequences.

internal sealed class OperatorDraft
{
    public YamlNode? Node { get; set; }

    public string? Name { get; set; }

    public string? NameEn { get; set; }

    public OperatorType? Type { get; set; }

    public YamlNode? TypeNode { get; set; }

    public string? Licence { get; set; }

    public string? Address { get; set; }

    public string? Phone { get; set; }

    public string? Email { get; set; }

    public string? DpoName { get; set; }

    public string? DpoEmail { get; set; }

    public string? DpoPhone { get; set; }

    public string? PublicUrl { get; set; }

    public string? StorageRegion { get; set; }

    public YamlNode? StorageRegionNode { get; set; }

    public CryptoSuiteId CryptoSuite { get; set; } = CryptoSuiteId.Standard;
}

internal sealed class TypeDraft
{
    public required string Name { get; init; }

    public required YamlNode KeyNode { get; init; }

    public RecordKind Kind { get; set; }

    public string? Description { get; set; }

    public DisplayName? Display { get; set; }

    public List<FieldGroup> Groups { get; } = [];

    public bool Clinical { get; set; }

    public bool MedicalRecord { get; set; }

    public bool ImportantData { get; set; }

    public RetentionClass RetentionClass { get; set; }

    /// <summary>Field definitions that were read without error.</summary>
    public List<FieldDef> Fields { get; } = [];

    /// <summary>Every syntactically valid declared path, including those of definitions with other errors (so a purpose naming one is not also reported).</summary>
    public HashSet<string> DeclaredPaths { get; } = new(StringComparer.Ordinal);

    public List<LevelEscalation> Escalations { get; } = [];

    /// <summary>An escalation can make a record sensitive (tags or L5): every purpose touching the type handles sensitive data.</summary>
    public LevelEscalation? SensitiveEscalation => Escalations.FirstOrDefault(e => e.Tags != SensitiveTags.None || e.Level == Level.L5);

    public RecordTypeDef Build() => new()
    {
        Name = Name,
        Kind = Kind,
        Description = Description,
        Display = Display,
        Groups = [.. Groups],
        Clinical = Clinical,
        MedicalRecord = MedicalRecord,
        ImportantData = ImportantData,
        RetentionClass = RetentionClass,
        Fields = [.. Fields],
        Escalations = [.. Escalations],
        Line = (int)KeyNode.Start.Line,
    };
}

/// <summary>The paths a purpose selects from one type, <c>*</c> expanded.</summary>
internal sealed class PathSelection
{
    public required string Type { get; init; }

    public required YamlNode TypeNode { get; init; }

    public HashSet<string> Paths { get; } = new(StringComparer.Ordinal);
}

internal sealed class PurposeDraft
{
    public required string Key { get; init; }

    public required YamlNode KeyNode { get; init; }

    public string? Name { get; set; }

    public string? NameEn { get; set; }

    public string? Description { get; set; }

    public LegalBasis? LegalBasis { get; set; }

    public YamlNode? LegalBasisNode { get; set; }

    public ConsentRequirement? Consent { get; set; }

    public YamlNode? ConsentNode { get; set; }

    public bool Necessary { get; set; }

    public YamlNode? NecessaryNode { get; set; }

    public string? Service { get; set; }

    public YamlNode? ServiceNode { get; set; }

    public HashSet<Role> WriteRoles { get; } = [];

    public HashSet<Role> ReadRoles { get; } = [];

    public List<PathSelection> Collect { get; } = [];

    /// <summary>Null when the purpose does not say: it reads what it collects.</summary>
    public List<PathSelection>? Read { get; set; }

    public RetentionPeriod? Retention { get; set; }

    public YamlNode? RetentionNode { get; set; }

    public AfterRetention AfterRetention { get; set; }

    public bool RestrictedAccess { get; set; }

    public YamlNode? RestrictedAccessNode { get; set; }

    public List<(string Key, YamlNode Node)> Recipients { get; } = [];

    public YamlNode? NoticeNode { get; set; }

    public string? Method { get; set; }

    public string? Necessity { get; set; }

    public string? Impact { get; set; }

    public IEnumerable<PathSelection> Touched => Read is null ? Collect : Collect.Concat(Read);
}

internal sealed class RecipientDraft
{
    public required RecipientDef Definition { get; init; }

    public required YamlNode KeyNode { get; init; }
}

internal sealed class RetentionRuleDraft
{
    public required RetentionRule Rule { get; init; }

    public required YamlNode PeriodNode { get; init; }
}

internal sealed class NoticeDraft
{
    public string? Title { get; set; }

    public string? Intro { get; set; }

    public List<RightChannel> Rights { get; } = [];

    public string? ChildPolicy { get; set; }

    public string? AfterRetention { get; set; }

    public string? Effective { get; set; }
}

internal sealed class ProfileDraft
{
    public OperatorDraft Operator { get; } = new();

    public ProfileSettings Settings { get; set; } = new();

    public Cordon.Core.Care.CareSettings Care { get; set; } = Cordon.Core.Care.CareSettings.Default;

    public int? AuditRetentionDays { get; set; }

    public YamlNode? AuditRetentionNode { get; set; }

    public Dictionary<string, TypeDraft> Types { get; } = new(StringComparer.Ordinal);

    public List<PurposeDraft> Purposes { get; } = [];

    public List<MaskRule> Masking { get; } = [];

    public Dictionary<string, RecipientDraft> Recipients { get; } = new(StringComparer.Ordinal);

    public List<RetentionRuleDraft> Retention { get; } = [];

    public NoticeDraft Notice { get; } = new();
}
