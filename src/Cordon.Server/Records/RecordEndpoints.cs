using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Catalog;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;
using Cordon.Server.Decisions;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Records;

/// <summary>
/// Writing, reading and correcting records under a purpose. Every call is decided (role, purpose, consent,
/// care relationship, level, subject state), audited durably before it is answered, and what leaves is only
/// what the purpose allows, masked as the role requires.
/// </summary>
public static class RecordEndpoints
{
    private static readonly Role[] Writers = [Role.App, Role.Physician, Role.Nurse, Role.Pharmacist, Role.Admin];
    private static readonly Role[] Readers = [Role.App, Role.Physician, Role.Nurse, Role.Pharmacist, Role.Support, Role.Patient, Role.Guardian, Role.Marketing, Role.Analyst, Role.Dpo, Role.Admin];

    public static RouteGroupBuilder MapSubjectRecords(this RouteGroupBuilder group)
    {
        group.MapPost("/{id}/records", WriteAsync)
            .Audited("record.write", Writers)
            .WithSummary("Write a record (FHIR R4 resource or declared record) under a purpose")
            .WithDescription("Requires X-Purpose. Refused when the type is not in the catalog (catalog.unknown-type), a path is not classified (catalog.unclassified-field), the purpose may not collect a field (minimization.field-not-allowed, R06), consent is missing (consent.missing, R02), or the role, care relationship or subject state do not allow it. Nothing of a refused record is stored.")
            .Accepts<JsonElement>("application/json", "application/fhir+json")
            .Produces<RecordWritten>(StatusCodes.Status201Created);

        group.MapGet("/{id}/records", ListAsync)
            .Audited("record.read", Readers)
            .WithSummary("Read a subject's records under a purpose")
            .WithDescription("Requires X-Purpose. Returns only the record types and fields the purpose allows, masked as the role requires; L5 records only to the subject and, with X-Justification, to the treating physician.");
        return group;
    }

    public static RouteGroupBuilder MapRecords(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}", GetAsync)
            .Audited("record.read", Readers)
            .WithSummary("Read one record under a purpose");

