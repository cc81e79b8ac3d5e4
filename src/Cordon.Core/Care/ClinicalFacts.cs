using System.Text.Json;

namespace Cordon.Core.Care;

/// <summary>A coded concept as the care rules compare it: the code system and the code, trimmed, the code upper-cased.</summary>
public readonly record struct Code(string System, string Value)
{
    public static Code Of(string system, string value) => new(system.Trim(), value.Trim().ToUpperInvariant());
}

/// <summary>What the care rules read of an Encounter: its id, class, status, the conditions it is for and its practitioners.</summary>
public sealed record EncounterFacts(string? Id, string? Class, string? Status, IReadOnlyList<Code> Reasons, IReadOnlyList<string> Practitioners)
{
    /// <summary>The id Cordon gave the record (<c>rec_…</c>), by which a Condition or a prescription may name it too.</summary>
    public string? RecordId { get; init; }

    /// <summary>Whether a reference (the id it ends with) names this encounter, by its FHIR id or its record id.</summary>
    public bool IsNamedBy(string? reference) => reference is not null && (string.Equals(reference, Id, StringComparison.Ordinal) || string.Equals(reference, RecordId, StringComparison.Ordinal));
}

/// <summary>What the care rules read of a Condition: its id, codes, the encounter it was recorded in and its statuses.</summary>
public sealed record ConditionFacts(string? Id, IReadOnlyList<Code> Codes, string? Encounter, string? ClinicalStatus, string? VerificationStatus);

/// <summary>What the care rules read of a MedicationRequest: its status, the drugs it names and the encounter it belongs to.</summary>
public sealed record MedicationRequestFacts(string? Id, string? Status, IReadOnlyList<Code> Drugs, string? Encounter);

/// <summary>
/// Reads the care facts of a FHIR R4 resource's JSON (already checked against the R4 structure on write): pure, no
/// store. A reference is reduced to the id it ends with (<c>Encounter/abc</c>, <c>urn:uuid:abc</c>), as the records of
/// one subject name each other.
/// </summary>
public static class ClinicalFacts
{
    /// <summary>The Encounter class of an online consultation (HL7 v3 ActCode VR, virtual).</summary>
    public const string Virtual = "VR";

    /// <summary>Encounter classes of care given in person at a medical institution (HL7 v3 ActCode).</summary>
    public static readonly IReadOnlySet<string> InPersonClasses = new HashSet<string>(StringComparer.Ordinal) { "AMB", "EMER", "IMP", "ACUTE", "NONAC", "OBSENC", "PRENC", "SS" };

    /// <summary>Encounter statuses of a consultation that is going on.</summary>
    public static readonly IReadOnlySet<string> OpenStatuses = new HashSet<string>(StringComparer.Ordinal) { "planned", "arrived", "triaged", "in-progress", "onleave" };

    public static EncounterFacts Encounter(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var reasons = new List<Code>();
        foreach (var reason in Array(root, "reasonCode"))
        {
            Codings(reason, reasons);
        }

        var practitioners = new List<string>();
        foreach (var participant in Array(root, "participant"))
        {
            if (participant.TryGetProperty("individual", out var individual) && ReferenceOf(individual, "Practitioner") is { } id)
            {
                practitioners.Add(id);
            }
        }

        var klass = root.TryGetProperty("class", out var c) && c.ValueKind == JsonValueKind.Object ? Text(c, "code") : null;
        return new EncounterFacts(Text(root, "id"), klass, Text(root, "status"), reasons, practitioners);
    }

    public static ConditionFacts Condition(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var codes = new List<Code>();
        if (root.TryGetProperty("code", out var code))
        {
            Codings(code, codes);
        }

        var encounter = root.TryGetProperty("encounter", out var e) ? ReferenceOf(e, "Encounter") : null;
        return new ConditionFacts(Text(root, "id"), codes, encounter, FirstCode(root, "clinicalStatus"), FirstCode(root, "verificationStatus"));
    }

    public static MedicationRequestFacts MedicationRequest(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var drugs = new List<Code>();
        if (root.TryGetProperty("medicationCodeableConcept", out var medication))
        {
            Codings(medication, drugs);
        }

        var encounter = root.TryGetProperty("encounter", out var e) ? ReferenceOf(e, "Encounter") : null;
        return new MedicationRequestFacts(Text(root, "id"), Text(root, "status"), drugs, encounter);
    }

    /// <summary>The id a reference ends with when it names <paramref name="type"/> (or is a <c>urn:uuid:</c>); null otherwise.</summary>
    public static string? ReferenceOf(JsonElement reference, string type)
    {
        if (reference.ValueKind != JsonValueKind.Object || Text(reference, "reference") is not { } value)
        {
            return null;
        }

        var history = value.IndexOf("/_history/", StringComparison.Ordinal);
        value = history >= 0 ? value[..history] : value;
        if (value.StartsWith("urn:uuid:", StringComparison.Ordinal))
        {
            return value[9..];
        }

        var slash = value.LastIndexOf('/');
        if (slash <= 0)
        {
            return null;
        }

        var typeStart = value.LastIndexOf('/', slash - 1) + 1;
        return value.AsSpan(typeStart, slash - typeStart).SequenceEqual(type) && slash < value.Length - 1 ? value[(slash + 1)..] : null;
    }

    private static IEnumerable<JsonElement> Array(JsonElement root, string name)
        => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];

    private static void Codings(JsonElement concept, List<Code> into)
    {
        if (concept.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var coding in Array(concept, "coding"))
        {
            if (Text(coding, "system") is { Length: > 0 } system && Text(coding, "code") is { Length: > 0 } value)
            {
                into.Add(Code.Of(system, value));
            }
        }
    }

    private static string? FirstCode(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var concept) || concept.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var coding in Array(concept, "coding"))
        {
            if (Text(coding, "code") is { } code)
            {
                return code;
            }
        }

        return null;
    }

    private static string? Text(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
