using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;
using Cordon.Core.Decisions;
using Cordon.Core.Text;

namespace Cordon.Core.Deidentification;

/// <summary>What is done to one primitive value.</summary>
internal enum ValueMethod : byte
{
    /// <summary>The catalog's default for a field it does not identify by: kept, with full dates shifted and free text scrubbed.</summary>
    Default,
    Keep,
    Redact,
    PseudonymId,
    PseudonymReference,
    PseudonymIdentifier,
    PseudonymSystem,
    DateShift,
    CryptoHash,
    Encrypt,
    Substitute,
    Perturb,
    Generalize,
}

/// <summary>A method with its parameters, compiled once.</summary>
internal sealed class ValueAction
{
    public static readonly ValueAction Unclassified = new(ValueMethod.Redact);

    public ValueAction(ValueMethod method, DeidentificationRule? rule = null, string? quasiIdentifier = null, string? path = null)
    {
        Method = method;
        Rule = rule;
        QuasiIdentifier = quasiIdentifier;
        Path = System.Text.Encoding.UTF8.GetBytes(path ?? string.Empty);
        if (rule?.Mapping is { } mapping)
        {
            Mapping = mapping.ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    public ValueMethod Method { get; }

    public DeidentificationRule? Rule { get; }

    /// <summary>The name this value has in the quasi-identifier tuple, or null.</summary>
    public string? QuasiIdentifier { get; }

    /// <summary>The declared path, for the per-subject-and-path noise of perturb.</summary>
    public byte[] Path { get; }

    public FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>>? Mapping { get; }
}

/// <summary>One record type's plan: the catalog's trie with a default per declared field, and the explicit rules' own trie.</summary>
internal sealed class TypePlan(CompiledType catalog, ValueAction[] defaults, CompiledType rules, ValueAction[] ruleActions)
{
    public string Name => Catalog.Definition.Name;

    /// <summary>The name in UTF-8, written as every resource's <c>resourceType</c> without transcoding it each time.</summary>
    public byte[] Utf8Name { get; } = System.Text.Encoding.UTF8.GetBytes(catalog.Definition.Name);

    public CompiledType Catalog { get; } = catalog;

    public ValueAction[] Defaults { get; } = defaults;

    /// <summary>The rules' paths compiled like a catalog type (field i is rule action i), walked beside the catalog.</summary>
    public CompiledType Rules { get; } = rules;

    public ValueAction[] RuleActions { get; } = ruleActions;
}

/// <summary>
/// De-identification of FHIR R4 JSON compiled once per (catalog, rules, keys, suite): the catalog's defaults and the
/// explicit rules become one plan per record type, and every resource is then one pass from
/// <see cref="Utf8JsonReader"/> to <see cref="Utf8JsonWriter"/>. Thread-safe once compiled. See docs/deidentification.md.
/// </summary>
public sealed class DeidentificationPlan
{
    /// <summary>The element names whose strings are free text and are scrubbed by default.</summary>
    internal static readonly FrozenSet<string> FreeTextNames = FrozenSet.Create(StringComparer.Ordinal,
        "div", "text", "display", "description", "comment", "contentString", "valueString", "valueMarkdown", "note", "patientInstruction", "summary");

    private readonly FrozenDictionary<string, TypePlan> _types;

    private DeidentificationPlan(FrozenDictionary<string, TypePlan> types, DeidentificationRules rules, DeidentificationKeys keys, CryptoSuite suite)
    {
        _types = types;
        TypeLookup = new Utf8NameMap<TypePlan>(types);
        Rules = rules;
        Keys = keys;
        Suite = suite;
    }

    public DeidentificationRules Rules { get; }

    public DeidentificationKeys Keys { get; }

    public CryptoSuite Suite { get; }

    /// <summary>The record types this plan writes; any other type is withheld.</summary>
    public IEnumerable<string> Types => _types.Keys;

    /// <summary>The plan of each record type, by the UTF-8 bytes of its name.</summary>
    internal Utf8NameMap<TypePlan> TypeLookup { get; }

    /// <summary>
    /// Compiles the plan, or refuses rules that name a type or path the catalog does not know
    /// (<c>deidentify.unknown-path</c>, each in <see cref="Failure.Errors"/> with the nearest known path).
    /// </summary>
    public static Result<DeidentificationPlan> Compile(CompiledCatalog catalog, DeidentificationRules rules, DeidentificationKeys keys, CryptoSuite suite)
    {
        Guard.NotNull(catalog);
        Guard.NotNull(rules);
        Guard.NotNull(keys);
        Guard.NotNull(suite);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var byType = rules.Rules.GroupBy(r => r.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var type in byType.Keys.Where(t => !catalog.TryGetType(t, out _)))
        {
            var nearest = Nearest.To(type, catalog.Source.Types.Keys);
            errors[type] = [$"'{type}' is not a record type of the catalog{(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")}"];
        }

        var plans = new Dictionary<string, TypePlan>(StringComparer.Ordinal);
        foreach (var definition in catalog.Source.Types.Values)
        {
            catalog.TryGetType(definition.Name, out var type);
            var typeRules = byType.GetValueOrDefault(definition.Name) ?? [];
            var (ruleType, ruleActions) = CompileRules(type!, typeRules, errors);
            plans[definition.Name] = new TypePlan(type!, Defaults(type!, ruleType, ruleActions), ruleType, ruleActions);
        }

        if (errors.Count > 0)
        {
            var detail = string.Join("; ", errors.OrderBy(e => e.Key, StringComparer.Ordinal).SelectMany(e => e.Value));
            return Failure.From(Refusals.DeidentifyUnknownPath, detail) with { Errors = errors };
        }

        return new DeidentificationPlan(plans.ToFrozenDictionary(StringComparer.Ordinal), rules, keys, suite);
    }

    /// <summary>
    /// De-identifies one resource (UTF-8 JSON) of the subject whose seed is <paramref name="subjectSeed"/> (the subject's
    /// Patient id, the same for all of that subject's resources) into <paramref name="output"/>. A type outside the catalog
    /// is withheld (nothing written, <see cref="DeidentifiedResource.Withheld"/> says why); malformed JSON is a
    /// <c>request.malformed</c> failure naming the line and byte, never the content. <paramref name="context"/> adds the
    /// subject's names and addresses to the free-text scrubbing (a Patient is its own context).
    /// </summary>
    public Result<DeidentifiedResource> Apply(ReadOnlySpan<byte> resourceUtf8, string subjectSeed, IBufferWriter<byte> output, SubjectContext? context = null)
    {
        Guard.NotNull(subjectSeed);
        Guard.NotNull(output);
        using var writer = new Utf8JsonWriter(output, Deidentifier.WriterOptions);
        using var walker = new Deidentifier(this, writer);
        try
        {
            var result = walker.Resource(resourceUtf8, subjectSeed, context);
            writer.Flush();
            return result;
        }
        catch (JsonException e)
        {
            return Malformed(e, "the resource");
        }
    }

    /// <summary>
    /// De-identifies every entry's resource of a FHIR Bundle, under the seed of the Bundle's Patient (for each entry
    /// without one, the subject it references), and writes them as NDJSON or as a Bundle of the same type with the
    /// <c>fullUrl</c>s pseudonymised like the references to them.
    /// </summary>
    public Result<IReadOnlyList<DeidentifiedResource>> ApplyBundle(ReadOnlySpan<byte> bundleUtf8, IBufferWriter<byte> output, DeidentifiedOutput shape = DeidentifiedOutput.Ndjson)
    {
        Guard.NotNull(output);
        try
        {
            return Deidentifier.Bundle(this, bundleUtf8, output, shape);
        }
        catch (JsonException e)
        {
            return Malformed(e, "the bundle");
        }
    }

    /// <summary>De-identifies NDJSON (one resource per line; a line may also be a Bundle), writing NDJSON. A Patient line is the context of the lines of its subject.</summary>
    public Result<IReadOnlyList<DeidentifiedResource>> ApplyNdjson(ReadOnlySpan<byte> ndjsonUtf8, IBufferWriter<byte> output)
    {
        Guard.NotNull(output);
        return Deidentifier.Ndjson(this, ndjsonUtf8, output);
    }

    /// <summary>The subject seed of a resource: its own id for a Patient, else the id its subject, patient or beneficiary reference names; null when it names none.</summary>
    public static string? SubjectSeedOf(ReadOnlySpan<byte> resourceUtf8) => Deidentifier.SubjectSeedOf(resourceUtf8);

    /// <summary>The <c>resourceType</c> of a JSON object (null when it has none); malformed JSON throws <see cref="JsonException"/>.</summary>
    public static string? ResourceTypeOf(ReadOnlySpan<byte> resourceUtf8) => Deidentifier.ResourceTypeOf(resourceUtf8);

    /// <summary>Opens a value written by an <c>encrypt</c> rule (for the key holder); null when it does not open under these keys.</summary>
    public string? Decrypt(string encrypted) => ValueTransforms.Decrypt(this, Guard.NotNull(encrypted));

    internal static Failure Malformed(JsonException e, string what)
        => Failure.Malformed(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{what} is not valid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}"));

    private static (CompiledType Rules, ValueAction[] Actions) CompileRules(CompiledType type, List<DeidentificationRule> rules, Dictionary<string, string[]> errors)
    {
        var fields = new List<FieldDef>();
        var actions = new List<ValueAction>();
        foreach (var rule in rules)
        {
            var known = Known(type, rule.Path, out var prefix);
            if (!known)
            {
                var nearest = Nearest.To(rule.Path, type.Definition.Paths);
                errors[$"{rule.Type}.{rule.Path}"] = [$"rule '{rule.Name}' (line {rule.Line}): '{rule.Path}' is not a path of {rule.Type} in the catalog{(nearest is null ? string.Empty : $"; the nearest known path is '{nearest}'")}"];
                continue;
            }

            var action = new ValueAction(Method(rule.Method), rule, rule.QuasiIdentifier ? rule.Path : null, rule.Path);
            fields.Add(Synthetic(rule.Path));
            actions.Add(action);
            if (prefix)
            {
                // A rule on a prefix (address, effective[x]) covers the element itself and everything below it.
                fields.Add(Synthetic(rule.Path + ".*"));
                actions.Add(action);
            }
        }

        var definition = new RecordTypeDef { Name = type.Definition.Name, Kind = type.Definition.Kind, Fields = fields };
        return (new CompiledType(definition), [.. actions]);
    }

    private static FieldDef Synthetic(string path) => new() { Path = path, Category = DataCategory.PersonalAttribute, Level = Level.L1 };

    /// <summary>Whether the catalog classifies <paramref name="path"/> for the type (declared, a prefix of declared paths, or under a declared wildcard).</summary>
    private static bool Known(CompiledType type, string path, out bool prefix)
    {
        prefix = false;
        if (!PathSyntax.TryParse(path, out var segments, out _))
        {
            return false;
        }

        var cursor = new PathCursor(type.Root, -1);
        foreach (var segment in segments)
        {
            if (segment.Kind == SegmentKind.Wildcard)
            {
                return true;
            }

            cursor = cursor.Descend(Probe(segment));
            if (cursor.IsDead)
            {
                return false;
            }
        }

        prefix = cursor.Node is { HasChildren: true } || (cursor.Node is null && cursor.Wildcard >= 0);
        return true;
    }

    /// <summary>A property name that a segment matches: the name itself, or for a choice its prefix and an upper-case letter.</summary>
    private static string Probe(PathSegment segment) => segment.Kind == SegmentKind.Choice ? segment.Name + "X" : segment.Name;

    private static ValueMethod Method(DeidentificationMethod method) => method switch
    {
        DeidentificationMethod.Keep => ValueMethod.Keep,
        DeidentificationMethod.Redact => ValueMethod.Redact,
        DeidentificationMethod.DateShift => ValueMethod.DateShift,
        DeidentificationMethod.CryptoHash => ValueMethod.CryptoHash,
        DeidentificationMethod.Encrypt => ValueMethod.Encrypt,
        DeidentificationMethod.Substitute => ValueMethod.Substitute,
        DeidentificationMethod.Perturb => ValueMethod.Perturb,
        _ => ValueMethod.Generalize,
    };

    /// <summary>The catalog-driven default of every declared field (docs/deidentification.md, "Defaults").</summary>
    private static ValueAction[] Defaults(CompiledType type, CompiledType rules, ValueAction[] ruleActions)
    {
        var fields = type.Fields;
        var result = new ValueAction[fields.Length];
        var isPatient = string.Equals(type.Definition.Name, "Patient", StringComparison.Ordinal);
        for (var i = 0; i < fields.Length; i++)
        {
            result[i] = Default(fields[i], isPatient, type, rules, ruleActions);
        }

        return result;
    }

    private static ValueAction Default(FieldDef field, bool isPatient, CompiledType type, CompiledType rules, ValueAction[] ruleActions)
    {
        var path = field.Path;
        var segments = path.Split('.');
        var last = segments[^1];
        var parent = segments.Length > 1 ? segments[^2] : null;
        var underAddress = Array.IndexOf(segments, "address") >= 0;

        if (path == "id")
        {
            return new(ValueMethod.PseudonymId);
        }

        if (last == "reference")
        {
            return new(ValueMethod.PseudonymReference);
        }

        if (parent is not null && parent.EndsWith("dentifier", StringComparison.Ordinal))
        {
            if (last == "value")
            {
                return new(ValueMethod.PseudonymIdentifier);
            }

            // The namespace of a pseudonymised value is replaced too, so nobody takes the pseudonym for a real number.
            if (last == "system" && IsPseudonymised(string.Join('.', segments[..^1]) + ".value", type, rules, ruleActions))
            {
                return new(ValueMethod.PseudonymSystem);
            }

            return new(ValueMethod.Default);
        }

        if (field.Index is not null || field.Format is FieldFormat.CnResidentId or FieldFormat.CnMobile or FieldFormat.Email)
        {
            return new(ValueMethod.Redact);
        }

        if (field.Format == FieldFormat.Date && field.Category == DataCategory.PersonalAttribute)
        {
            return new(ValueMethod.Generalize, YearOnly, isPatient && path == "birthDate" ? "birthYear" : null);
        }

        if (underAddress)
        {
            if (last is "city" or "state")
            {
                return new(ValueMethod.Default, null, isPatient && path.StartsWith("address.", StringComparison.Ordinal) ? (last == "state" ? "province" : "city") : null);
            }

            if (last is "line" or "text" or "postalCode" or "district" || segments.Contains("extension"))
            {
                return new(ValueMethod.Redact);
            }
        }

        if (isPatient && path == "gender")
        {
            return new(ValueMethod.Default, null, "gender");
        }

        if ((field.Category == DataCategory.PersonalAttribute && field.Level >= Level.L4)
            || (field.Tags & SensitiveTags.Location) != 0
            || (field.Category == DataCategory.PersonalAttribute && segments[0] is "name" or "telecom" or "photo" or "contact")
            || segments.Contains("photo")
            || last == "data")
        {
            return new(ValueMethod.Redact);
        }

        return new(ValueMethod.Default);
    }

    private static readonly DeidentificationRule YearOnly = new() { Type = "*", Path = "*", Method = DeidentificationMethod.Generalize, To = DateGranularity.Year };

    /// <summary>Whether the value at <paramref name="valuePath"/> is pseudonymised or hashed once the rules apply.</summary>
    private static bool IsPseudonymised(string valuePath, CompiledType type, CompiledType rules, ValueAction[] ruleActions)
    {
        if (!PathSyntax.TryParse(valuePath, out var segments, out _))
        {
            return false;
        }

        var cursor = new PathCursor(rules.Root, -1);
        foreach (var segment in segments)
        {
            cursor = cursor.Descend(Probe(segment));
        }

        var rule = cursor.Resolve([]);
        return rule < 0 ? Known(type, valuePath, out _) : ruleActions[rule].Method is ValueMethod.CryptoHash or ValueMethod.PseudonymIdentifier;
    }
}

/// <summary>How a Bundle's de-identified resources are written.</summary>
public enum DeidentifiedOutput : byte
{
    /// <summary>One resource per line.</summary>
    Ndjson,

    /// <summary>A Bundle of the input's type, each entry with its pseudonymised fullUrl, its resource and its request method and type.</summary>
    Bundle,
}
