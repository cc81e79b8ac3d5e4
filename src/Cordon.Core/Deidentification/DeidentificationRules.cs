using System.Collections.Frozen;
using System.Globalization;
using Cordon.Core.Catalog;
using Cordon.Core.Profiles;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cordon.Core.Deidentification;

/// <summary>What an explicit rule does to the values at its path (the methods of the Microsoft FHIR anonymizer).</summary>
public enum DeidentificationMethod : byte
{
    /// <summary>The value as it is: no date shift, no scrubbing.</summary>
    Keep,

    /// <summary>The value is removed (and a container left empty with it).</summary>
    Redact,

    /// <summary>Dates and date-times moved by the subject's offset (<see cref="DeidentificationRules.DateShiftDays"/>).</summary>
    DateShift,

    /// <summary>The keyed hash (HMAC-SHA-256 or HMAC-SM3 by the tenant's suite), lower-case hex.</summary>
    CryptoHash,

    /// <summary>AES-GCM or SM4-GCM by the tenant's suite, base64 of nonce, ciphertext and tag.</summary>
    Encrypt,

    /// <summary>A fixed value (<see cref="DeidentificationRule.Value"/>).</summary>
    Substitute,

    /// <summary>Numbers with noise within <see cref="DeidentificationRule.Span"/> or <see cref="DeidentificationRule.Ratio"/>, the same for a subject and path on every run.</summary>
    Perturb,

    /// <summary>Dates to their year or month, numbers to the lower bound of their range, strings through a mapping.</summary>
    Generalize,
}

/// <summary>How far <see cref="DeidentificationMethod.Generalize"/> takes a date.</summary>
public enum DateGranularity : byte
{
    Year,
    Month,
}

/// <summary>One explicit rule: a record type, an element path in the catalog's syntax, a method and its parameters.</summary>
public sealed record DeidentificationRule
{
    /// <summary>A name for messages; defaults to <c>type.path</c>.</summary>
    public string? Id { get; init; }

    public required string Type { get; init; }

    /// <summary>A declared path (<c>birthDate</c>), a path under a declared wildcard (<c>value[x].value</c>) or a prefix with <c>.*</c> (<c>address.*</c>).</summary>
    public required string Path { get; init; }

    public required DeidentificationMethod Method { get; init; }

    /// <summary>Substitute: the value written instead (a number stays a number when the value reads as one).</summary>
    public string? Value { get; init; }

    /// <summary>Perturb: noise within ±span, in the value's unit.</summary>
    public decimal? Span { get; init; }

    /// <summary>Perturb: noise within ±ratio × the value.</summary>
    public decimal? Ratio { get; init; }

    /// <summary>Generalize a date: to its year or month.</summary>
    public DateGranularity? To { get; init; }

    /// <summary>Generalize a number: to the lower bound of its range of this width (37 with width 10 is 30).</summary>
    public decimal? Width { get; init; }

    /// <summary>Generalize a string: the value each listed value becomes.</summary>
    public IReadOnlyDictionary<string, string>? Mapping { get; init; }

    /// <summary>Generalize a string not in <see cref="Mapping"/>: this value, or redacted when null.</summary>
    public string? Otherwise { get; init; }

    /// <summary>The value (after the method) is part of the record's quasi-identifier tuple for k-anonymity.</summary>
    public bool QuasiIdentifier { get; init; }

    public int Line { get; init; }

    public string Name => Id ?? $"{Type}.{Path}";
}

/// <summary>The explicit rules of a release, over the catalog-driven defaults (see docs/deidentification.md).</summary>
public sealed class DeidentificationRules
{
    public const string Schema = "cordon/deidentify@1";

    /// <summary>The default range of the per-subject date shift, in days either way.</summary>
    public const int DefaultDateShiftDays = 50;

    public DeidentificationRules(IReadOnlyList<DeidentificationRule> rules, int dateShiftDays = DefaultDateShiftDays)
    {
        Guard.NotNull(rules);
        Guard.That(dateShiftDays is >= 1 and <= 3650, "the date shift range is 1 to 3650 days");
        Rules = rules;
        DateShiftDays = dateShiftDays;
    }

    /// <summary>No explicit rule: the catalog's defaults alone.</summary>
    public static DeidentificationRules Defaults { get; } = new([]);

    public IReadOnlyList<DeidentificationRule> Rules { get; }

    /// <summary>Dates move by the same whole number of days for one subject, within ±this.</summary>
    public int DateShiftDays { get; }
}

