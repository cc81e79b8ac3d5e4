using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Cordon.Core.Catalog;

/// <summary>A value that does not have its field's declared format. The reason never contains the value.</summary>
public sealed record FormatViolation(string Path, FieldFormat Format, string Reason);

/// <summary>A value to put into a blind index: the kind (<c>cn-mobile</c> …) and the normalised value.</summary>
public readonly record struct IndexValue(string Kind, string NormalizedValue)
{
    /// <summary>Never the value: index values are personal data.</summary>
    public override string ToString() => $"IndexValue({Kind}, redacted)";
}

/// <summary>What the catalog says about one record.</summary>
public sealed class Classification
{
    internal Classification(
        string typeName,
        IReadOnlyList<string> unclassifiedPaths,
        IReadOnlyList<FieldDef> presentFields,
        IReadOnlyList<FormatViolation> formatViolations,
        Level level,
        SensitiveTags tags,
        IReadOnlyList<string> escalationReasons,
        IReadOnlyList<IndexValue> indexValues)
    {
        TypeName = typeName;
        UnclassifiedPaths = unclassifiedPaths;
        PresentFields = presentFields;
        FormatViolations = formatViolations;
        Level = level;
        Tags = tags;
        EscalationReasons = escalationReasons;
        IndexValues = indexValues;
    }

    public string TypeName { get; }

    /// <summary>Concrete paths (<c>valueQuantity.value</c>, arrays transparent) that no definition classifies; distinct, ordinal-sorted. A record with any cannot be stored.</summary>
    public IReadOnlyList<string> UnclassifiedPaths { get; }

    /// <summary>The field definitions matched by at least one value, in declaration order.</summary>
    public IReadOnlyList<FieldDef> PresentFields { get; }

    public IReadOnlyList<FormatViolation> FormatViolations { get; }

    /// <summary>The highest level of the present fields and of the escalations that matched; L1 for an empty record.</summary>
    public Level Level { get; }

    /// <summary>The union of the present fields' and matched escalations' tags.</summary>
    public SensitiveTags Tags { get; }

    /// <summary>The reasons of the escalations that matched, in declaration order.</summary>
    public IReadOnlyList<string> EscalationReasons { get; }

    /// <summary>Distinct values for the blind indexes, in document order.</summary>
    public IReadOnlyList<IndexValue> IndexValues { get; }

    public bool IsSensitive => Tags != SensitiveTags.None;

    /// <summary>The record can be stored as far as the catalog is concerned: every path classified, every format valid.</summary>
    public bool IsAcceptable => UnclassifiedPaths.Count == 0 && FormatViolations.Count == 0;
}

/// <summary>Walks a record's JSON against a compiled type.</summary>
internal sealed class RecordClassifier
{
    private const int StackNameLength = 128;

    private readonly CompiledType _type;
    private readonly List<JsonProperty> _path = [];
    private readonly bool[] _present;
    private readonly bool[] _escalated;
    private SortedSet<string>? _unclassified;
    private List<FormatViolation>? _violations;
    private List<IndexValue>? _indexValues;

    private readonly DateOnly? _today;

    private RecordClassifier(CompiledType type, DateOnly? today)
    {
        _type = type;
        _today = today;
        _present = new bool[type.Fields.Length];
        _escalated = new bool[type.Escalations.Length];
    }

    /// <summary>Classifies a record; <paramref name="today"/> (the operator's date) refuses identity numbers that give a birth date after it.</summary>
    public static Classification Classify(CompiledType type, JsonElement root, DateOnly? today = null)
    {
        var walker = new RecordClassifier(type, today);
        walker.VisitObject(root, new PathCursor(type.Root, -1), isRoot: true);
        return walker.Result();
    }

    private void VisitObject(JsonElement obj, PathCursor cursor, bool isRoot = false)
    {
        Span<bool> holding = cursor.Node is { ChildConditions.Length: > 0 } node
            ? EvaluateConditions(obj, node.ChildConditions)
            : [];

        Span<char> stackName = stackalloc char[StackNameLength];
        foreach (var property in obj.EnumerateObject())
        {
            var name = PropertyName(property, stackName);
            if (isRoot && name.SequenceEqual(PathSyntax.Discriminator))
            {
                continue;
            }

            _path.Add(property);
            var child = cursor.Descend(name);
            VisitValue(property.Value, child, child.Resolve(holding));
            _path.RemoveAt(_path.Count - 1);
        }
    }

