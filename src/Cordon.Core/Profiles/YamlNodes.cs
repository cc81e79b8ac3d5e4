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
/// Finds keys that appear twice in one mapping, with the line of the first, before the document is loaded
/// (the representation model stops at the first duplicate; this pass reports them all).
/// </summary>
internal sealed class DuplicateKeys
{
    private readonly ProfileErrors _errors;

    private DuplicateKeys(ProfileErrors errors) => _errors = errors;

    /// <summary>Where the last event that parsed started: the place to report a failure the parser gives no position for.</summary>
    public Mark LastGood { get; private set; } = Mark.Empty;

    public static DuplicateKeys Create(ProfileErrors errors) => new(errors);

    public void Find(string text)
    {
        var parser = new Parser(new StringReader(text));
        while (MoveNext(parser))
        {
            if (parser.Current is MappingStart or SequenceStart)
            {
                Node(parser, []);
            }
        }
    }

    private bool MoveNext(IParser parser)
    {
        var moved = parser.MoveNext();
        if (moved && parser.Current is { } current)
        {
            LastGood = current.Start;
        }

        return moved;
    }

    private void Node(IParser parser, List<string> path)
    {
        switch (parser.Current)
        {
            case MappingStart:
                var seen = new Dictionary<string, Mark>(StringComparer.Ordinal);
                MoveNext(parser);
                while (parser.Current is not MappingEnd)
                {
                    if (parser.Current is Scalar key)
                    {
                        if (seen.TryGetValue(key.Value, out var first))
                        {
                            _errors.Add(key.Start, Describe(path, key.Value, first.Line));
                        }
                        else
                        {
                            seen.Add(key.Value, key.Start);
                        }

                        MoveNext(parser);
                        path.Add(key.Value);
                        Node(parser, path);
                        path.RemoveAt(path.Count - 1);
                    }
                    else
                    {
                        Node(parser, path);
                        Node(parser, path);
                    }
                }

                MoveNext(parser);
                break;
            case SequenceStart:
                MoveNext(parser);
                while (parser.Current is not SequenceEnd)
                {
                    Node(parser, path);
                }

                MoveNext(parser);
                break;
            default:
                MoveNext(parser);
                break;
        }
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
