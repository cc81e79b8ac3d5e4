using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Cordon.Core.Profiles;

/// <summary>Collects profile errors with the file name and the position of the YAML node they are about.</summary>
internal sealed class ProfileErrors(string file)
{
    private readonly List<ProfileError> _errors = [];

    public int Count => _errors.Count;

    public void Add(YamlNode node, string message, string? rule = null) => Add(node.Start, message, rule);

    public void Add(Mark mark, string message, string? rule = null)
        => _errors.Add(new ProfileError(file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column), message, rule));

    /// <summary>All errors in reading order (by line, then column; ties keep the order they were found in).</summary>
    public IReadOnlyList<ProfileError> Sorted() => [.. _errors.OrderBy(e => e.Line).ThenBy(e => e.Column)];
}

/// <summary>Reading scalars strictly: plain <c>true</c>/<c>false</c>, plain integers, text that is not empty.</summary>
internal static class YamlScalars
{
    /// <summary>The text of a scalar; null for an empty or null scalar (<c>~</c>, <c>null</c>, nothing) or a node that is not a scalar (reported).</summary>
    public static string? Text(ProfileErrors errors, YamlNode node, string what)
    {
        if (node is not YamlScalarNode scalar)
        {
            errors.Add(node, $"{what} is a single value, not {KindOf(node)}");
            return null;
        }

        if (IsNull(scalar))
        {
            return null;
        }

        return scalar.Value;
    }

    public static bool IsNull(YamlScalarNode scalar)
        => scalar.Value is null
            || (scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL")
            || scalar.Value.Trim().Length == 0;

    public static bool? Bool(ProfileErrors errors, YamlNode node, string what)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } scalar)
        {
            return scalar.Value == "true";
        }

        errors.Add(node, $"{what} is true or false");
        return null;
    }

    public static int? Int(ProfileErrors errors, YamlNode node, string what)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar
            && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(node, $"{what} is a whole number");
        return null;
    }

    public static string KindOf(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "a single value",
    };
}

/// <summary>
/// A mapping read strictly: keys are plain text, unknown keys are errors, missing required keys are reported
/// at the key that owns the mapping.
/// </summary>
internal sealed class YamlMap
{
    private readonly ProfileErrors _errors;
    private readonly List<(YamlScalarNode Key, YamlNode Value)> _entries = [];

    private YamlMap(ProfileErrors errors, YamlMappingNode node, YamlNode anchor, string what)
    {
        _errors = errors;
        Node = node;
        Anchor = anchor;
        What = what;
    }

    /// <summary>The name of the document's root mapping; its sections are named by their key alone.</summary>
    public const string TopLevel = "the profile";

    public YamlMappingNode Node { get; }

    /// <summary>Where errors about the mapping as a whole (a missing key) are reported: the key that owns it.</summary>
    public YamlNode Anchor { get; }

    public string What { get; }

    public IReadOnlyList<(YamlScalarNode Key, YamlNode Value)> Entries => _entries;

    /// <summary>Opens <paramref name="node"/> as a mapping. <paramref name="allowed"/> null accepts any key (a dictionary such as the catalog).</summary>
    public static YamlMap? Open(ProfileErrors errors, YamlNode? node, YamlNode anchor, string what, IReadOnlyCollection<string>? allowed = null)
    {
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar && YamlScalars.IsNull(scalar))
        {
            errors.Add(anchor, $"{what} is empty");
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            errors.Add(node, $"{what} is a mapping (key: value), not {YamlScalars.KindOf(node)}");
            return null;
        }

