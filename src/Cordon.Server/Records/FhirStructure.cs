using System.Text.Json;
using Cordon.Core.Text;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using Hl7.Fhir.Validation;

namespace Cordon.Server.Records;

/// <summary>One element of a FHIR resource that does not conform to R4: where it is and what to change.</summary>
public sealed record FhirIssue(string Path, string Message, long? Line, long? Position);

/// <summary>
/// The FHIR R4 structure check every FHIR record passes before the catalog classifies it: element names (the real
/// choice-type suffixes, not any <c>value…</c>), cardinality, primitive formats and required bindings such as
/// <c>Patient.gender</c>. The rules are the Firely SDK's strict deserializer (generated from the R4 definitions);
/// what it finds is rephrased for an integrator: the element, what is wrong, and the nearest valid name.
/// </summary>
public static partial class FhirStructure
{
    /// <summary>At most this many issues are reported for one resource.</summary>
    public const int MaxIssues = 50;

    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));

    private static ModelInspector Model => ModelInfo.ModelInspector;

    /// <summary>Whether Cordon knows <paramref name="resourceType"/> as an R4 resource type.</summary>
    public static bool IsResourceType(string resourceType) => ModelInfo.IsKnownResource(resourceType);

    /// <summary>The resource's issues, empty when it conforms. <paramref name="json"/> is one resource's JSON.</summary>
    public static IReadOnlyList<FhirIssue> Check(ReadOnlySpan<byte> json, string resourceType)
    {
        // The one-pass check over the R4 tables says "conforms" for the usual resource; anything else the SDK decides.
        if (FhirShape.Conforms(json, resourceType))
        {
            return [];
        }

        return CheckWithSdk(json, resourceType);
    }

    /// <summary>The SDK's strict reading alone (what <see cref="Check"/> falls back to), for tests that compare the two.</summary>
    internal static IReadOnlyList<FhirIssue> CheckWithSdk(ReadOnlySpan<byte> json, string resourceType)
    {
        var reader = new Utf8JsonReader(json);
        Resource? partial;
        IEnumerable<CodedException> exceptions;
        try
        {
            if (Deserializer.TryDeserializeResource(ref reader, out partial, out var found))
            {
                return [];
            }

            exceptions = found;
        }
        catch (CodedException ex)
        {
            // The SDK's invariant checks can throw on a structure they did not expect (a single contained resource where
            // R4 wants a list): that too is a resource that does not conform, not a server error.
            return [new FhirIssue(Describe(ex) is { } issue ? Relative(issue.Path, resourceType) : "$", WithoutValue(ex.Message), null, null)];
        }
        catch (Exception ex) when (ex is JsonException or InvalidCastException or InvalidOperationException or FormatException)
        {
            // Its reader can lose its place after such a structure (a contained resource given as an object): same answer.
            return [new FhirIssue("$", "The resource does not conform to FHIR R4: an element has a structure R4 does not allow here (a single object where a list belongs, or the reverse).", null, null)];
        }

        var raw = exceptions.Select(Describe).OfType<RawIssue>().ToList();

        // Cordon files a record under the subject in its URL, so the resource's own reference to its patient
        // (Condition.subject, AllergyIntolerance.patient, … 1..1 in R4) may be left out; every other minimum holds.
        var topLevel = raw.Any(r => r.Code == "PVAL105") ? TopLevelNames(json) : [];
        raw.RemoveAll(r => r.Code == "PVAL105" && r.Path is "$this.subject" or "$this.patient" && !topLevel.Contains(r.Path["$this.".Length..]));
        if (raw.Count == 0)
        {
            return [];
        }

        // A choice sent with a suffix that is no type of it (valueQuantiy) makes the SDK read what is inside it as
        // some other type, which adds noise below it: report the name, not what follows from it.
        var wrongChoices = raw.Where(r => r.Code == "PVAL101").Select(r => r.Path + ".").ToList();
        var issues = new List<FhirIssue>();
        foreach (var issue in raw)
        {
            if (issue.Code != "PVAL101" && wrongChoices.Any(prefix => issue.Path.StartsWith(prefix, StringComparison.Ordinal)))
            {
                continue;
            }

            var path = Relative(issue.Path, resourceType);
            var message = Rephrase(issue, resourceType, partial) + (issue.Line is { } line && issue.Code != "PVAL105" ? $" (line {line}, position {issue.Position})" : string.Empty);
            if (issues.Count < MaxIssues && !issues.Any(i => i.Path == path && i.Message == message))
            {
                issues.Add(new FhirIssue(path, message, issue.Line, issue.Position));
            }
        }

        return issues.Count > 0 ? issues : [new FhirIssue("$", "The resource does not conform to FHIR R4.", null, null)];
    }

    private static HashSet<string> TopLevelNames(ReadOnlySpan<byte> json)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                names.Add(reader.GetString()!);
            }
        }

        return names;
    }

    private sealed record RawIssue(string Code, string Path, string Message, long? Line, long? Position);

    private static RawIssue? Describe(CodedException exception) => exception switch
    {
        CodedValidationException v => new RawIssue(v.ErrorCode, v.InstancePath ?? "$", v.BaseErrorMessage, v.LineNumber, v.Position),
        FhirJsonException j => new RawIssue(j.ErrorCode, j.InstancePath ?? "$", j.BaseErrorMessage, j.LineNumber, j.Position),
        _ => new RawIssue(exception.ErrorCode, "$", exception.Message, null, null),
    };

    /// <summary>The element path relative to the resource (<c>name[0].given</c>); a required element the SDK names from <c>$this</c> keeps its name.</summary>
    private static string Relative(string path, string resourceType)
    {
        if (path.StartsWith(resourceType + ".", StringComparison.Ordinal))
        {
            return path[(resourceType.Length + 1)..];
        }

        return path.StartsWith("$this.", StringComparison.Ordinal) ? path["$this.".Length..] : path;
    }

    private static string Rephrase(RawIssue issue, string resourceType, Base? partial)
    {
        var (parentPath, sent) = Split(issue.Path);
        switch (issue.Code)
        {
            case "PVAL101":
                {
                    // "Value is of type 'Quantiy', which is not an allowed choice": the name sent was value + Quantiy.
                    var type = Quoted(issue.Message);
                    var name = type is null ? sent : sent + type;
                    return NotAnElement(name, parentPath, resourceType, partial);
                }

            case "PVAL128":
                return NotAnElement(Quoted(issue.Message) ?? sent, parentPath, resourceType, partial);

            case "PVAL131":
                return NotAnElement(sent, parentPath, resourceType, partial);

            case "PVAL116":
                {
                    var codes = CodesOf(issue.Path, resourceType);
                    var message = WithoutValue(issue.Message);
                    return codes.Count == 0 ? message : $"{message} Use one of: {string.Join(", ", codes)}.";
                }

            case "PVAL105":
                return $"'{sent}' is required here (minimum cardinality 1) and is missing{At(issue)}.";

            default:
                return WithoutValue(issue.Message);
        }
    }

    private static string At(RawIssue issue) => issue.Line is { } line ? $" in the object that starts at line {line}, position {issue.Position}" : string.Empty;

    private static string NotAnElement(string name, string parentPath, string resourceType, Base? partial)
    {
        var owner = parentPath.Length == 0 ? resourceType : Strip(parentPath);
        var mapping = MappingAt(parentPath, resourceType, partial);
        var nearest = mapping is null ? null : Nearest.To(name, ElementNames(mapping));
        var hint = nearest is null ? string.Empty : $"; did you mean '{nearest}'?";
        return $"'{Http.Problem.Sanitize(name)}' is not an element of {owner}{hint}.";
    }

    /// <summary>The element names a class has as they appear in JSON: a choice <c>value[x]</c> as valueQuantity, valueString, ….</summary>
    private static IEnumerable<string> ElementNames(ClassMapping mapping)
    {
        foreach (var property in mapping.PropertyMappings)
        {
            if (property.Choice == ChoiceType.DatatypeChoice)
            {
                foreach (var type in property.FhirType)
                {
                    var typeName = Model.FindOrImportClassMapping(type)?.Name;
                    if (!string.IsNullOrEmpty(typeName))
                    {
                        yield return property.Name + char.ToUpperInvariant(typeName[0]) + typeName[1..];
                    }
                }
            }
            else
            {
                yield return property.Name;
            }
        }
    }

    /// <summary>
    /// The class mapping of the element at <paramref name="path"/> (relative or with the resource type), or null. The
    /// partly read resource is followed where it has the element, so a choice (<c>value</c> sent as valueQuantity) has
    /// the type that was sent; otherwise the definitions are.
    /// </summary>
    private static ClassMapping? MappingAt(string path, string resourceType, Base? partial = null)
    {
        var mapping = Model.FindClassMapping(resourceType);
        var relative = Relative(path, resourceType);
        if (mapping is null || relative.Length == 0 || relative == resourceType)
        {
            return mapping;
        }

        object? instance = partial;
        foreach (var segment in relative.Split('.'))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? segment : segment[..bracket];
            var index = bracket < 0 ? 0 : int.TryParse(segment[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : 0;
            var property = mapping.FindMappedElementByName(name);
            if (property is null)
            {
                return null;
            }

            instance = instance is null ? null : property.NativeProperty?.GetValue(instance);
            if (instance is System.Collections.IList list)
            {
                instance = index < list.Count ? list[index] : null;
            }

            var type = instance?.GetType() ?? (property.Choice == ChoiceType.DatatypeChoice ? null : property.ImplementingType);
            mapping = type is null ? null : Model.FindOrImportClassMapping(type);
            if (mapping is null)
            {
                return null;
            }
        }

        return mapping;
    }

    /// <summary>The codes a required binding allows at <paramref name="path"/> (an element of type <c>Code&lt;TEnum&gt;</c>).</summary>
    private static IReadOnlyList<string> CodesOf(string path, string resourceType)
    {
        var (parentPath, name) = Split(path);
        var property = MappingAt(parentPath, resourceType)?.FindMappedElementByName(name);
        var type = property?.ImplementingType;
        if (type is not { IsGenericType: true } || type.GetGenericTypeDefinition() != typeof(Code<>))
        {
            return [];
        }

        var enumType = type.GetGenericArguments()[0];
        return [.. Enum.GetValues(enumType).Cast<Enum>().Select(e => e.GetLiteral()).Where(l => !string.IsNullOrEmpty(l))];
    }

    /// <summary>"Patient.contact[0].nmae" → ("Patient.contact[0]", "nmae").</summary>
    private static (string Parent, string Name) Split(string path)
    {
        var dot = path.LastIndexOf('.');
        var name = dot < 0 ? path : path[(dot + 1)..];
        var bracket = name.IndexOf('[', StringComparison.Ordinal);
        return (dot < 0 ? string.Empty : path[..dot], bracket < 0 ? name : name[..bracket]);
    }

    private static string Strip(string path) => System.Text.RegularExpressions.Regex.Replace(path, @"\[\d+\]", string.Empty, System.Text.RegularExpressions.RegexOptions.NonBacktracking);

    /// <summary>The SDK quotes the offending value ("string '2000-13-01' is not …"); a problem never echoes patient data.</summary>
    private static string WithoutValue(string message)
        => ValueQuote().Replace(message, "The value", 1);

    [System.Text.RegularExpressions.GeneratedRegex("^(string|Value|Literal|Primitive) '[^']*'", System.Text.RegularExpressions.RegexOptions.NonBacktracking)]
    private static partial System.Text.RegularExpressions.Regex ValueQuote();

    private static string? Quoted(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }
}
