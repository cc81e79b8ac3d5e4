using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cordon.Core.Profiles;

namespace Cordon.Core.Catalog;

/// <summary>
/// A <see cref="DataCatalog"/> compiled once: each record type becomes a path trie that classifies
/// and projects JSON records without building anything per call. Thread-safe once compiled.
/// </summary>
public sealed class CompiledCatalog
{
    private readonly FrozenDictionary<string, CompiledType> _types;

    private CompiledCatalog(FrozenDictionary<string, CompiledType> types) => _types = types;

    public DataCatalog Source { get; private init; } = null!;

    public static CompiledCatalog Compile(DataCatalog catalog)
    {
        Guard.NotNull(catalog);
        var types = catalog.Types.Values.ToFrozenDictionary(t => t.Name, t => new CompiledType(t), StringComparer.Ordinal);
        return new CompiledCatalog(types) { Source = catalog };
    }

    public bool TryGetType(string name, [NotNullWhen(true)] out CompiledType? type)
        => _types.TryGetValue(Guard.NotNull(name), out type);
}

/// <summary>One record type compiled into a path trie.</summary>
public sealed class CompiledType
{
    internal CompiledType(RecordTypeDef definition)
    {
        Definition = definition;
        Fields = [.. definition.Fields];
        Root = new PathNode();
        for (var i = 0; i < Fields.Length; i++)
        {
            var field = Fields[i];
            if (!PathSyntax.TryParse(field.Path, out var segments, out var error))
            {
                throw new ArgumentException($"type {definition.Name}: field path '{field.Path}': {error}", nameof(definition));
            }

            var (node, wildcard) = Walk(segments);
            node.AddDefinition(field, i, wildcard);
        }

        Escalations = new CompiledEscalation[definition.Escalations.Count];
        for (var i = 0; i < Escalations.Length; i++)
        {
            var escalation = definition.Escalations[i];
            if (!PathSyntax.TryParse(escalation.Path, out var segments, out var error) || segments[^1].Kind == SegmentKind.Wildcard)
            {
                throw new ArgumentException($"type {definition.Name}: escalation path '{escalation.Path}': {error ?? "a code path does not end with *"}", nameof(definition));
            }

            Escalations[i] = new CompiledEscalation(escalation);
            Walk(segments).Node.AddEscalation(i);
        }

        Root.Freeze();
    }

    public RecordTypeDef Definition { get; }

    internal FieldDef[] Fields { get; }

    internal CompiledEscalation[] Escalations { get; }

    internal PathNode Root { get; }

    /// <summary>Classifies a record: which declared fields it holds, which paths the catalog does not know, format violations, level, tags and index values.</summary>
    public Classification Classify(JsonElement root, DateOnly? today = null)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("a record is a JSON object", nameof(root));
        }

        return RecordClassifier.Classify(this, root, today);
    }

    /// <summary>
    /// A plan that keeps only the fields whose declared path is in <paramref name="allowedDeclaredPaths"/> and masks
    /// those in <paramref name="masksByDeclaredPath"/>. Paths are declared paths of this type (<c>identifier.value</c>,
    /// <c>value[x]</c>, <c>extension.*</c>); an unknown path is a programming error.
    /// </summary>
    public ProjectionPlan CreatePlan(IReadOnlySet<string> allowedDeclaredPaths, IReadOnlyDictionary<string, MaskSpec> masksByDeclaredPath)
    {
        Guard.NotNull(allowedDeclaredPaths);
        Guard.NotNull(masksByDeclaredPath);
        var declared = Fields.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var path in allowedDeclaredPaths.Concat(masksByDeclaredPath.Keys))
        {
            if (!declared.Contains(path))
            {
                throw new ArgumentException($"'{path}' is not a declared path of {Definition.Name}", nameof(allowedDeclaredPaths));
            }
        }

        var actions = new FieldAction[Fields.Length];
        var masks = new MaskSpec?[Fields.Length];
        for (var i = 0; i < Fields.Length; i++)
        {
            var path = Fields[i].Path;
            if (!allowedDeclaredPaths.Contains(path))
            {
                actions[i] = FieldAction.Drop;
            }
            else if (masksByDeclaredPath.TryGetValue(path, out var mask))
            {
                actions[i] = mask.Method == MaskMethod.Redact ? FieldAction.Drop : FieldAction.Mask;
                masks[i] = mask;
            }
            else
            {
                actions[i] = FieldAction.Keep;
            }
        }

        return new ProjectionPlan(this, actions, masks);
    }

    private (PathNode Node, bool Wildcard) Walk(PathSegment[] segments)
    {
        var node = Root;
        foreach (var segment in segments)
        {
            if (segment.Kind == SegmentKind.Wildcard)
            {
                return (node, true);
            }

            node = node.GetOrAdd(segment);
        }

        return (node, false);
    }
}

/// <summary>An escalation with its code set and pattern compiled once.</summary>
internal sealed class CompiledEscalation
{
    public CompiledEscalation(LevelEscalation definition)
    {
        Definition = definition;
        Codes = definition.Codes.ToFrozenSet(StringComparer.Ordinal);
        CodeLookup = Codes.GetAlternateLookup<ReadOnlySpan<char>>();
        Pattern = definition.Pattern is null ? null : CreatePattern(definition.Pattern);
    }

    public LevelEscalation Definition { get; }

    public FrozenSet<string> Codes { get; }

    public FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> CodeLookup { get; }

    public Regex? Pattern { get; }

    public bool Matches(ReadOnlySpan<char> code) => CodeLookup.Contains(code) || (Pattern?.IsMatch(code) ?? false);

    /// <summary>Patterns come from a profile: the non-backtracking engine keeps their cost linear in the code's length.</summary>
    internal static Regex CreatePattern(string pattern)
        => new(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
}

internal enum FieldAction : byte
{
    Drop,
    Keep,
    Mask,
}
