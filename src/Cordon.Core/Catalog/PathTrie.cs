using System.Collections.Frozen;
using System.Text;

namespace Cordon.Core.Catalog;

/// <summary>A <c>when</c> condition of one field definition, compiled: the sibling to look at and the value it must have.</summary>
internal sealed class NodeCondition
{
    public NodeCondition(FieldCondition condition, int field)
    {
        Sibling = condition.Sibling;
        Value = condition.Value;
        Utf8Value = Encoding.UTF8.GetBytes(condition.Value);
        Field = field;
    }

    public string Sibling { get; }

    public string Value { get; }

    public byte[] Utf8Value { get; }

    /// <summary>Index of the field definition in <see cref="CompiledType.Fields"/>.</summary>
    public int Field { get; }
}

/// <summary>One node of a record type's path trie. Built once by <see cref="CompiledCatalog.Compile"/>, read-only afterwards.</summary>
internal sealed class PathNode
{
    private readonly Dictionary<string, PathNode> _building = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, PathNode Node)> _choicesBuilding = [];
    private readonly List<NodeCondition> _conditionsBuilding = [];
    private readonly List<int> _escalationsBuilding = [];
    private FrozenDictionary<string, PathNode>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private Utf8NameMap<PathNode> _exactUtf8 = Utf8NameMap<PathNode>.Empty;
    private (string Prefix, PathNode Node)[] _choices = [];
    private (byte[] Prefix, PathNode Node)[] _choicesUtf8 = [];

    /// <summary>The definition without <c>when</c> for the element at this node, or -1.</summary>
    public int Unconditional { get; private set; } = -1;

    /// <summary>Definitions with <c>when</c>, in declaration order; the first whose condition holds applies.</summary>
    public NodeCondition[] Conditions { get; private set; } = [];

    /// <summary>The definition of <c>this.*</c>, which classifies every descendant not classified more specifically, or -1.</summary>
    public int Wildcard { get; private set; } = -1;

    /// <summary>Indexes into <see cref="CompiledType.Escalations"/> whose code path ends here.</summary>
    public int[] Escalations { get; private set; } = [];

    /// <summary>The conditions of all direct children, so that one look at an object's siblings serves them all.</summary>
    public NodeCondition[] ChildConditions { get; private set; } = [];

    /// <summary>Where this node's <see cref="Conditions"/> start within its parent's <see cref="ChildConditions"/>.</summary>
    public int ConditionBase { get; private set; }

    public bool HasDefinition => Unconditional >= 0 || Conditions.Length > 0;

    /// <summary>Whether any path continues below this node (it is a prefix of a declared path).</summary>
    public bool HasChildren => _building.Count > 0 || _choicesBuilding.Count > 0;

    public PathNode GetOrAdd(PathSegment segment)
    {
        if (segment.Kind == SegmentKind.Choice)
        {
            foreach (var (prefix, node) in _choicesBuilding)
            {
                if (string.Equals(prefix, segment.Name, StringComparison.Ordinal))
                {
                    return node;
                }
            }

            var added = new PathNode();
            _choicesBuilding.Add((segment.Name, added));
            return added;
        }

        if (!_building.TryGetValue(segment.Name, out var child))
        {
            child = new PathNode();
            _building.Add(segment.Name, child);
        }

        return child;
    }

    public void AddDefinition(FieldDef field, int index, bool wildcard)
    {
        if (wildcard)
        {
            Guard.That(field.When is null, "a wildcard path has no when condition");
            if (Wildcard < 0)
            {
                Wildcard = index;
            }
        }
        else if (field.When is { } when)
        {
            _conditionsBuilding.Add(new NodeCondition(when, index));
        }
        else if (Unconditional < 0)
        {
            Unconditional = index;
        }
    }

    public void AddEscalation(int index) => _escalationsBuilding.Add(index);

    public void Freeze()
    {
        Conditions = [.. _conditionsBuilding];
        Escalations = [.. _escalationsBuilding];
        _exact = _building.ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _exactUtf8 = new Utf8NameMap<PathNode>(_building);
        _choices = [.. _choicesBuilding];
        _choicesUtf8 = [.. _choicesBuilding.Select(c => (Encoding.UTF8.GetBytes(c.Prefix), c.Node))];

        var childConditions = new List<NodeCondition>();
        foreach (var child in _building.Values.Concat(_choicesBuilding.Select(c => c.Node)))
        {
            child.Freeze();
            child.ConditionBase = childConditions.Count;
            childConditions.AddRange(child.Conditions);
        }

        ChildConditions = [.. childConditions];
    }

    public PathNode? Child(ReadOnlySpan<char> propertyName)
    {
        if (_exact.TryGetValue(propertyName, out var node))
        {
            return node;
        }

        foreach (var (prefix, choice) in _choices)
        {
            if (PathSyntax.MatchesChoice(propertyName, prefix))
            {
                return choice;
            }
        }

        return null;
    }

    /// <summary>The child for a property name in UTF-8, as <see cref="Child(ReadOnlySpan{char})"/> without decoding the name.</summary>
    public PathNode? Child(ReadOnlySpan<byte> propertyName)
    {
        if (_exactUtf8.Find(propertyName) is { } node)
        {
            return node;
        }

        foreach (var (prefix, choice) in _choicesUtf8)
        {
            if (PathSyntax.MatchesChoice(propertyName, prefix))
            {
                return choice;
            }
        }

        return null;
    }
}

