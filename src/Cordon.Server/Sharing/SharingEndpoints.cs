using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Server.Http;
using Cordon.Server.Rights;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Sharing;

/// <summary>
/// Sharing over HTTP: the recipient register with the evidence recorded for each recipient, impact assessments, the
/// egress gate (<c>POST /v1/disclosures</c>) and its record, and the year's cross-border counts.
/// </summary>
public static class SharingEndpoints
{
    private static readonly Role[] Officers = [Role.Dpo, Role.Admin];
    private static readonly Role[] Readers = [Role.Dpo, Role.Admin, Role.Security, Role.App];
    private static readonly Role[] Disclosers = [Role.App, Role.Dpo, Role.Admin];

    public static RouteGroupBuilder MapRecipients(this RouteGroupBuilder group)
    {
        group.MapGet("/", ListAsync)
            .Audited("recipient.list", Readers)
            .WithSummary("The recipient register: every party data may go to, with its legal role, what it may receive, how, and the evidence recorded for it")
            .WithDescription("Who a recipient is comes from the profile (the privacy notice lists every recipient and SDK, and a change to what one receives renews the consents it touches, R04); its contract, transfer mechanism and genetic-data filing are recorded here. `missing` says, in words, what the egress gate would still refuse it for.");

        group.MapGet("/{key}", GetAsync)
            .Audited("recipient.read", Readers)
            .WithSummary("One recipient of the register with its evidence");

        group.MapPut("/{key}/contract", PutContractAsync)
            .Audited("recipient.contract", Officers)
            .WithSummary("Record the contract with a recipient: reference, dates, purposes, what it may do, sub-entrusting, deletion or return at the end (R10, R11)")
            .Accepts<ContractRequest>("application/json");

        group.MapPut("/{key}/transfer", PutTransferAsync)
            .Audited("recipient.transfer", Officers)
            .WithSummary("Record the mechanism for transfers to a recipient abroad: exempt (with its R37 ground), standard-contract (filing date), certification, or security-assessment (approval date; valid three years)")
            .Accepts<TransferRequest>("application/json");

        group.MapPut("/{key}/genetic-filing", PutGeneticFilingAsync)
            .Audited("recipient.genetic-filing", Officers)
            .WithSummary("Record the filing with the health authority that lets human genetic resources information go to a foreign or foreign-controlled recipient (R39)")
            .Accepts<GeneticFilingRequest>("application/json");
        return group;
    }

    public static RouteGroupBuilder MapAssessments(this RouteGroupBuilder group)
    {
        group.MapPost("/", RecordAssessmentAsync)
            .Audited("assessment.create", Officers)
            .WithSummary("Record an approved personal-information protection impact assessment (R25): what it covers, the risks, the measures, who approved it and when")
            .WithDescription("`covers`: sensitive, sharing, entrusting, disclosure, export, automated-decisions. `purposes` and `recipients` narrow it (empty: all). The gate refuses sharing (to a handler), entrusting (to a processor, SDK or cloud), disclosure (to the public) and export (abroad) that no approved assessment in force covers (assessment.required). Kept at least three years.")
            .Accepts<AssessmentRequest>("application/json");

        group.MapGet("/", ListAssessmentsAsync)
            .Audited("assessment.list", Officers.Append(Role.Security).ToArray())
            .WithSummary("The tenant's impact assessments, newest first, each with the date its record is kept until");
        return group;
    }

    public static RouteGroupBuilder MapDisclosures(this RouteGroupBuilder group)
    {
        group.MapPost("/", DiscloseAsync)
            .Audited(DisclosureGate.Action, Disclosers)
            .RequiresPurpose()
            .WithSummary("Disclose one subject's records, or a cohort's (up to 10,000), to a registered recipient under the purpose in X-Purpose: the egress gate")
            .WithDescription("Refused with its rule, nothing leaving, when: the recipient is not registered (recipient.unknown) or not declared for the purpose (sharing.purpose-not-allowed); the types are not what it may receive (sharing.field-not-allowed); there is no contract in force or the purpose is outside it (sharing.contract-required, sharing.contract-expired, sharing.beyond-contract; R11); no approved assessment covers it (assessment.required, R25); population health or a medical institution's data would go abroad (localisation.required, R38); genetic data would go to a foreign or foreign-controlled party without the filing (hgr.filing-required, R39); the subject has no separate consent for this recipient, or withdrew it (consent.recipient-missing, R10/R08); the year's cross-border counts would cross into a mechanism not held (crossborder.mechanism-required, R35/R36). In a cohort, subjects without consent are excluded and counted under `excluded`. What passes is recorded and counted first, then delivered by Cordon to the recipient's HTTPS endpoint (method api) or sealed to its public key (method package: `package` is the sealed bytes, base64); it is never returned in clear.")
            .Accepts<DisclosureRequest>("application/json");

        group.MapGet("/", ListDisclosuresAsync)
            .Audited("disclosure.list", Officers.Append(Role.Security).ToArray())
            .WithSummary("The disclosure record, newest first (?recipient=, ?subject=, ?limit=): every disclosure, refused or done, kept at least three years");
        return group;
    }

