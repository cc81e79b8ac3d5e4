using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Marketing;
using Cordon.Server.Hosting;
using Cordon.Server.Http;
using Cordon.Server.Rights;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Marketing;

/// <summary>
/// Campaigns over HTTP: create (checked against the message rules), list, read with delivery counts, send (audience
/// computed from current consents, never uploaded), and the operator's advertising terms.
/// </summary>
public static class CampaignEndpoints
{
    private static readonly Role[] Marketers = [Role.Marketing, Role.Admin];
    private static readonly Role[] Overseers = [Role.Marketing, Role.Dpo, Role.Admin];

    public static RouteGroupBuilder MapCampaigns(this RouteGroupBuilder group)
    {
        group.MapPost("/", CreateAsync)
            .Audited("campaign.create", Marketers)
            .WithSummary("Create a campaign: a personalised and a non-personalised variant, channel (sms, push, email), sender, schedule")
            .WithDescription("Each variant must show the sender's name and contact and carry {unsubscribe} (R15: marketing.sender-missing, marketing.unsubscribe-missing); {nickname} only in the personalised variant (R13: marketing.plain-personalised). Medical, drug and device advertising may not guarantee efficacy or safety, cite cure or effectiveness rates, compare with others or use endorsements (R17: marketing.content-refused names every phrase), and must show its advertising-review approval number (marketing.approval-missing).")
            .Accepts<CreateCampaignRequest>("application/json");

        group.MapGet("/", ListAsync)
            .Audited("campaign.list", Overseers)
            .WithSummary("List campaigns, newest first");

        group.MapGet("/ad-terms", ListTermsAsync)
            .Audited("campaign.ad-terms.read", Overseers)
            .WithSummary("The operator's advertising terms (phrases and patterns added to the built-in R17 rules)");

        group.MapPut("/ad-terms", PutTermAsync)
            .Audited("campaign.ad-terms.put", Overseers)
            .WithSummary("Add or change an advertising term: category efficacy-guarantee, cure-rate, comparison, endorsement, or medical (marks content as medical advertising)")
            .Accepts<AdTermRequest>("application/json");

        group.MapDelete("/ad-terms", DeleteTermAsync)
            .Audited("campaign.ad-terms.delete", Role.Dpo, Role.Admin)
            .WithSummary("Remove an operator term (?term=); the built-in rules cannot be removed");

        group.MapGet("/{id}", GetAsync)
            .Audited("campaign.read", Overseers)
            .WithSummary("A campaign with its outbox counts (pending, sending, sent, failed, excluded)");

        group.MapPost("/{id}/send", SendAsync)
            .Audited("campaign.send", Marketers)
            .WithSummary("Compute the audience and queue the messages")
            .WithDescription("The audience: active subjects with a current separate marketing.push consent (R15); the personalised variant for those with a current marketing.personalization consent, the non-personalised one for everyone else (R13); subjects under the guardian-consent age only when the guardian consented (R03); restricted, cancelled and deceased subjects never. Each message carries its own signed unsubscribe link and is sealed under the subject's key. Delivery re-checks consent at send time.");

        group.MapPost("/{id}/retry", RetryAsync)
            .Audited("campaign.retry", Marketers)
            .WithSummary("Queue the campaign's failed messages again")
            .WithDescription("Messages that failed after the last attempt (a gateway that was down or not configured) are due again at once with their attempts reset; consent is checked again when each is delivered, so a subject who withdrew meanwhile is excluded. Answers how many were requeued, with a warning when the channel still has no gateway.");
        return group;
    }

    private static async Task<Results<JsonCreated<CampaignView>, Problem>> CreateAsync(Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, MarketingJson.Strict.CreateCampaignRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var created = await Campaigns.CreateAsync(Operation.From(call), read.Value, call.Aborted);
        if (created.Failed)
        {
            return call.About(null, Campaigns.PushPurpose).Refused(created.Failure);
        }

        var view = await Campaigns.ViewAsync(call.Store, created.Value, withCounts: false, call.Aborted);
        return Api.Created($"/v1/campaigns/{view.Id}", view, MarketingJson.Strict.CampaignView);
    }