/// <summary>Either rules or the reasons they were refused, each as <c>file:line:column: reason</c>.</summary>
public sealed record DeidentificationRulesLoad(DeidentificationRules? Rules, IReadOnlyList<ProfileError> Errors)
{
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Rules))]
    public bool Succeeded => Rules is not null;
}

/// <summary>
/// Reads rules from YAML or JSON (JSON is YAML) through YamlDotNet's representation model, strictly like the profile:
/// unknown keys, duplicate keys, a method's missing or foreign parameters are refused with their line and column.
/// Whether a path exists for its type is checked when the plan is compiled against the catalog.
/// </summary>
public static class DeidentificationRulesLoader
{
    public const int MaxLength = 1024 * 1024;

    private static readonly string[] TopKeys = ["schema", "dateShiftDays", "rules"];
    private static readonly string[] RuleKeys = ["id", "type", "path", "method", "value", "span", "ratio", "to", "width", "mapping", "otherwise", "quasiIdentifier"];

    private static readonly FrozenDictionary<string, DeidentificationMethod> Methods = new Dictionary<string, DeidentificationMethod>(StringComparer.Ordinal)
    {
        ["keep"] = DeidentificationMethod.Keep,
        ["redact"] = DeidentificationMethod.Redact,
        ["dateShift"] = DeidentificationMethod.DateShift,
        ["cryptoHash"] = DeidentificationMethod.CryptoHash,
        ["encrypt"] = DeidentificationMethod.Encrypt,
        ["substitute"] = DeidentificationMethod.Substitute,
        ["perturb"] = DeidentificationMethod.Perturb,
        ["generalize"] = DeidentificationMethod.Generalize,
        ["generalise"] = DeidentificationMethod.Generalize,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The parameters each method takes besides id, type, path, method and quasiIdentifier.</summary>
    private static readonly FrozenDictionary<DeidentificationMethod, string[]> Parameters = new Dictionary<DeidentificationMethod, string[]>
    {
        [DeidentificationMethod.Keep] = [],
        [DeidentificationMethod.Redact] = [],
        [DeidentificationMethod.DateShift] = [],
        [DeidentificationMethod.CryptoHash] = [],
        [DeidentificationMethod.Encrypt] = [],
        [DeidentificationMethod.Substitute] = ["value"],
        [DeidentificationMethod.Perturb] = ["span", "ratio"],
        [DeidentificationMethod.Generalize] = ["to", "width", "mapping", "otherwise"],
    }.ToFrozenDictionary();

    public static DeidentificationRulesLoad Load(string text, string fileName)
    {
        Guard.NotNull(text);
        Guard.NotEmpty(fileName);
        var errors = new ProfileErrors(fileName);
        if (text.Length > MaxLength)
        {
            errors.Add(Mark.Empty, string.Create(CultureInfo.InvariantCulture, $"the rules are {text.Length:N0} characters; rules are at most {MaxLength:N0}"));
            return new(null, errors.Sorted());
        }

        if (!YamlText.TryLoad(text, errors, "rules file", out var root))
        {
            return new(null, errors.Sorted());
        }

        var top = YamlMap.Open(errors, root, root, "the rules", TopKeys);
        if (top is null)
        {
            return new(null, errors.Sorted());
        }

        var schema = top.Text("schema", required: true, why: $"write schema: {DeidentificationRules.Schema}");
        if (schema is not null && !string.Equals(schema, DeidentificationRules.Schema, StringComparison.Ordinal))
        {
            errors.Add(top.At("schema"), $"the rules: schema is '{DeidentificationRules.Schema}'");
        }

        var days = top.Int("dateShiftDays") ?? DeidentificationRules.DefaultDateShiftDays;
        if (days is < 1 or > 3650)
        {
            errors.Add(top.At("dateShiftDays"), "the rules: 'dateShiftDays' is 1 to 3650");
        }

        var rules = new List<DeidentificationRule>();
        foreach (var item in top.List("rules") ?? [])
        {
            if (ReadRule(errors, item) is { } rule)
            {
                rules.Add(rule);
            }
        }

        return errors.Count > 0 ? new(null, errors.Sorted()) : new(new DeidentificationRules(rules, days), []);
    }

    private static DeidentificationRule? ReadRule(ProfileErrors errors, YamlNode node)
    {
        var map = YamlMap.Open(errors, node, node, $"rule at line {node.Start.Line}", RuleKeys);
        if (map is null)
        {
            return null;
        }

        var type = map.Text("type", required: true);
        var path = map.Text("path", required: true);
        var methodText = map.Text("method", required: true);
        if (path is not null && !PathSyntax.TryParse(path, out _, out var pathError))
        {
            errors.Add(map.At("path"), $"{map.What}: path '{path}': {pathError}");
        }

        DeidentificationMethod method = default;
        if (methodText is not null && !Methods.TryGetValue(methodText, out method))
        {
            errors.Add(map.At("method"), $"{map.What}: unknown method '{methodText}' (known: keep, redact, dateShift, cryptoHash, encrypt, substitute, perturb, generalize)");
            return null;
        }

        if (type is null || path is null || methodText is null)
        {
            return null;
        }

        var allowed = Parameters[method];
        foreach (var (key, _) in map.Entries)
        {
            if (Array.IndexOf(RuleKeys, key.Value) >= 4 && key.Value != "quasiIdentifier" && Array.IndexOf(allowed, key.Value) < 0)
            {
                errors.Add(key, $"{map.What}: '{key.Value}' is not a parameter of {methodText}{(allowed.Length == 0 ? string.Empty : $" (it takes {string.Join(", ", allowed)})")}");
            }
        }

        var rule = new DeidentificationRule
        {
            Id = map.Text("id"),
            Type = type,
            Path = path,
            Method = method,
            Value = map.Text("value"),
            Span = Number(errors, map, "span"),
            Ratio = Number(errors, map, "ratio"),
            Width = Number(errors, map, "width"),
            To = map.Text("to") switch
            {
                null => null,
                "year" => DateGranularity.Year,
                "month" => DateGranularity.Month,
                var other => Refuse<DateGranularity>(errors, map.At("to"), $"{map.What}: 'to' is year or month, not '{other}'"),
            },
            Mapping = Mapping(errors, map),
            Otherwise = map.Text("otherwise"),
            QuasiIdentifier = map.Bool("quasiIdentifier") ?? false,
            Line = (int)node.Start.Line,
        };

        Check(errors, map, rule);
        return rule;
    }

    private static void Check(ProfileErrors errors, YamlMap map, DeidentificationRule rule)
    {
        switch (rule.Method)
        {
            case DeidentificationMethod.Substitute when rule.Value is null:
                errors.Add(map.Anchor, $"{map.What}: substitute needs 'value'");
                break;
            case DeidentificationMethod.Perturb when (rule.Span is null) == (rule.Ratio is null):
                errors.Add(map.Anchor, $"{map.What}: perturb needs exactly one of 'span' (±, in the value's unit) or 'ratio' (± a fraction of the value)");
                break;
            case DeidentificationMethod.Perturb when rule.Span <= 0 || rule.Ratio is <= 0 or > 1:
                errors.Add(map.Anchor, $"{map.What}: 'span' is above 0 and 'ratio' above 0 and at most 1");
                break;
            case DeidentificationMethod.Generalize when (rule.To is null ? 0 : 1) + (rule.Width is null ? 0 : 1) + (rule.Mapping is null ? 0 : 1) != 1:
                errors.Add(map.Anchor, $"{map.What}: generalize needs exactly one of 'to' (dates: year or month), 'width' (numbers) or 'mapping' (strings)");
                break;
            case DeidentificationMethod.Generalize when rule.Width <= 0:
                errors.Add(map.At("width"), $"{map.What}: 'width' is above 0");
                break;
            case DeidentificationMethod.Generalize when rule.Otherwise is not null && rule.Mapping is null:
                errors.Add(map.At("otherwise"), $"{map.What}: 'otherwise' goes with 'mapping'");
                break;
        }
    }

    private static decimal? Number(ProfileErrors errors, YamlMap map, string key)
    {
        if (map.Value(key) is not { } node)
        {
            return null;
        }

        if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar
            && decimal.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(node, $"{map.What}: '{key}' is a number");
        return null;
    }

    private static FrozenDictionary<string, string>? Mapping(ProfileErrors errors, YamlMap map)
    {
        var mapping = map.Map("mapping");
        if (mapping is null)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, _) in mapping.Entries)
        {
            if (mapping.Text(key.Value!) is { } to)
            {
                result[key.Value!] = to;
            }
            else
            {
                errors.Add(key, $"{mapping.What}: '{key.Value}' maps to a value");
            }
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static T? Refuse<T>(ProfileErrors errors, YamlNode node, string message)
        where T : struct
    {
        errors.Add(node, message);
        return null;
    }
}
