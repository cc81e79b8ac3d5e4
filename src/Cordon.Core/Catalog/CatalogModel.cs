using System.Collections.Frozen;

namespace Cordon.Core.Catalog;

/// <summary>
/// One classified element path of a record type. Paths are the JSON property names from the
/// resource root joined by dots, arrays transparent: <c>name.given</c>, <c>identifier.value</c>,
/// <c>code.coding.code</c>. A segment <c>value[x]</c> matches any FHIR choice property
/// (<c>valueQuantity</c>, <c>valueString</c> …); a final <c>.*</c> classifies every descendant.
/// </summary>
public sealed class FieldDef
{
    public required string Path { get; init; }

    public required DataCategory Category { get; init; }

    public required Level Level { get; init; }

    public SensitiveTags Tags { get; init; }

    /// <summary>The format validated on write, when <see cref="When"/> holds (or always when it is null).</summary>
    public FieldFormat Format { get; init; }

    /// <summary>Narrows this definition to elements whose sibling property has a given value (e.g. <c>system = phone</c>).</summary>
    public FieldCondition? When { get; init; }

    /// <summary>Blind-index kind (e.g. <c>cn-resident-id</c>, <c>cn-mobile</c>) when the value is searchable; null otherwise.</summary>
    public string? Index { get; init; }

    public string? Description { get; init; }

    /// <summary>Line in the profile file where the field was declared (for error messages).</summary>
    public int Line { get; init; }

    public bool IsSensitive => Tags != SensitiveTags.None;
}

/// <summary>Applies a field definition only when the enclosing object's <see cref="Sibling"/> property equals <see cref="Value"/>.</summary>
public sealed record FieldCondition(string Sibling, string Value);

/// <summary>
/// Raises a record's level (and tags) when a coded element carries one of the listed codes or matches
/// the pattern: an HIV, STD or mental-health diagnosis makes the whole record L5.
/// </summary>
public sealed class LevelEscalation
{
    public required string Path { get; init; }

    public IReadOnlySet<string> Codes { get; init; } = FrozenSet<string>.Empty;

    /// <summary>Regular expression over the code value, or null.</summary>
    public string? Pattern { get; init; }

    public required Level Level { get; init; }

    public SensitiveTags Tags { get; init; }

    public required string Reason { get; init; }

    public int Line { get; init; }
}

/// <summary>What a person calls a record type or a group of its fields, in Chinese and English (the privacy notice lists data by these names).</summary>
public sealed record DisplayName(string Zh, string En);

/// <summary>
/// Fields of one record type that the privacy notice names together ("姓名", "联系方式"): every declared field whose path
/// one of <see cref="Paths"/> selects, in the catalog's path syntax (<c>name.*</c> selects <c>name.text</c>, <c>name.given</c> …).
/// </summary>
public sealed class FieldGroup
{
    public required DisplayName Display { get; init; }

    public required IReadOnlyList<string> Paths { get; init; }

    public int Line { get; init; }

    /// <summary>Whether this group selects the declared field path <paramref name="fieldPath"/>.</summary>
    public bool Selects(string fieldPath)
    {
        foreach (var path in Paths)
        {
            if (Selects(path, fieldPath))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool Selects(string groupPath, string fieldPath)
    {
        if (string.Equals(groupPath, fieldPath, StringComparison.Ordinal))
        {
            return true;
        }

        if (!groupPath.EndsWith(".*", StringComparison.Ordinal))
        {
            return false;
        }

        var stem = groupPath.AsSpan(0, groupPath.Length - 2);
        return fieldPath.AsSpan().StartsWith(stem, StringComparison.Ordinal)
            && (fieldPath.Length == stem.Length || fieldPath[stem.Length] == '.');
    }
}

/// <summary>A record type of the catalog: a FHIR R4 resource type or a declared JSON type.</summary>
public sealed class RecordTypeDef
{
    public required string Name { get; init; }

    public required RecordKind Kind { get; init; }

    public string? Description { get; init; }

    /// <summary>The type's name in the privacy notice, for its fields outside every <see cref="Groups"/>; null when the profile gives none.</summary>
    public DisplayName? Display { get; init; }

    /// <summary>Groups of fields the notice names together, in declaration order; a field is in at most one.</summary>
    public IReadOnlyList<FieldGroup> Groups { get; init; } = [];

    /// <summary>Clinical data: physicians, nurses and pharmacists read it only within a care relationship.</summary>
    public bool Clinical { get; init; }

    /// <summary>Electronic medical record or health-record data, which only a medical institution may hold (R59).</summary>
    public bool MedicalRecord { get; init; }

    /// <summary>
    /// Important data as the regulator's catalogue names it (NDSMR Art. 62; the 2024 cross-border provisions): any of it
    /// abroad needs a security assessment, whatever the counts (R36).
    /// </summary>
    public bool ImportantData { get; init; }

    public RetentionClass RetentionClass { get; init; }

    public required IReadOnlyList<FieldDef> Fields { get; init; }

    public IReadOnlyList<LevelEscalation> Escalations { get; init; } = [];

    public int Line { get; init; }

    /// <summary>The highest level of any field of this type.</summary>
    public Level MaxFieldLevel => Fields.Count == 0 ? Level.L1 : Fields.Max(f => f.Level);

    /// <summary>The group that names <paramref name="field"/>, or null when it is named by the type itself.</summary>
    public FieldGroup? GroupOf(FieldDef field)
    {
        Guard.NotNull(field);
        foreach (var group in Groups)
        {
            if (group.Selects(field.Path))
            {
                return group;
            }
        }

        return null;
    }

    /// <summary>Distinct declared paths, in declaration order.</summary>
    public IEnumerable<string> Paths => Fields.Select(f => f.Path).Distinct(StringComparer.Ordinal);
}

/// <summary>The data catalog of a profile: every record type and every element path it may store.</summary>
public sealed class DataCatalog
{
    public DataCatalog(IEnumerable<RecordTypeDef> types)
    {
        Types = Guard.NotNull(types).ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, RecordTypeDef> Types { get; }

    public bool TryGetType(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RecordTypeDef? type)
        => Types.TryGetValue(name, out type);
}
