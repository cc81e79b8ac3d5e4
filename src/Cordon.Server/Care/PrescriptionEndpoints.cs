using System.Text.Json.Serialization.Metadata;
using Cordon.Core;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Core.Catalog;
using Cordon.Core.Decisions;
using Cordon.Server.Audit;
using Cordon.Server.Auth;
using Cordon.Server.Decisions;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Care;

/// <summary>The prescription lifecycle over HTTP (R53–R57): explain, the bytes to sign, sign, review, dispense.</summary>
public static class PrescriptionEndpoints
{
    private static readonly Role[] Readers = [Role.App, Role.Physician, Role.Pharmacist, Role.Nurse, Role.Dpo, Role.Admin];

    // The app role reaches the steps so that an automated agent (an app token marked ai) is refused with its own rule (R54).
    private static readonly Role[] Signers = [Role.Physician, Role.App];
    private static readonly Role[] Reviewers = [Role.Pharmacist, Role.App];
    private static readonly Role[] Dispensers = [Role.Pharmacist, Role.App];

    public static RouteGroupBuilder MapPrescriptions(this RouteGroupBuilder group)
    {
        group.MapGet("/", ListAsync)
            .Audited("prescription.list", Readers)
            .WithSummary("A subject's prescriptions with their state (?subject=ID)");

        group.MapGet("/{id}", GetAsync)
            .Audited("prescription.read", Readers)
            .WithSummary("A prescription's state and every precondition as it stands now, in order, with its rule (the care explain step)")
            .WithDescription("The checks are those of the next step: signing (human physician, eligible, open consultation, drug classes, a young child's attendance, signature) and, once reviewed or while under review, the reviewer's (human, registered pharmacist, not the author).");

        group.MapGet("/{id}/canonical", CanonicalAsync)
            .Audited("prescription.canonical", Readers)
            .WithSummary("The bytes the physician signs: the MedicationRequest without meta and status, members sorted, no whitespace")
            .WithDescription("Decided as a read of the record under its purpose (role, consent, care relationship).");

        group.MapPost("/{id}/signature", SignAsync)
            .Audited("prescription.sign", Signers)
            .WithSummary("The physician of the open consultation signs the draft with their registered key (R53–R55, R57)")
            .WithDescription("Body: {signature: base64 over GET …/canonical, guardian: {relationship}, accompanyingPhysician: id} — the last two for a child under settings.paediatricPrescriptionBelowAge (R57). Refused: care.automated-prescriber, care.practitioner-not-eligible, care.not-consultation-physician, care.first-visit-offline (a diagnosis changed in the consultation), care.controlled-drug, care.unknown-drug, care.paediatric-attendance-required, care.signature-invalid.")
            .Accepts<SignatureRequest>("application/json");

        group.MapPost("/{id}/review", ReviewAsync)
            .Audited("prescription.review", Reviewers)
            .WithSummary("A registered pharmacist other than the author approves (every precondition again, on the current version; the record becomes active) or rejects it")
            .WithDescription("Body: {decision: approve|reject, note}. Refused: care.automated-prescriber, care.practitioner-not-eligible, care.self-review, and every precondition of signing, checked again (a prescription changed after it was signed fails care.signature-invalid).")
            .Accepts<ReviewRequest>("application/json");

        group.MapPost("/{id}/dispense", DispenseAsync)
            .Audited("prescription.dispense", Dispensers)
            .WithSummary("Dispense an active prescription, once: at the pharmacy, or by delivery (an online sale: never vaccines, blood products or specially managed drugs, R56)")
            .Accepts<DispenseRequest>("application/json");
        return group;
    }