/// <summary>
/// A read-only map from names to values looked up by their UTF-8 bytes, so that a property name read from JSON is matched
/// without decoding it (ordinal equality of UTF-16 strings is equality of their UTF-8 bytes). Bucketed by byte length; a
/// bucket holds the few names of one length.
/// </summary>
internal sealed class Utf8NameMap<T>
    where T : class
{
    public static readonly Utf8NameMap<T> Empty = new([]);

    private readonly (byte[] Name, T Value)[][] _byLength;

    public Utf8NameMap(IEnumerable<KeyValuePair<string, T>> entries)
    {
        var encoded = entries.Select(e => (Name: Encoding.UTF8.GetBytes(e.Key), e.Value)).ToList();
        _byLength = new (byte[], T)[encoded.Count == 0 ? 0 : encoded.Max(e => e.Name.Length) + 1][];
        for (var length = 0; length < _byLength.Length; length++)
        {
            _byLength[length] = [.. encoded.Where(e => e.Name.Length == length)];
        }
    }

    public T? Find(ReadOnlySpan<byte> name)
    {
        if (name.Length < _byLength.Length)
        {
            foreach (var (key, value) in _byLength[name.Length])
            {
                if (name.SequenceEqual(key))
                {
                    return value;
                }
            }
        }

        return null;
    }
}

/// <summary>Where a walk through a JSON document stands in the trie: the node (null once off the declared paths) and the nearest enclosing wildcard.</summary>
internal readonly struct PathCursor(PathNode? node, int wildcard)
{
    public PathNode? Node { get; } = node;

    public int Wildcard { get; } = wildcard;

    /// <summary>Nothing below can be classified: the subtree can be skipped.</summary>
    public bool IsDead => Node is null && Wildcard < 0;

    public PathCursor Descend(ReadOnlySpan<char> propertyName)
    {
        if (Node is null)
        {
            return this;
        }

        var inherited = Node.Wildcard >= 0 ? Node.Wildcard : Wildcard;
        return new PathCursor(Node.Child(propertyName), inherited);
    }

    /// <inheritdoc cref="Descend(ReadOnlySpan{char})"/>
    public PathCursor Descend(ReadOnlySpan<byte> propertyName)
    {
        if (Node is null)
        {
            return this;
        }

        var inherited = Node.Wildcard >= 0 ? Node.Wildcard : Wildcard;
        return new PathCursor(Node.Child(propertyName), inherited);
    }

    /// <summary>The field that classifies a primitive at this cursor, given which of the parent's child conditions hold; -1 when none does.</summary>
    public int Resolve(ReadOnlySpan<bool> parentConditionsHolding)
    {
        if (Node is { } node)
        {
            for (var i = 0; i < node.Conditions.Length; i++)
            {
                var slot = node.ConditionBase + i;
                if (slot < parentConditionsHolding.Length && parentConditionsHolding[slot])
                {
                    return node.Conditions[i].Field;
                }
            }

            if (node.Unconditional >= 0)
            {
                return node.Unconditional;
            }
        }

        return Wildcard;
    }
}