        var map = new YamlMap(errors, mapping, anchor, what);
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode keyScalar || keyScalar.Value is null)
            {
                errors.Add(key, $"{what}: keys are plain names");
                continue;
            }

            if (allowed is not null && !allowed.Contains(keyScalar.Value))
            {
                errors.Add(keyScalar, $"{what}: unknown key '{keyScalar.Value}' (known: {string.Join(", ", allowed)})");
                continue;
            }

            map._entries.Add((keyScalar, value));
        }

        return map;
    }

    public bool Has(string key) => Find(key) is not null;

    public YamlNode? Value(string key) => Find(key)?.Value;

    public YamlScalarNode? KeyNode(string key) => Find(key)?.Key;

    /// <summary>The position to report about <paramref name="key"/>: its value when present, else the mapping's owner.</summary>
    public YamlNode At(string key) => Value(key) ?? Anchor;

    public string? Text(string key, bool required = false, string? rule = null, string? why = null)
    {
        var value = Value(key);
        if (value is null)
        {
            if (required)
            {
                Missing(key, rule, why);
            }

            return null;
        }

        var text = YamlScalars.Text(_errors, value, $"{What}: '{key}'");
        if (text is null && required && value is YamlScalarNode)
        {
            _errors.Add(value, $"{What}: '{key}' is empty{Why(why)}", rule);
        }

        return text?.Trim();
    }

    public bool? Bool(string key) => Value(key) is { } value ? YamlScalars.Bool(_errors, value, $"{What}: '{key}'") : null;

    public int? Int(string key) => Value(key) is { } value ? YamlScalars.Int(_errors, value, $"{What}: '{key}'") : null;

    public YamlMap? Map(string key, IReadOnlyCollection<string>? allowed = null, bool required = false, string? rule = null, string? why = null)
    {
        var value = Value(key);
        if (value is null)
        {
            if (required)
            {
                Missing(key, rule, why);
            }

            return null;
        }

        return Open(_errors, value, KeyNode(key)!, What == TopLevel ? key : $"{What}.{key}", allowed);
    }

    /// <summary>The items of a list; a single value is refused (write <c>[value]</c>).</summary>
    public IReadOnlyList<YamlNode>? List(string key, bool required = false, string? rule = null, string? why = null)
    {
        var value = Value(key);
        if (value is null)
        {
            if (required)
            {
                Missing(key, rule, why);
            }

            return null;
        }

        if (value is YamlScalarNode scalar && YamlScalars.IsNull(scalar))
        {
            return [];
        }

        if (value is not YamlSequenceNode sequence)
        {
            _errors.Add(value, $"{What}: '{key}' is a list ([a, b]), not {YamlScalars.KindOf(value)}");
            return null;
        }

        return [.. sequence.Children];
    }

    public void Missing(string key, string? rule = null, string? why = null)
        => _errors.Add(Anchor, $"{What}: '{key}' is missing{Why(why)}", rule);

    private static string Why(string? why) => why is null ? string.Empty : $"; {why}";

    private (YamlScalarNode Key, YamlNode Value)? Find(string key)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key.Value, key, StringComparison.Ordinal))
            {
                return entry;
            }
        }

        return null;
    }
}

/// <summary>
/// One pass over the YAML events before the document is loaded: refuses text nested deeper than a profile ever is or
/// that aliases would expand beyond any profile's size (so that neither the loader nor the reader can be driven to
/// recurse or work without bound), and finds keys that appear twice in one mapping, with the line of the first (the
/// representation model stops at the first duplicate; this pass reports them all). It keeps its own stack: no input
/// can make it recurse.
/// </summary>
internal sealed class DuplicateKeys
{
    /// <summary>Nesting a profile never needs (the built-in ones reach 7); deeper text is refused before it is loaded.</summary>
    public const int MaxDepth = 32;

    /// <summary>Nodes a profile may hold with every alias expanded (the built-in internet hospital has about 25,000).</summary>
    public const long MaxExpandedNodes = 1_000_000;

    private readonly ProfileErrors _errors;

    private DuplicateKeys(ProfileErrors errors) => _errors = errors;

    /// <summary>Where the last event that parsed started: the place to report a failure the parser gives no position for.</summary>
    public Mark LastGood { get; private set; } = Mark.Empty;

    public static DuplicateKeys Create(ProfileErrors errors) => new(errors);