    private static async Task<Results<JsonOk<PrescriptionList>, Problem>> ListAsync(string? subject, Call call)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return Problem.Validation("subject", "The subject whose prescriptions to list (?subject=ID).");
        }

        call.About(subject);
        var list = await PrescriptionWorkflow.ListAsync(call.Tenant, call.Store, subject, call.Aborted);

        // Decided as a read of the subject's prescription records (the first stands for all: one purpose, one type).
        if (list.Count > 0 && await call.Store.GetRecordAsync(call.Tenant.Id, list[0].Id, call.Aborted) is { } first && await ReadRefusedAsync(call, first) is { } refused)
        {
            return refused;
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject, records: [.. list.Select(p => p.Id)]), CancellationToken.None);
        return Api.Ok(new PrescriptionList(list), CareJson.Strict.PrescriptionList);
    }

    private static async Task<Results<JsonOk<PrescriptionView>, Problem>> GetAsync(string id, Call call)
    {
        if (await ReadableAsync(call, id) is { } refused)
        {
            return refused;
        }

        var explained = await PrescriptionWorkflow.ExplainAsync(call.Tenant, call.Store, id, call.Today, call.Aborted);
        if (explained.Failed)
        {
            return call.Refused(explained.Failure);
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: explained.Value.SubjectId, records: [id]), CancellationToken.None);
        return Api.Ok(explained.Value, CareJson.Strict.PrescriptionView);
    }

    private static async Task<IResult> CanonicalAsync(string id, Call call)
    {
        if (await ReadableAsync(call, id) is { } refused)
        {
            return refused;
        }

        var canonical = await PrescriptionWorkflow.CanonicalAsync(call.Tenant, call.Store, id, call.Aborted);
        if (canonical.Failed)
        {
            return call.Refused(canonical.Failure);
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: call.AuditSubject, records: [id]), CancellationToken.None);
        return Results.Bytes(canonical.Value, "application/json");
    }

    private static Task<Results<JsonOk<PrescriptionView>, Problem>> SignAsync(string id, Call call, RequestBody body)
        => StepAsync(id, call, body, CareJson.Strict.SignatureRequest, (Role.Physician, "signs"), PrescriptionWorkflow.SignAsync);

    private static Task<Results<JsonOk<PrescriptionView>, Problem>> ReviewAsync(string id, Call call, RequestBody body)
        => StepAsync(id, call, body, CareJson.Strict.ReviewRequest, (Role.Pharmacist, "reviews"), PrescriptionWorkflow.ReviewAsync);

    private static Task<Results<JsonOk<PrescriptionView>, Problem>> DispenseAsync(string id, Call call, RequestBody body)
        => StepAsync(id, call, body, CareJson.Strict.DispenseRequest, null, PrescriptionWorkflow.DispenseAsync);

    private delegate Task<Result<PrescriptionView>> Step<TRequest>(TenantContext tenant, ICordonStore store, AuditContext audit, Actor actor, string id, TRequest request, CancellationToken cancellationToken);

    /// <summary>One step of the lifecycle: the body read strictly, the prescription named for the audit, the role (when the step has one) and the use case.</summary>
    private static async Task<Results<JsonOk<PrescriptionView>, Problem>> StepAsync<TRequest>(string id, Call call, RequestBody body, JsonTypeInfo<TRequest> type, (Role Role, string Does)? only, Step<TRequest> step)
        where TRequest : class
    {
        var read = await body.ReadAsync(call.Http, type);
        if (read.Failed)
        {
            return read.Problem;
        }

        if (await AboutAsync(call, id) is { } missing)
        {
            return missing;
        }

        if (only is { } who && NotThe(call, who.Role, who.Does) is { } wrongRole)
        {
            return call.Refused(wrongRole);
        }

        var done = await step(call.Tenant, call.Store, call.AuditContext, call.Actor, id, read.Value, call.Aborted);
        return done.Failed ? call.Refused(done.Failure) : Api.Ok(done.Value, CareJson.Strict.PrescriptionView);
    }

    /// <summary>Null when the prescription exists and the caller may read its record; the problem otherwise.</summary>
    private static async Task<Problem?> ReadableAsync(Call call, string id)
        => await call.Store.GetRecordAsync(call.Tenant.Id, id, call.Aborted) is not { } record || await call.Store.GetPrescriptionAsync(call.Tenant.Id, id, call.Aborted) is null
            ? Problem.NotFound("prescription")
            : await ReadRefusedAsync(call, record);

    /// <summary>
    /// The access decision of a read of the prescription's record under its purpose (role, consent, care relationship,
    /// level, the practitioner register): what the state, the checks and the canonical form tell is the record's content.
    /// </summary>
    private static async Task<Problem?> ReadRefusedAsync(Call call, RecordRow record)
    {
        call.About(record.SubjectId, record.Purpose);
        var policy = call.Tenant.Policy;
        if (!policy.TryGetPurpose(record.Purpose, out var purpose) || !policy.TryGetType(record.Type, out var type))
        {
            return Problem.NotFound("prescription");
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, record.SubjectId, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("prescription");
        }

        var facts = await SubjectFacts.LoadAsync(subject, call.Store, policy, purpose, call.Actor, call.Today, call.Aborted);
        var request = facts.Request(call, purpose, type, AccessAction.Read, (Level)record.Level);
        var decision = policy.Decide(request);
        return decision.IsPermitted ? null : call.Refused(decision, detail: policy.DetailOf(decision.Refusal!, request));
    }

    /// <summary>Names the prescription's subject and purpose for the audit of whatever the call answers; not found otherwise.</summary>
    private static async Task<Problem?> AboutAsync(Call call, string id)
    {
        if (await call.Store.GetPrescriptionAsync(call.Tenant.Id, id, call.Aborted) is not { } prescription)
        {
            return Problem.NotFound("prescription");
        }

        var record = await call.Store.GetRecordAsync(call.Tenant.Id, id, call.Aborted);
        call.About(prescription.SubjectId, record?.Purpose);
        return null;
    }

    /// <summary>An automated agent is refused with the prescribing rule (R54); another role than <paramref name="role"/> with the role rule.</summary>
    private static Failure? NotThe(Call call, Role role, string does)
    {
        if (call.Actor.Automated)
        {
            return Failure.From(CareRefusals.AutomatedPrescriber, $"An automated agent may propose a draft, but only a human {role.ToKey()} {does} a prescription.");
        }

        return call.Actor.Role == role ? null : Failure.From(Refusals.RoleNotAllowed, $"Only the {role.ToKey()} {does} a prescription.");
    }
}
