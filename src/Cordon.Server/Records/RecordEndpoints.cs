using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Core.Catalog;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;
using Cordon.Server.Care;
using Cordon.Server.Decisions;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

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
            .RequiresPurpose()
            .WithSummary("Write a record (FHIR R4 resource or declared record) under a purpose")
            .WithDescription("Requires X-Purpose. Refused when the type is not in the catalog (catalog.unknown-type), a path is not classified (catalog.unclassified-field), the purpose may not collect a field (minimization.field-not-allowed, R06), consent is missing (consent.missing, R02), or the role, care relationship or subject state do not allow it. Nothing of a refused record is stored.")
            .Accepts<JsonElement>("application/json", "application/fhir+json");

        group.MapGet("/{id}/records", ListAsync)
            .Audited("record.read", Readers)
            .RequiresPurpose()
            .WithSummary("Read a subject's records under a purpose")
            .WithDescription("Requires X-Purpose. Returns only the record types and fields the purpose allows, masked as the role requires; L5 records only to the subject and, with X-Justification, to the treating physician.");
        return group;
    }

    public static RouteGroupBuilder MapRecords(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}", GetAsync)
            .Audited("record.read", Readers)
            .RequiresPurpose()
            .WithSummary("Read one record under a purpose");

        group.MapPut("/{id}", CorrectAsync)
            .Audited("record.correct", Writers)
            .RequiresPurpose()
            .WithSummary("Correct a record: stores a new version; the old one stays, readable to the audit only")
            .WithDescription("Requires X-Purpose. Optional If-Match: \"<version>\" refuses the correction when the record changed meanwhile (record.version-conflict).")
            .Accepts<JsonElement>("application/json", "application/fhir+json");
        return group;
    }

    private static async Task<Results<JsonCreated<RecordWritten>, Problem>> WriteAsync(string id, Call call, RequestBody body)
    {
        var raw = await body.ReadAsync(call.Http);
        if (raw.Failed)
        {
            return raw.Problem;
        }

        var prepared = RecordWriter.Prepare(call.Tenant, call.Purpose, raw.Value, call.Today);
        if (prepared.Failed)
        {
            return Problem.From(prepared.Failure);
        }

        var record = prepared.Value;
        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id);
        var facts = await SubjectFacts.LoadAsync(subject, call.Store, call.Tenant.Policy, call.Purpose, call.Actor, call.Today, call.Aborted);
        var admission = RecordAdmission.Admit(call.Tenant, call.AuditContext, call.Actor, facts, call.Purpose, record, call.Action, hasJustification: call.Justification is not null);
        if (!admission.Admitted)
        {
            return await call.RefuseAsync(admission.Audit, Problem.From(admission.Refusal!, admission.Detail));
        }

        var care = await CareGate.CheckAsync(call.Tenant, call.Store, call.Actor, subject, call.Purpose, record, call.Today, correctedId: null, call.Aborted);
        if (care.Failed)
        {
            return call.Refused(care.Failure);
        }

        // A write that raced an erasure of its subject fails with SubjectKeyChangedException: answered and audited in one place.
        var row = admission.Row;
        if (care.Value == CareWrite.PrescriptionDraft)
        {
            await call.Store.PutPrescriptionDraftAsync(row, admission.Lookups, PrescriptionWorkflow.Draft(row, call.Actor, call.Now), admission.Audit, call.Aborted);
        }
        else
        {
            await call.Store.PutRecordAsync(row, admission.Lookups, admission.Audit, call.Aborted);
        }

        return Api.Created($"/v1/records/{row.Id}", RecordWriter.Written(row), RecordsJson.Strict.RecordWritten);
    }

    private static async Task<IResult> ListAsync(string id, string? type, Call call)
    {
        var policy = call.Tenant.Policy;
        var purposeDef = policy.Purpose(call.Purpose);
        var typeIndex = -1;
        if (type is not null && !policy.TryGetType(type, out typeIndex))
        {
            return Problem.From(RecordWriter.UnknownType(type));
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id);
        var facts = await SubjectFacts.LoadAsync(subject, call.Store, call.Tenant.Policy, call.Purpose, call.Actor, call.Today, call.Aborted);

        // The subject-level decision: on the requested type, or on the first type the purpose reads.
        var probeType = typeIndex >= 0 ? typeIndex : FirstReadableType(call, call.Purpose);
        if (probeType < 0)
        {
            return Problem.From(Refusals.TypeNotAllowed, $"The purpose '{purposeDef.Key}' reads no record type of this profile; read under a purpose that declares a read list (X-Purpose).");
        }

        var probeRequest = facts.Request(call, call.Purpose, probeType, AccessAction.Read, Level.L1);
        var probe = policy.Decide(probeRequest);
        if (!probe.IsPermitted)
        {
            return call.Refused(probe, detail: policy.DetailOf(probe.Refusal!, probeRequest));
        }

        var withheld = await Care.AutomatedDecisionLedger.WithheldAsync(call, subject, facts.AutomatedDecisionsRefused);
        if (withheld.Refusal is { } automatedRefused)
        {
            return call.Refused(probe, automatedRefused);
        }

        var rows = await call.Store.ListRecordsAsync(call.Tenant.Id, subject.Id, type, call.Aborted);
        var served = new List<(RecordRow Row, byte[] Projected)>(rows.Count);
        var flags = AuditFlags.None;
        var masked = false;
        foreach (var row in rows)
        {
            if (!policy.TryGetType(row.Type, out var rowType) || !policy.Covers(call.Purpose, rowType, AccessAction.Read) || (row.Restricted && !purposeDef.RestrictedAccess)
                || withheld.Withholds(row))
            {
                continue;
            }

            var request = facts.Request(call, call.Purpose, rowType, AccessAction.Read, (Level)row.Level);
            var decision = policy.Decide(request);
            if (!decision.IsPermitted)
            {
                if (ReferenceEquals(decision.Refusal, Refusals.LevelRestricted))
                {
                    continue;
                }

                return call.Refused(decision, detail: policy.DetailOf(decision.Refusal!, request));
            }

            flags |= decision.Flags;
            masked |= decision.Outcome == DecisionOutcome.PermitMasked;
            var plan = call.Tenant.Plan(call.Purpose, call.Actor.Role, rowType);
            var projected = RecordProjector.Project(RecordWriter.Open(call.Tenant, subject, row), plan);
            if (Sharing.ResearchView.Applies(purposeDef, call.Actor.Role))
            {
                if (Sharing.ResearchView.Deidentify(call.Tenant, subject.Id, projected) is not { } deidentified)
                {
                    continue;
                }

                projected = deidentified;
            }

            served.Add((row, projected));
        }

        var audit = call.Audit(masked ? AuditOutcome.PermitMasked : AuditOutcome.Permit, purposeDef.Key, subject.Id, [.. served.Select(s => s.Row.Id)], flags: flags, note: call.Justification);
        await call.Store.AppendAsync(audit, CancellationToken.None);
        return new RecordsResult(subject.Id, served);
    }

    private static async Task<IResult> GetAsync(string id, Call call)
    {
        var policy = call.Tenant.Policy;
        // Record, subject, key, the latest consent event and the care team in one statement, read fresh for this request.
        var found = SubjectVault.IsWellFormedId(id, "rec")
            ? await call.Store.GetRecordForReadAsync(call.Tenant.Id, id, SubjectFacts.ConsentPurposeToLoad(policy, call.Purpose), call.Actor.Role.IsClinician(), call.Aborted)
            : null;
        var row = found?.Record;
        using var subject = found is var (_, subjectRow, keyRow, _, _) ? SubjectVault.Open(call.Tenant, subjectRow, keyRow) : null;
        if (row is null || subject is null || !policy.TryGetType(row.Type, out var typeIndex))
        {
            return Problem.NotFound("record");
        }

        call.About(subject.Id);
        var practitioner = await Care.PractitionerRegister.StandingAsync(call.Store, policy, call.Actor, call.Purpose, call.Today, call.Aborted);
        var facts = SubjectFacts.From(subject, call.Purpose, found!.Value.Consent, found.Value.CareTeam, practitioner);
        var request = facts.Request(call, call.Purpose, typeIndex, AccessAction.Read, (Level)row.Level);
        var decision = policy.Decide(request);
        if (!decision.IsPermitted)
        {
            return call.Refused(decision, detail: policy.DetailOf(decision.Refusal!, request));
        }

        if (row.Restricted && !policy.Purpose(call.Purpose).RestrictedAccess)
        {
            return call.Refused(decision, Refusals.RecordRestricted);
        }

        var withheld = await Care.AutomatedDecisionLedger.WithheldAsync(call, subject, refusedForAutomatedActor: null);
        if (withheld.Refusal is { } automatedRefused)
        {
            return call.Refused(decision, automatedRefused);
        }

        if (withheld.Withholds(row))
        {
            return call.Refused(decision, ScopeRefusals.AutomatedDecisionRefused);
        }

        var projected = RecordProjector.Project(RecordWriter.Open(call.Tenant, subject, row), call.Tenant.Plan(call.Purpose, call.Actor.Role, typeIndex));
        if (Sharing.ResearchView.Applies(policy.Purpose(call.Purpose), call.Actor.Role))
        {
            projected = Sharing.ResearchView.Deidentify(call.Tenant, subject.Id, projected) ?? [.. "{}"u8];
        }

        await call.Store.AppendAsync(call.Audit(decision.AuditOutcome, call.PurposeName, subject.Id, [row.Id], flags: decision.Flags, note: call.Justification), CancellationToken.None);
        return new RecordsResult(subject.Id, [(row, projected)], single: true);
    }

    private static async Task<Results<JsonOk<RecordWritten>, Problem>> CorrectAsync(string id, Call call, RequestBody body)
    {
        var raw = await body.ReadAsync(call.Http);
        if (raw.Failed)
        {
            return raw.Problem;
        }

        var current = SubjectVault.IsWellFormedId(id, "rec") ? await call.Store.GetRecordAsync(call.Tenant.Id, id, call.Aborted) : null;
        if (current is null)
        {
            return Problem.NotFound("record");
        }

        call.About(current.SubjectId);
        var prepared = RecordWriter.Prepare(call.Tenant, call.Purpose, raw.Value, call.Today);
        if (prepared.Failed)
        {
            return Problem.From(prepared.Failure);
        }

        var record = prepared.Value;
        if (current.Restricted && !call.Tenant.Policy.Purpose(call.Purpose).RestrictedAccess)
        {
            return Problem.From(Refusals.RecordRestricted);
        }

        if (!string.Equals(record.Type.Definition.Name, current.Type, StringComparison.Ordinal))
        {
            return Problem.Validation("resourceType", $"A correction keeps the record's type ({current.Type}).");
        }

        var expected = current.Version;
        var ifMatch = call.Http.Request.Headers.IfMatch.ToString().Trim().Trim('"');
        if (ifMatch.Length > 0 && !int.TryParse(ifMatch, NumberStyles.None, CultureInfo.InvariantCulture, out expected))
        {
            return Problem.Validation("If-Match", "The record version in quotes, e.g. \"2\".");
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, current.SubjectId, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("record");
        }

        var facts = await SubjectFacts.LoadAsync(subject, call.Store, call.Tenant.Policy, call.Purpose, call.Actor, call.Today, call.Aborted);
        var admission = RecordAdmission.Admit(call.Tenant, call.AuditContext, call.Actor, facts, call.Purpose, record, call.Action, current.Id, expected + 1, current.CreatedAt, call.Justification is not null);
        if (!admission.Admitted)
        {
            return await call.RefuseAsync(admission.Audit, Problem.From(admission.Refusal!, admission.Detail));
        }

        call.About(subject.Id);
        var care = await CareGate.CheckAsync(call.Tenant, call.Store, call.Actor, subject, call.Purpose, record, call.Today, current.Id, call.Aborted);
        if (care.Failed)
        {
            return call.Refused(care.Failure);
        }

        var row = admission.Row;
        var status = await call.Store.PutRecordVersionAsync(row, expected, admission.Lookups, admission.Audit, call.Aborted);
        return status switch
        {
            WriteStatus.Done => Api.Ok(RecordWriter.Written(row), RecordsJson.Strict.RecordWritten),
            WriteStatus.NotFound => Problem.NotFound("record"),
            _ => Problem.Conflict("record.version-conflict", $"The record is no longer at version {expected}; read it again and correct the current version."),
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
            using (var writer = new Utf8JsonWriter(buffer, Core.Json.JsonOutput.WriterOptions))
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
