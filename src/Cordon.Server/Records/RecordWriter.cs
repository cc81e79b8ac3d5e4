using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Records;

/// <summary>A record that passed the catalog: its type, classification and exact JSON bytes.</summary>
public sealed record PreparedRecord(CompiledType Type, int TypeIndex, Classification Classification, byte[] Json);

/// <summary>What a write returns.</summary>
public sealed record RecordWritten(string Id, string SubjectId, string Type, int Version, string Level, string Purpose, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// The write path shared by the API, the bulk import and the demo: catalog classification (unknown types and
/// unclassified paths refused), value formats, minimum necessary for the purpose, then sealing under the
/// subject's key with blind indexes for searchable values.
/// </summary>
public static class RecordWriter
{
    private const int MaxListedPaths = 50;

    public static Result<PreparedRecord> Prepare(TenantContext tenant, int purpose, byte[] json, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var parsed = RequestBody.Parse(json);
        if (parsed.Failed)
        {
            return Failure.Malformed(parsed.Problem.Detail);
        }

        using var document = parsed.Value;
        return Prepare(tenant, purpose, document.RootElement, json, today);
    }

    /// <summary>
    /// The same checks on a record already parsed (a bulk reader that parsed a whole Bundle); <paramref name="json"/> is
    /// exactly the bytes of <paramref name="root"/>, which are what gets sealed.
    /// </summary>
    public static Result<PreparedRecord> Prepare(TenantContext tenant, int purpose, JsonElement root, byte[] json, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Failure.Invalid("$", "A record is a JSON object: a FHIR R4 resource or a declared record.");
        }

        if (!root.TryGetProperty("resourceType", out var typeElement) || typeElement.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(typeElement.GetString()))
        {
            return Failure.Invalid("resourceType", "Name the record type in resourceType.");
        }

        var typeName = typeElement.GetString()!;
        if (!tenant.Catalog.TryGetType(typeName, out var type) || !tenant.Policy.TryGetType(typeName, out var typeIndex))
        {
            return UnknownType(typeName);
        }

        if (type.Definition.Kind == RecordKind.Fhir)
        {
            var issues = FhirStructure.Check(json, typeName);
            if (issues.Count > 0)
            {
                return new Failure(
                    FailureKind.Invalid,
                    "fhir.invalid",
                    "Not a valid FHIR R4 resource",
                    $"{issues.Count} element(s) of {typeName} do not conform to FHIR R4: {issues[0].Path}: {issues[0].Message}{(issues.Count > 1 ? " (see errors for the rest)" : string.Empty)}",
                    null,
                    FhirCitation)
                {
                    Errors = issues.GroupBy(i => i.Path, StringComparer.Ordinal).ToDictionary(g => Problem.Sanitize(g.Key), g => g.Select(i => i.Message).ToArray()),
                };
            }
        }

        var classification = type.Classify(root, today);
        if (classification.UnclassifiedPaths.Count > 0)
        {
            return new Failure(
                FailureKind.Invalid,
                "catalog.unclassified-field",
                "Unclassified fields",
                $"{classification.UnclassifiedPaths.Count} element path(s) of {typeName} are not classified by the catalog; a field the catalog does not classify cannot be stored.",
                null,
                CatalogCitation)
            {
                Errors = classification.UnclassifiedPaths.Take(MaxListedPaths).ToDictionary(p => Problem.Sanitize(p), _ => new[] { "not classified by the catalog" }),
            };
        }

        if (classification.FormatViolations.Count > 0)
        {
            return Failure.Invalid(classification.FormatViolations
                .GroupBy(v => v.Path, StringComparer.Ordinal)
                .Take(MaxListedPaths)
                .ToDictionary(g => g.Key, g => g.Select(v => v.Reason).Distinct().ToArray()));
        }

        var purposeDef = tenant.Policy.Purpose(purpose);
        if (purposeDef.Collect.TryGetValue(typeName, out var allowed))
        {
            var excess = classification.PresentFields.Select(f => f.Path).Where(p => !allowed.Contains(p)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (excess.Count > 0)
            {
                return Failure.From(Core.Decisions.Refusals.FieldNotAllowed, $"The purpose '{purposeDef.Key}' may not collect {excess.Count} of the {typeName} fields sent (minimum necessary): {string.Join(", ", excess.Take(MaxListedPaths))}.") with
                {
                    Errors = excess.Take(MaxListedPaths).ToDictionary(p => p, _ => new[] { $"not collected under '{purposeDef.Key}'" }),
                };
            }
        }

        return new PreparedRecord(type, typeIndex, classification, json);
    }

    /// <summary>Seals a prepared record under the subject's key and builds its blind-index lookups.</summary>
    public static (RecordRow Row, IReadOnlyList<LookupRow> Lookups) Seal(TenantContext tenant, OpenSubject subject, PreparedRecord record, string recordId, int version, string purpose, DateTimeOffset createdAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(record);
        var typeName = record.Type.Definition.Name;
        var sealedBytes = subject.Cipher.Seal(new RecordBinding(tenant.Id, subject.Id, recordId, typeName, version), record.Json);
        var row = new RecordRow
        {
            Tenant = tenant.Id,
            Id = recordId,
            SubjectId = subject.Id,
            Type = typeName,
            Version = version,
            Level = (byte)record.Classification.Level,
            Purpose = purpose,
            CreatedAt = createdAt,
            UpdatedAt = now,
            Sealed = sealedBytes,
        };
        var lookups = record.Classification.IndexValues
            .Distinct()
            .Select(v => new LookupRow(tenant.Id, v.Kind, tenant.Indexer.Compute(v.Kind, v.NormalizedValue), subject.Id, recordId))
            .ToList();
        return (row, lookups);
    }

    /// <summary>Opens a stored record version; it must authenticate for exactly this tenant, subject, id, type and version.</summary>
    public static byte[] Open(TenantContext tenant, OpenSubject subject, RecordRow row)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(row);
        return subject.Cipher.Open(new RecordBinding(tenant.Id, subject.Id, row.Id, row.Type, row.Version), row.Sealed);
    }

    /// <summary>The problem for a record type the catalog does not declare.</summary>
    public static Failure UnknownType(string typeName) => new(
        FailureKind.Invalid,
        "catalog.unknown-type",
        "Record type not in the catalog",
        $"The catalog declares no record type '{Problem.Sanitize(typeName)}'; only classified types are stored or served.",
        null,
        CatalogCitation);

    public static RecordWritten Written(RecordRow row) => new(row.Id, row.SubjectId, row.Type, row.Version, ((Level)row.Level).ToKey(), row.Purpose, row.CreatedAt, row.UpdatedAt);

    private const string FhirCitation = "HL7 FHIR R4 (4.0.1), JSON representation and resource definitions";

    private const string CatalogCitation = "PIPL Art. 51(2) (classified management); GB/T 39725-2020 §6";
}