    /// <summary>Scans <paramref name="text"/>; false when it was refused outright (too deep or too large), with the error added.</summary>
    public bool Find(string text)
    {
        var parser = new Parser(new StringReader(text));
        var stack = new List<Frame>();
        var path = new List<string>();
        var anchors = new Dictionary<string, long>(StringComparer.Ordinal);
        long nodes = 0;
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            LastGood = current.Start;
            switch (current)
            {
                case MappingStart or SequenceStart:
                    nodes++;
                    if (stack.Count >= MaxDepth)
                    {
                        _errors.Add(current.Start, $"nesting deeper than {MaxDepth} levels: a profile is never this deep (is a bracket or an indentation wrong?)");
                        return false;
                    }

                    BeginValue(stack);
                    var anchor = ((NodeEvent)current).Anchor;
                    stack.Add(new Frame(current is MappingStart, anchor.IsEmpty ? null : anchor.Value, nodes));
                    break;
                case MappingEnd or SequenceEnd:
                    var ended = stack[^1];
                    stack.RemoveAt(stack.Count - 1);
                    if (ended.Anchor is { } name)
                    {
                        anchors[name] = nodes - ended.StartedAt + 1;
                    }

                    EndValue(stack, path);
                    break;
                case Scalar scalar:
                    nodes++;
                    if (NotText(scalar.Value) is { } why)
                    {
                        _errors.Add(scalar.Start, why);
                        return false;
                    }

                    if (!scalar.Anchor.IsEmpty)
                    {
                        anchors[scalar.Anchor.Value] = 1;
                    }

                    if (stack.Count > 0 && stack[^1] is { IsMapping: true, AwaitingKey: true } map)
                    {
                        if (map.Seen.TryGetValue(scalar.Value, out var first))
                        {
                            _errors.Add(scalar.Start, Describe(path, scalar.Value, first.Line));
                        }
                        else
                        {
                            map.Seen.Add(scalar.Value, scalar.Start);
                        }

                        map.AwaitingKey = false;
                        map.KeyPushed = true;
                        path.Add(scalar.Value);
                        break;
                    }

                    EndValue(stack, path);
                    break;
                case AnchorAlias alias:
                    // An alias repeats its anchor's whole node: counted at that size, so aliases cannot multiply work unseen.
                    nodes += anchors.GetValueOrDefault(alias.Value.Value, 1);
                    if (stack.Count > 0 && stack[^1] is { IsMapping: true, AwaitingKey: true } keyed)
                    {
                        keyed.AwaitingKey = false;
                        break;
                    }

                    EndValue(stack, path);
                    break;
            }

            if (nodes > MaxExpandedNodes)
            {
                _errors.Add(current.Start, string.Create(CultureInfo.InvariantCulture, $"more than {MaxExpandedNodes:N0} values with every alias expanded: a profile is never this large"));
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Why a scalar is no text a profile can hold (an escape such as <c>"\ud800"</c> gives a lone surrogate, which no UTF-8
    /// text can hold, and a control character other than tab or a line break means nothing in a profile); null when it is text.
    /// </summary>
    private static string? NotText(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "the value holds a lone surrogate (a \\uD800–\\uDFFF escape without its pair), which no UTF-8 text can hold; write the character itself or its complete pair";
            }
            else if (c < 0x20 && c is not ('\t' or '\n' or '\r'))
            {
                return string.Create(CultureInfo.InvariantCulture, $"the value holds the control character U+{(int)c:X4}; remove it");
            }
        }

        return null;
    }

    /// <summary>A collection or scalar starts as the value of the frame it is in (a complex key counts as a value too).</summary>
    private static void BeginValue(List<Frame> stack)
    {
        if (stack.Count > 0 && stack[^1] is { IsMapping: true, AwaitingKey: true } map)
        {
            // A collection as a key: no duplicate check, its value follows.
            map.AwaitingKey = false;
            map.ComplexKey = true;
        }
    }

    /// <summary>A value ended: in a mapping, the next event is a key again.</summary>
    private static void EndValue(List<Frame> stack, List<string> path)
    {
        if (stack.Count == 0 || !stack[^1].IsMapping)
        {
            return;
        }

        var map = stack[^1];
        if (map.ComplexKey)
        {
            map.ComplexKey = false;
            return;
        }

        if (map.KeyPushed)
        {
            path.RemoveAt(path.Count - 1);
            map.KeyPushed = false;
        }

        map.AwaitingKey = true;
    }

    private sealed class Frame(bool isMapping, string? anchor, long startedAt)
    {
        public bool IsMapping { get; } = isMapping;

        /// <summary>The anchor this collection carries, and the node count when it opened (its size is counted at its end).</summary>
        public string? Anchor { get; } = anchor;

        public long StartedAt { get; } = startedAt;

        public bool AwaitingKey { get; set; } = isMapping;

        public bool KeyPushed { get; set; }

        public bool ComplexKey { get; set; }

        public Dictionary<string, Mark> Seen { get; } = new(StringComparer.Ordinal);
    }

    private static string Describe(List<string> path, string key, long firstLine)
    {
        var first = string.Create(CultureInfo.InvariantCulture, $"first declared at line {firstLine}");
        return path switch
        {
            ["catalog"] => $"duplicate type '{key}': a record type is declared once ({first})",
            ["purposes"] => $"duplicate purpose '{key}': a purpose key is declared once ({first})",
            ["recipients"] => $"duplicate recipient '{key}' ({first})",
            _ => $"duplicate key '{key}' in {(path.Count == 0 ? "the profile" : string.Join('.', path))} ({first})",
        };
    }
}

/// <summary>Loads one YAML document strictly (duplicate keys, depth and alias expansion checked first), reporting syntax errors with their position.</summary>
internal static class YamlText
{
    /// <summary>The root node of the only document of <paramref name="text"/>; false with the errors added when it cannot be read.</summary>
    public static bool TryLoad(string text, ProfileErrors errors, string what, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out YamlNode? root)
    {
        root = null;
        var duplicates = DuplicateKeys.Create(errors);
        try
        {
            duplicates.Find(text);
            if (errors.Count > 0)
            {
                return false;
            }

            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count != 1)
            {
                errors.Add(Mark.Empty, stream.Documents.Count == 0 ? $"the {what} is empty" : $"a {what} is one YAML document");
                return false;
            }

            root = stream.Documents[0].RootNode;
            return true;
        }
        catch (YamlException e)
        {
            errors.Add(e.Start, $"YAML syntax: {SyntaxMessage(e.Message)}");
            return false;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some malformed flow collections (an unclosed '[' or '{').
            errors.Add(duplicates.LastGood, "YAML syntax: the text after this point cannot be read (an unclosed '[' or '{'?)");
            return false;
        }
        catch (ArgumentException)
        {
            // And this way on an escape that pairs a surrogate with something that is not its other half ("\uD800\u1").
            errors.Add(duplicates.LastGood, "YAML syntax: an escape after this point is not a character (a \\uD800–\\uDFFF escape without its pair?)");
            return false;
        }
    }

    private static string SyntaxMessage(string message)
    {
        // YamlDotNet sometimes prefixes the message with the positions, which the error already carries.
        var trimmed = System.Text.RegularExpressions.Regex.Replace(message, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", string.Empty, System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return trimmed.TrimEnd('.');
    }
}