    private void VisitValue(JsonElement value, PathCursor cursor, int field)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                VisitObject(value, cursor);
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    VisitValue(item, cursor, field);
                }

                break;
            default:
                VisitPrimitive(value, cursor, field);
                break;
        }
    }

    private void VisitPrimitive(JsonElement value, PathCursor cursor, int field)
    {
        if (cursor.Node is { Escalations.Length: > 0 } node && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
        {
            var code = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            foreach (var e in node.Escalations)
            {
                if (!_escalated[e] && _type.Escalations[e].Matches(code))
                {
                    _escalated[e] = true;
                }
            }
        }

        if (field < 0)
        {
            (_unclassified ??= new SortedSet<string>(StringComparer.Ordinal)).Add(CurrentPath());
            return;
        }

        _present[field] = true;
        var def = _type.Fields[field];
        if (def.Format == FieldFormat.None && def.Index is null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            AddViolation(def.Format, "the value is not a string");
            return;
        }

        var text = value.GetString()!;
        if (def.Format != FieldFormat.None && FieldFormats.Validate(def.Format, text, _today) is { } reason)
        {
            AddViolation(def.Format, reason);
            return;
        }

        if (def.Index is { } kind && FieldFormats.NormalizeIndexValue(kind, text) is { } normalized)
        {
            var indexValue = new IndexValue(kind, normalized);
            _indexValues ??= [];
            if (!_indexValues.Contains(indexValue))
            {
                _indexValues.Add(indexValue);
            }
        }
    }

    private void AddViolation(FieldFormat format, string reason)
    {
        var violation = new FormatViolation(CurrentPath(), format, reason);
        _violations ??= [];
        if (!_violations.Contains(violation))
        {
            _violations.Add(violation);
        }
    }

    private static bool[] EvaluateConditions(JsonElement obj, NodeCondition[] conditions)
    {
        var holding = new bool[conditions.Length];
        for (var i = 0; i < conditions.Length; i++)
        {
            var condition = conditions[i];
            if (obj.TryGetProperty(condition.Sibling, out var sibling))
            {
                holding[i] = sibling.ValueKind switch
                {
                    JsonValueKind.String => sibling.ValueEquals(condition.Utf8Value),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => JsonMarshal.GetRawUtf8Value(sibling).SequenceEqual(condition.Utf8Value),
                    _ => false,
                };
            }
        }

        return holding;
    }

    private static ReadOnlySpan<char> PropertyName(JsonProperty property, Span<char> buffer)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf((byte)'\\') < 0 && raw.Length <= buffer.Length)
        {
            var written = Encoding.UTF8.GetChars(raw, buffer);
            return buffer[..written];
        }

        return property.Name;
    }

    private string CurrentPath()
    {
        var builder = new StringBuilder();
        foreach (var property in _path)
        {
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(property.Name);
        }

        return builder.ToString();
    }

    private Classification Result()
    {
        var present = new List<FieldDef>();
        var level = Level.L1;
        var tags = SensitiveTags.None;
        for (var i = 0; i < _present.Length; i++)
        {
            if (_present[i])
            {
                var field = _type.Fields[i];
                present.Add(field);
                level = field.Level > level ? field.Level : level;
                tags |= field.Tags;
            }
        }

        var reasons = new List<string>();
        for (var i = 0; i < _escalated.Length; i++)
        {
            if (_escalated[i])
            {
                var escalation = _type.Escalations[i].Definition;
                level = escalation.Level > level ? escalation.Level : level;
                tags |= escalation.Tags;
                if (!reasons.Contains(escalation.Reason))
                {
                    reasons.Add(escalation.Reason);
                }
            }
        }

        return new Classification(
            _type.Definition.Name,
            _unclassified is null ? [] : [.. _unclassified],
            present,
            _violations ?? [],
            level,
            tags,
            reasons,
            _indexValues ?? []);
    }
}