    private static async Task<Results<JsonOk<CampaignList>, Problem>> ListAsync(Call call, int? limit)
    {
        var rows = await call.Store.ListCampaignsAsync(call.Tenant.Id, limit ?? 100, call.Aborted);
        var views = new List<CampaignView>(rows.Count);
        foreach (var row in rows)
        {
            views.Add(await Campaigns.ViewAsync(call.Store, row, withCounts: false, call.Aborted));
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(new CampaignList(views), MarketingJson.Strict.CampaignList);
    }

    private static async Task<Results<JsonOk<CampaignView>, Problem>> GetAsync(string id, Call call)
    {
        var row = await call.Store.GetCampaignAsync(call.Tenant.Id, id, call.Aborted);
        if (row is null)
        {
            return Problem.NotFound("campaign");
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, records: [row.Id]), CancellationToken.None);
        return Api.Ok(await Campaigns.ViewAsync(call.Store, row, withCounts: true, call.Aborted), MarketingJson.Strict.CampaignView);
    }

    private static async Task<Results<JsonAccepted<SendReport>, Problem>> SendAsync(string id, Call call, UnsubscribeLinks links, IOptions<CordonServerOptions> options)
    {
        var sent = await Campaigns.SendAsync(Operation.From(call), links, options.Value.MarketingWebhooks, id, call.Aborted);
        if (sent.Failed)
        {
            return call.About(null, Campaigns.PushPurpose).Refused(sent.Failure);
        }

        return Api.Accepted(sent.Value, MarketingJson.Strict.SendReport);
    }

    private static async Task<Results<JsonOk<RetryReport>, Problem>> RetryAsync(string id, Call call, IOptions<CordonServerOptions> options)
    {
        var retried = await Campaigns.RetryAsync(Operation.From(call), options.Value.MarketingWebhooks, id, call.Aborted);
        if (retried.Failed)
        {
            return call.About(null, Campaigns.PushPurpose).Refused(retried.Failure);
        }

        return Api.Ok(retried.Value, MarketingJson.Strict.RetryReport);
    }

    private static async Task<Results<JsonOk<AdTermList>, Problem>> ListTermsAsync(Call call)
    {
        var terms = await call.Store.ListAdTermsAsync(call.Tenant.Id, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(new AdTermList(AdCategories.All, [.. terms.Select(View)]), MarketingJson.Strict.AdTermList);
    }

    private static async Task<Results<JsonOk<AdTermView>, Problem>> PutTermAsync(Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, MarketingJson.Strict.AdTermRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var request = read.Value;
        var term = AdTerm.Create(request.Term, request.Category, request.Pattern);
        if (!term.Success)
        {
            return Problem.Validation("term", term.Error!);
        }

        var row = new AdTermRow(call.Tenant.Id, term.Value.Term, term.Value.Category, term.Value.Pattern, call.Now, call.Actor.Id);
        await call.Store.PutAdTermAsync(row, call.Audit(AuditOutcome.Done, rules: ["R17"]), call.Aborted);
        return Api.Ok(View(row), MarketingJson.Strict.AdTermView);
    }

    private static async Task<IResult> DeleteTermAsync(Call call, string? term)
    {
        if (string.IsNullOrWhiteSpace(term))
        {
            return Problem.Validation("term", "Name the term to remove: ?term=…");
        }

        var removed = await call.Store.DeleteAdTermAsync(call.Tenant.Id, term, call.Audit(AuditOutcome.Done, rules: ["R17"]), call.Aborted);
        return removed ? Results.NoContent() : Problem.NotFound("advertising term");
    }

    private static AdTermView View(AdTermRow row) => new(row.Term, row.Category, row.Pattern, row.AddedAt, row.AddedBy);
}
