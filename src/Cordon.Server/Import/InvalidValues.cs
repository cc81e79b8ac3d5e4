using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cordon.Core.Catalog;

namespace Cordon.Server.Import;

/// <summary>
/// <c>--on-invalid drop-field</c>: removes exactly the values that fail their field's declared format (the field definition
/// that applies to the element, including its <c>when</c> condition) and nothing else. Anything the catalog does not
/// classify still refuses the resource.
/// </summary>
internal static class InvalidValues
{
    private static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The resource without its invalid values and what was dropped; null when nothing can be dropped to make it valid.</summary>
    public static (byte[] Json, List<string> Dropped)? Drop(CompiledType type, JsonElement root, DateOnly today)
    {
        var classification = type.Classify(root, today);
        if (classification.UnclassifiedPaths.Count > 0 || classification.FormatViolations.Count == 0)
        {
            return null;
        }

        if (JsonNode.Parse(root.GetRawText()) is not JsonObject resource)
        {
            return null;
        }

        var dropped = new List<string>();
        foreach (var (path, format) in classification.FormatViolations.Select(v => (v.Path, v.Format)).Distinct())
        {
            var definitions = type.Definition.Fields.Where(f => string.Equals(f.Path, path, StringComparison.Ordinal)).ToList();
            if (definitions.Count == 0)
            {
                return null;
            }

            var segments = path.Split('.');
            var before = dropped.Count;
            Visit(resource, segments, 0, definitions, format, today, () => dropped.Add($"{type.Definition.Name}.{path} ({format.ToKey()})"));
            if (dropped.Count == before)
            {
                return null;
            }
        }

        return (JsonSerializer.SerializeToUtf8Bytes(resource, Output), dropped);
    }

    private static void Visit(JsonNode? node, string[] segments, int depth, List<FieldDef> definitions, FieldFormat format, DateOnly today, Action onDrop)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array.ToList())
                {
                    Visit(item, segments, depth, definitions, format, today, onDrop);
                }

                break;
            case JsonObject parent when depth == segments.Length - 1:
                DropAt(parent, segments[depth], definitions, format, today, onDrop);
                break;
            case JsonObject obj:
                Visit(obj[segments[depth]], segments, depth + 1, definitions, format, today, onDrop);
                break;
        }
    }

    private static void DropAt(JsonObject parent, string name, List<FieldDef> definitions, FieldFormat format, DateOnly today, Action onDrop)
    {
        // The definition that applies: the first whose condition holds on this object, else the unconditional one.
        var applies = definitions.FirstOrDefault(d => d.When is { } when && parent[when.Sibling] is JsonValue v && string.Equals(Text(v), when.Value, StringComparison.Ordinal))
            ?? definitions.FirstOrDefault(d => d.When is null);
        if (applies is null || applies.Format != format)
        {
            return;
        }

        switch (parent[name])
        {
            case JsonArray values:
                foreach (var item in values.ToList())
                {
                    if (Fails(item, format, today))
                    {
                        values.Remove(item);
                        onDrop();
                    }
                }

                break;
            case JsonNode value when Fails(value, format, today):
                parent.Remove(name);
                onDrop();
                break;
        }
    }

    private static bool Fails(JsonNode? value, FieldFormat format, DateOnly today)
        => value is not JsonValue v || v.GetValueKind() != JsonValueKind.String || FieldFormats.Validate(format, v.GetValue<string>(), today) is not null;

    private static string? Text(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
        _ => null,
    };
}