    public static RouteGroupBuilder MapCrossBorder(this RouteGroupBuilder group)
    {
        group.MapGet("/", CrossBorderAsync)
            .Audited("crossborder.read", Officers)
            .WithSummary("Transfers abroad this calendar year: distinct individuals since 1 January (sensitive and not), the mechanism the counts require (R34–R36), and for each recipient abroad what is held, until when, and the 60-working-day renewal window");
        return group;
    }

    private static async Task<Results<JsonOk<RecipientList>, Problem>> ListAsync(Call call)
    {
        var recipients = await RecipientRegister.ListAsync(call.Tenant, call.Store, call.Today, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(new RecipientList(recipients), SharingJson.Strict.RecipientList);
    }

    private static async Task<Results<JsonOk<RecipientView>, Problem>> GetAsync(string key, Call call)
    {
        var found = await RecipientRegister.GetAsync(call.Tenant, call.Store, key, call.Today, call.Aborted);
        if (found.Failed)
        {
            return call.Refused(found.Failure);
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(found.Value, SharingJson.Strict.RecipientView);
    }

    private static async Task<Results<JsonOk<RecipientView>, Problem>> PutContractAsync(string key, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, SharingJson.Strict.ContractRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        return Answer(call, await RecipientRegister.PutContractAsync(Operation.From(call), key, read.Value, call.Aborted));
    }

    private static async Task<Results<JsonOk<RecipientView>, Problem>> PutTransferAsync(string key, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, SharingJson.Strict.TransferRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        return Answer(call, await RecipientRegister.PutTransferAsync(Operation.From(call), key, read.Value, call.Aborted));
    }

    private static async Task<Results<JsonOk<RecipientView>, Problem>> PutGeneticFilingAsync(string key, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, SharingJson.Strict.GeneticFilingRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        return Answer(call, await RecipientRegister.PutGeneticFilingAsync(Operation.From(call), key, read.Value, call.Aborted));
    }

    private static async Task<Results<JsonCreated<AssessmentView>, Problem>> RecordAssessmentAsync(Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, SharingJson.Strict.AssessmentRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var recorded = await Assessments.RecordAsync(Operation.From(call), read.Value, call.Aborted);
        return recorded.Failed
            ? call.Refused(recorded.Failure)
            : Api.Created($"/v1/assessments/{recorded.Value.Id}", recorded.Value, SharingJson.Strict.AssessmentView);
    }

    private static async Task<Results<JsonOk<AssessmentList>, Problem>> ListAssessmentsAsync(Call call)
    {
        var list = await Assessments.ListAsync(call.Store, call.Tenant.Id, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(new AssessmentList(list), SharingJson.Strict.AssessmentList);
    }

    private static async Task<Results<JsonCreated<DisclosureView>, Problem>> DiscloseAsync(Call call, RequestBody body, RecipientDelivery delivery)
    {
        var read = await body.ReadAsync(call.Http, SharingJson.Strict.DisclosureRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var purpose = call.Tenant.Policy.Purpose(call.Purpose);
        var disclosed = await DisclosureGate.DiscloseAsync(Operation.From(call), purpose, read.Value, delivery, call.Aborted);
        return disclosed.Failed
            ? call.About(read.Value.SubjectIds is [var only] ? only : null).Refused(disclosed.Failure)
            : Api.Created($"/v1/disclosures/{disclosed.Value.Id}", disclosed.Value, SharingJson.Strict.DisclosureView);
    }

    private static async Task<Results<JsonOk<DisclosureList>, Problem>> ListDisclosuresAsync(Call call, string? recipient, string? subject, int? limit)
    {
        if (limit is < 1 or > 1000)
        {
            return Problem.From(Core.Failure.Invalid("limit", "1 to 1000 (default 100)."));
        }

        var list = await DisclosureGate.ListAsync(call.Store, call.Tenant.Id, recipient, subject, limit ?? 100, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject, records: [.. list.Select(d => d.Id)]), CancellationToken.None);
        return Api.Ok(new DisclosureList(list), SharingJson.Strict.DisclosureList);
    }

    private static async Task<Results<JsonOk<CrossBorderView>, Problem>> CrossBorderAsync(Call call, CalendarCache calendars)
    {
        var calendar = await calendars.GetAsync(call.Tenant.Id, call.Aborted);
        var view = await CrossBorderStatus.GetAsync(call.Tenant, call.Store, calendar, call.Today, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(view, SharingJson.Strict.CrossBorderView);
    }

    private static Results<JsonOk<RecipientView>, Problem> Answer(Call call, Core.Result<RecipientView> result)
        => result.Failed ? call.Refused(result.Failure) : Api.Ok(result.Value, SharingJson.Strict.RecipientView);
}
