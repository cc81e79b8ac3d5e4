using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Retention;
using Cordon.Core.Rules;
using Cordon.Server.Http;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Retention;

public sealed record LegalHoldRequest(string SubjectId, string Reason);

public sealed record LegalHoldView(string Id, string SubjectId, DateTimeOffset CreatedAt, string CreatedBy, string? Reason, DateTimeOffset? ReleasedAt, string? ReleasedBy);

public sealed record LegalHoldList(IReadOnlyList<LegalHoldView> Holds);

public sealed record RecordDeleted(string Id, string SubjectId, string Type);

/// <summary>
/// Legal holds (nothing of a held subject is deleted, R19), an operator's deletion of one record (refused while a legal
/// minimum runs, R58/R10/R44, or a hold), and the retention run on demand (dry run or real).
/// </summary>
public static class RetentionEndpoints
{
    public static RouteGroupBuilder MapLegalHolds(this RouteGroupBuilder group)
    {
        group.MapPost("/", PlaceAsync)
            .Audited("hold.place", Role.Dpo, Role.Admin, Role.Security)
            .WithSummary("Place a legal hold on a subject: none of its data is deleted until the hold is released (R19)")
            .Accepts<LegalHoldRequest>("application/json");

        group.MapGet("/", ListAsync)
            .Audited("hold.list", Role.Dpo, Role.Admin, Role.Security)
            .WithSummary("List legal holds (?subject=, ?active=true)");

        group.MapDelete("/{id}", ReleaseAsync)
            .Audited("hold.release", Role.Dpo, Role.Admin, Role.Security)
            .WithSummary("Release a legal hold");
        return group;
    }

    public static RouteGroupBuilder MapRecordDeletion(this RouteGroupBuilder group)
    {
        group.MapDelete("/{id}", DeleteRecordAsync)
            .Audited("record.delete", Role.Dpo, Role.Admin)
            .WithSummary("Delete one record now (an operator's deletion)")
            .WithDescription("Refused with retention.legal-minimum while a law still requires the record (R58 internet-diagnosis records 15 years and consultation records 3 years, R10 disclosure records 3 years, R44 logs 183 days), and with retention.legal-hold while its subject is on hold (R19).");
        return group;
    }

    public static RouteGroupBuilder MapRetention(this RouteGroupBuilder group)
    {
        group.MapPost("/run", RunAsync)
            .Audited("retention.run", Role.Dpo, Role.Admin)
            .WithSummary("Run retention now: ?dryRun=true lists what has expired and changes nothing");
        return group;
    }

    private static async Task<Results<JsonCreated<LegalHoldView>, Problem>> PlaceAsync(Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, RetentionJson.Strict.LegalHoldRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var request = read.Value;
        if (!SubjectEndpoints.IsCleanText(request.Reason, 500))
        {
            return Problem.Validation("reason", "Why the data must be kept (case, authority): 1 to 500 printable characters.");
        }

        var subject = SubjectVault.IsWellFormedId(request.SubjectId, "sub") ? await call.Store.GetSubjectAsync(call.Tenant.Id, request.SubjectId, call.Aborted) : null;
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        var id = SubjectVault.NewId("hold");
        var hold = new LegalHoldRow(call.Tenant.Id, id, subject.Id, call.Now, call.Actor.Id, call.Tenant.Keys.SealNote(request.Reason, id));
        await call.Store.PutLegalHoldAsync(hold, call.Audit(AuditOutcome.Done, subject: subject.Id, records: [id], rules: ["R19"]), call.Aborted);
        return Api.Created($"/v1/legal-holds/{id}", View(call, hold), RetentionJson.Strict.LegalHoldView);
    }

    private static async Task<Results<JsonOk<LegalHoldList>, Problem>> ListAsync(Call call, string? subject, bool? active)
    {
        if (subject is not null && !SubjectVault.IsWellFormedId(subject, "sub"))
        {
            return Problem.Validation("subject", "A subject id (sub_…); find one with POST /v1/subjects/search.");
        }

        var holds = await call.Store.ListLegalHoldsAsync(call.Tenant.Id, subject, active == true, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject, records: [.. holds.Select(h => h.Id)]), CancellationToken.None);
        return Api.Ok(new LegalHoldList([.. holds.Select(h => View(call, h))]), RetentionJson.Strict.LegalHoldList);
    }

    private static async Task<Results<JsonOk<LegalHoldView>, Problem>> ReleaseAsync(string id, Call call)
    {
        var hold = SubjectVault.IsWellFormedId(id, "hold") ? (await call.Store.ListLegalHoldsAsync(call.Tenant.Id, null, false, call.Aborted)).FirstOrDefault(h => h.Id == id) : null;
        if (hold is null)
        {
            return Problem.NotFound("legal hold");
        }

        call.About(hold.SubjectId);

        if (!hold.Active)
        {
            return Problem.Conflict("hold.released", "The hold is already released.");
        }

        var released = hold with { ReleasedAt = call.Now, ReleasedBy = call.Actor.Id };
        await call.Store.PutLegalHoldAsync(released, call.Audit(AuditOutcome.Done, subject: hold.SubjectId, records: [id], rules: ["R19"]), call.Aborted);
        return Api.Ok(View(call, released), RetentionJson.Strict.LegalHoldView);
    }

    private static async Task<Results<JsonOk<RecordDeleted>, Problem>> DeleteRecordAsync(string id, Call call)
    {
        var record = SubjectVault.IsWellFormedId(id, "rec") ? await call.Store.GetRecordAsync(call.Tenant.Id, id, call.Aborted) : null;
        if (record is null)
        {
            return Problem.NotFound("record");
        }

        call.About(record.SubjectId);

        var onHold = (await call.Store.ListLegalHoldsAsync(call.Tenant.Id, record.SubjectId, activeOnly: true, call.Aborted)).Count > 0;
        var verdict = new RetentionPolicy(call.Tenant.Profile).Judge(new RecordFacts(record.Id, record.SubjectId, record.Type, record.Purpose, record.CreatedAt), call.Now, onHold);
        if (verdict.Keep == KeepReason.LegalHold)
        {
            return new Problem(409, "retention.legal-hold", "Under a legal hold", "The record's subject is under a legal hold; nothing of it is deleted until the hold is released.", "R19", RuleBook.Get("R19").Citation);
        }

        if (verdict.Keep == KeepReason.LegalMinimum)
        {
            var rule = verdict.Rule!;
            return new Problem(409, "retention.legal-minimum", "Retention required by law", $"A law requires this {record.Type} record to be kept until {verdict.KeepUntil:yyyy-MM-dd}; it cannot be deleted before.", rule, RuleBook.Get(rule).Citation);
        }

        await call.Store.DeleteRecordsAsync(call.Tenant.Id, [record.Id], [call.Audit(AuditOutcome.Done, record.Purpose, record.SubjectId, [record.Id], rules: ["R20"])], call.Aborted);
        return Api.Ok(new RecordDeleted(record.Id, record.SubjectId, record.Type), RetentionJson.Strict.RecordDeleted);
    }

    private static async Task<Results<JsonOk<RetentionRunReport>, Problem>> RunAsync(Call call, bool? dryRun)
    {
        var report = await RetentionEngine.RunAsync(Operation.From(call), dryRun == true, null, call.Aborted);
        return Api.Ok(report, RetentionJson.Strict.RetentionRunReport);
    }

    private static LegalHoldView View(Call call, LegalHoldRow h)
        => new(h.Id, h.SubjectId, h.CreatedAt, h.CreatedBy, call.Tenant.Keys.OpenNote(h.SealedReason, h.Id), h.ReleasedAt, h.ReleasedBy);
}