        group.MapPut("/{id}", CorrectAsync)
            .Audited("record.correct", Writers)
            .WithSummary("Correct a record: stores a new version; the old one stays, readable to the audit only")
            .WithDescription("Requires X-Purpose. Optional If-Match: \"<version>\" refuses the correction when the record changed meanwhile (record.version-conflict).")
            .Accepts<JsonElement>("application/json", "application/fhir+json")
            .Produces<RecordWritten>();
        return group;
    }

    private static async Task<IResult> WriteAsync(string id, Call call, RequestBody body)
    {
        var purpose = call.Purpose();
        if (purpose.Failed)
        {
            return await call.RefuseAsync(purpose.Problem, null, null);
        }

        var purposeKey = call.PurposeKey(purpose.Value);
        var raw = await body.ReadAsync(call.Http);
        if (raw.Failed)
        {
            return await call.RefuseAsync(raw.Problem, purposeKey, null);
        }

        var prepared = RecordWriter.Prepare(call.Tenant, purpose.Value, raw.Value, call.Today);
        if (prepared.Failed)
        {
            return await call.RefuseAsync(prepared.Failure, purposeKey, null);
        }

        var record = prepared.Value;
        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return await call.RefuseAsync(Problem.NotFound("subject"), purposeKey, null);
        }

        var facts = await SubjectFacts.LoadAsync(subject, call.Store, call.Tenant.Policy, purpose.Value, call.Actor.Role.IsClinician(), call.Aborted);
        var admission = RecordAdmission.Admit(call.Tenant, call.AuditContext, call.Actor, facts, purpose.Value, record, call.Action, hasJustification: call.Justification is not null);
        if (!admission.Admitted)
        {
            await call.Store.AppendAsync(admission.Audit, CancellationToken.None);
            return Problem.From(admission.Refusal!);
        }

        // A write that raced an erasure of its subject fails with SubjectKeyChangedException: answered and audited in one place.
        var row = admission.Row;
        await call.Store.PutRecordAsync(row, admission.Lookups, admission.Audit, call.Aborted);

        return new SubjectEndpoints.CreatedAt($"/v1/records/{row.Id}", TypedResults.Json(RecordWriter.Written(row), ApiJson.Default.RecordWritten, statusCode: StatusCodes.Status201Created));
    }

    private static async Task<IResult> ListAsync(string id, string? type, Call call)
    {
        var purpose = call.Purpose();
        if (purpose.Failed)
        {
            return await call.RefuseAsync(purpose.Problem, null, null);
        }

        var policy = call.Tenant.Policy;
        var purposeDef = policy.Purpose(purpose.Value);
        var typeIndex = -1;
        if (type is not null && !policy.TryGetType(type, out typeIndex))
        {
            return await call.RefuseAsync(RecordWriter.UnknownType(type), purposeDef.Key, null);
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return await call.RefuseAsync(Problem.NotFound("subject"), purposeDef.Key, null);
        }

        var facts = await SubjectFacts.LoadAsync(subject, call.Store, call.Tenant.Policy, purpose.Value, call.Actor.Role.IsClinician(), call.Aborted);

        // The subject-level decision: on the requested type, or on the first type the purpose reads.
        var probeType = typeIndex >= 0 ? typeIndex : FirstReadableType(call, purpose.Value);
        if (probeType < 0)
        {
            return await call.RefuseAsync(Refusals.TypeNotAllowed, purposeDef.Key, subject.Id);
        }

        var probe = policy.Decide(facts.Request(call, purpose.Value, probeType, AccessAction.Read, Level.L1));
        if (!probe.IsPermitted)
        {
            return await call.RefuseAsync(probe.Refusal!, purposeDef.Key, subject.Id, flags: probe.Flags);
        }

        var rows = await call.Store.ListRecordsAsync(call.Tenant.Id, subject.Id, type, call.Aborted);
        var served = new List<(RecordRow Row, byte[] Projected)>(rows.Count);
        var flags = AuditFlags.None;
        var masked = false;
        foreach (var row in rows)
        {
            if (!policy.TryGetType(row.Type, out var rowType) || !policy.Covers(purpose.Value, rowType, AccessAction.Read) || (row.Restricted && !purposeDef.RestrictedAccess))
            {
                continue;
            }

            var decision = policy.Decide(facts.Request(call, purpose.Value, rowType, AccessAction.Read, (Level)row.Level));
            if (!decision.IsPermitted)
            {
                if (ReferenceEquals(decision.Refusal, Refusals.LevelRestricted))
                {
                    continue;
                }

                return await call.RefuseAsync(decision.Refusal!, purposeDef.Key, subject.Id, flags: decision.Flags);
            }

            flags |= decision.Flags;
            masked |= decision.Outcome == DecisionOutcome.PermitMasked;
            var plan = call.Tenant.Plan(purpose.Value, call.Actor.Role, rowType);
            served.Add((row, RecordProjector.Project(RecordWriter.Open(call.Tenant, subject, row), plan)));
        }

        var audit = call.Audit(masked ? AuditOutcome.PermitMasked : AuditOutcome.Permit, purposeDef.Key, subject.Id, [.. served.Select(s => s.Row.Id)], flags: flags, note: call.Justification);
        await call.Store.AppendAsync(audit, CancellationToken.None);
        return new RecordsResult(subject.Id, served);
    }

    private static async Task<IResult> GetAsync(string id, Call call)
    {
        var purpose = call.Purpose();
        if (purpose.Failed)
        {
            return await call.RefuseAsync(purpose.Problem, null, null);
        }

        var policy = call.Tenant.Policy;
        var purposeKey = call.PurposeKey(purpose.Value);
        // Record, subject, key, the latest consent event and the care team in one statement, read fresh for this request.
        var found = SubjectVault.IsWellFormedId(id, "rec")
            ? await call.Store.GetRecordForReadAsync(call.Tenant.Id, id, SubjectFacts.ConsentPurposeToLoad(policy, purpose.Value), call.Actor.Role.IsClinician(), call.Aborted)
            : null;
        var row = found?.Record;
        using var subject = found is var (_, subjectRow, keyRow, _, _) ? SubjectVault.Open(call.Tenant, subjectRow, keyRow) : null;
        if (row is null || subject is null || !policy.TryGetType(row.Type, out var typeIndex))
        {
            return await call.RefuseAsync(Problem.NotFound("record"), purposeKey, null);
        }

        var facts = SubjectFacts.From(subject, purpose.Value, found!.Value.Consent, found.Value.CareTeam);
        var decision = policy.Decide(facts.Request(call, purpose.Value, typeIndex, AccessAction.Read, (Level)row.Level));
        if (!decision.IsPermitted)
        {
            return await call.RefuseAsync(decision.Refusal!, purposeKey, subject.Id, flags: decision.Flags);
        }

        if (row.Restricted && !policy.Purpose(purpose.Value).RestrictedAccess)
        {
            return await call.RefuseAsync(Refusals.RecordRestricted, purposeKey, subject.Id, flags: decision.Flags);
        }

        var projected = RecordProjector.Project(RecordWriter.Open(call.Tenant, subject, row), call.Tenant.Plan(purpose.Value, call.Actor.Role, typeIndex));
        await call.Store.AppendAsync(call.Audit(decision.AuditOutcome, purposeKey, subject.Id, [row.Id], flags: decision.Flags, note: call.Justification), CancellationToken.None);
        return new RecordsResult(subject.Id, [(row, projected)], single: true);
    }

    private static async Task<IResult> CorrectAsync(string id, Call call, RequestBody body)
    {
        var purpose = call.Purpose();
        if (purpose.Failed)
        {
            return await call.RefuseAsync(purpose.Problem, null, null);
        }

        var purposeKey = call.PurposeKey(purpose.Value);
        var raw = await body.ReadAsync(call.Http);
        if (raw.Failed)
        {
            return await call.RefuseAsync(raw.Problem, purposeKey, null);
        }

        var current = SubjectVault.IsWellFormedId(id, "rec") ? await call.Store.GetRecordAsync(call.Tenant.Id, id, call.Aborted) : null;
        if (current is null)
        {
            return await call.RefuseAsync(Problem.NotFound("record"), purposeKey, null);
        }

        var prepared = RecordWriter.Prepare(call.Tenant, purpose.Value, raw.Value, call.Today);
        if (prepared.Failed)
        {
            return await call.RefuseAsync(prepared.Failure, purposeKey, current.SubjectId);
        }

        var record = prepared.Value;
        if (current.Restricted && !call.Tenant.Policy.Purpose(purpose.Value).RestrictedAccess)
        {
            return await call.RefuseAsync(Refusals.RecordRestricted, purposeKey, current.SubjectId);
        }

        if (!string.Equals(record.Type.Definition.Name, current.Type, StringComparison.Ordinal))
        {
            return await call.RefuseAsync(Problem.Validation("resourceType", $"A correction keeps the record's type ({current.Type})."), purposeKey, current.SubjectId);
        }

        var expected = current.Version;
        var ifMatch = call.Http.Request.Headers.IfMatch.ToString().Trim().Trim('"');
        if (ifMatch.Length > 0 && !int.TryParse(ifMatch, NumberStyles.None, CultureInfo.InvariantCulture, out expected))
        {
            return await call.RefuseAsync(Problem.Validation("If-Match", "The record version in quotes, e.g. \"2\"."), purposeKey, current.SubjectId);
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, current.SubjectId, call.Aborted);
        if (subject is null)
        {
            return await call.RefuseAsync(Problem.NotFound("record"), purposeKey, null);
        }

        var facts = await SubjectFacts.LoadAsync(subject, call.Store, call.Tenant.Policy, purpose.Value, call.Actor.Role.IsClinician(), call.Aborted);
        var admission = RecordAdmission.Admit(call.Tenant, call.AuditContext, call.Actor, facts, purpose.Value, record, call.Action, current.Id, expected + 1, current.CreatedAt, call.Justification is not null);
        if (!admission.Admitted)
        {
            await call.Store.AppendAsync(admission.Audit, CancellationToken.None);
            return Problem.From(admission.Refusal!);
        }

        var row = admission.Row;
        var status = await call.Store.PutRecordVersionAsync(row, expected, admission.Lookups, admission.Audit, call.Aborted);
        return status switch
        {
            WriteStatus.Done => TypedResults.Json(RecordWriter.Written(row), ApiJson.Default.RecordWritten),
            WriteStatus.NotFound => await call.RefuseAsync(Problem.NotFound("record"), purposeKey, subject.Id),
            _ => await call.RefuseAsync(Problem.Conflict("record.version-conflict", $"The record is no longer at version {expected}; read it again and correct the current version."), purposeKey, subject.Id),
        };
    }

    private static int FirstReadableType(Call call, int purpose)
    {
        var policy = call.Tenant.Policy;
        foreach (var typeName in policy.Purpose(purpose).Read.Keys.Order(StringComparer.Ordinal))
        {
            if (policy.TryGetType(typeName, out var index))
            {
                return index;
            }
        }

        return -1;
    }

    /// <summary>Writes records with their projected resources as raw JSON, without re-parsing them.</summary>
    private sealed class RecordsResult(string subjectId, IReadOnlyList<(RecordRow Row, byte[] Resource)> records, bool single = false) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.StatusCode = StatusCodes.Status200OK;
            httpContext.Response.ContentType = "application/json; charset=utf-8";

            // The body is built first and sent with a Content-Length, in one write: no chunked framing.
            var buffer = new ArrayBufferWriter<byte>(EstimateSize());
            using (var writer = new Utf8JsonWriter(buffer))
            {
                Write(writer);
            }

            httpContext.Response.ContentLength = buffer.WrittenCount;
            await httpContext.Response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
        }

        private int EstimateSize()
        {
            var size = 256;
            foreach (var record in records)
            {
                size += record.Resource.Length + 256;
            }

            return size;
        }

        private void Write(Utf8JsonWriter writer)
        {
            if (single)
            {
                WriteRecord(writer, records[0]);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteString("subjectId", subjectId);
                writer.WriteStartArray("records");
                foreach (var record in records)
                {
                    WriteRecord(writer, record);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }
        }

        private void WriteRecord(Utf8JsonWriter writer, (RecordRow Row, byte[] Resource) record)
        {
            writer.WriteStartObject();
            writer.WriteString("id", record.Row.Id);
            writer.WriteString("subjectId", subjectId);
            writer.WriteString("type", record.Row.Type);
            writer.WriteNumber("version", record.Row.Version);
            writer.WriteString("level", ((Level)record.Row.Level).ToKey());
            writer.WriteString("updatedAt", record.Row.UpdatedAt);
            writer.WritePropertyName("resource");
            writer.WriteRawValue(record.Resource, skipInputValidation: true);
            writer.WriteEndObject();
        }
    }
}
