using System.Net;
using System.Text.Json.Nodes;
using Cordon.Core.Access;

namespace Cordon.Server.Tests.Consent;

/// <summary>R05 over HTTP: a refusal is recorded on the ledger, counts as no consent, and keeps the app from asking again for the profile's period.</summary>
public sealed class ConsentPromptTests : ServerTest
{
    [Fact]
    public async Task After_a_refusal_the_app_may_not_ask_again_until_the_period_ends_R05()
    {
        var subject = await Server.CreateSubjectAsync();
        Assert.Equal("ask", (await PromptAsync(subject, "marketing.push"))["advice"]!.GetValue<string>());

        var refusedAt = Server.Time.GetUtcNow();
        var (refused, body) = await ConsentAsync(subject, "marketing.push", "refuse");
        Assert.Equal(HttpStatusCode.Created, refused.StatusCode);
        Assert.Equal("refuse", body!["action"]!.GetValue<string>());

        var prompt = await PromptAsync(subject, "marketing.push");
        Assert.Equal("wait", prompt["advice"]!.GetValue<string>());
        Assert.False(prompt["mayAsk"]!.GetValue<bool>());
        Assert.Equal("refused", prompt["state"]!.GetValue<string>());
        Assert.Equal("R05", prompt["rule"]!.GetValue<string>());
        Assert.Equal(refusedAt.AddDays(180).ToUnixTimeMilliseconds(), prompt["askAfter"]!.GetValue<DateTimeOffset>().ToUnixTimeMilliseconds());

        Server.Time.Advance(TimeSpan.FromDays(179));
        Assert.Equal("wait", (await PromptAsync(subject, "marketing.push"))["advice"]!.GetValue<string>());
        Server.Time.Advance(TimeSpan.FromDays(1));
        var later = await PromptAsync(subject, "marketing.push");
        Assert.Equal("ask", later["advice"]!.GetValue<string>());
        Assert.True(later["mayAsk"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_withdrawal_starts_the_same_period_and_a_grant_ends_the_prompt()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "health-advice");
        Assert.Equal("granted", (await PromptAsync(subject, "health-advice"))["advice"]!.GetValue<string>());

        await Server.WithdrawAsync(subject, "health-advice");
        var prompt = await PromptAsync(subject, "health-advice");
        Assert.Equal("wait", prompt["advice"]!.GetValue<string>());
        Assert.Equal("withdrawn", prompt["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Necessary_purposes_are_listed_as_required_and_purposes_without_consent_are_not_listed()
    {
        var subject = await Server.CreateSubjectAsync();
        await ConsentAsync(subject, "appointment", "refuse");
        var (response, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/consent-prompts", Server.App);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(180, body!["reaskAfterDays"]!.GetValue<int>());
        var prompts = body["prompts"]!.AsArray().ToDictionary(p => p!["purpose"]!.GetValue<string>(), p => p!);

        Assert.True(prompts["appointment"]["necessary"]!.GetValue<bool>());
        Assert.Equal("ask", prompts["appointment"]["advice"]!.GetValue<string>());
        Assert.False(prompts["marketing.push"]["necessary"]!.GetValue<bool>());
        Assert.DoesNotContain("security.logging", prompts.Keys);
        Assert.DoesNotContain("record-keeping", prompts.Keys);
    }

    [Fact]
    public async Task A_refusal_counts_as_no_consent()
    {
        var subject = await Server.CreateSubjectAsync();
        await ConsentAsync(subject, "marketing.personalization", "refuse");
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/tags", Server.App, json: new { text = "心血管" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("consent.missing", problem!["code"]!.GetValue<string>());
        Assert.Equal("R02", problem["rule"]!.GetValue<string>());

        var (list, consents) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/consents", Server.App);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("refused", consents!["current"]!.AsArray().Single(c => c!["purpose"]!.GetValue<string>() == "marketing.personalization")!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_granted_consent_cannot_be_refused_only_withdrawn()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "marketing.push");
        var (response, problem) = await ConsentAsync(subject, "marketing.push", "refuse");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("consent.already-granted", problem!["code"]!.GetValue<string>());
        Assert.Equal("granted", (await PromptAsync(subject, "marketing.push"))["advice"]!.GetValue<string>());
    }

    [Fact]
    public async Task Prompts_are_for_the_subject_side_only_about_their_own_subject()
    {
        var subject = await Server.CreateSubjectAsync();
        var other = await Server.CreateSubjectAsync();
        var (own, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/consent-prompts", Server.Token(Role.Patient, "p1", subject));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var (foreign, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{other}/consent-prompts", Server.Token(Role.Patient, "p1", subject));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal("access.not-the-subject", problem!["code"]!.GetValue<string>());
        var (marketing, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/consent-prompts", Server.Token(Role.Marketing, "m1"));
        Assert.Equal(HttpStatusCode.Forbidden, marketing.StatusCode);
    }

    [Fact]
    public async Task An_unknown_action_is_refused_and_recorded_nowhere()
    {
        var subject = await Server.CreateSubjectAsync();
        var (response, problem) = await ConsentAsync(subject, "marketing.push", "decline");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("validation.failed", problem!["code"]!.GetValue<string>());
        Assert.Empty(await Server.Host.Store.GetHistoryAsync(CordonServer.Tenant, subject, CancellationToken.None));
    }

    private Task<(HttpResponseMessage Response, JsonNode? Body)> ConsentAsync(string subject, string purpose, string action)
        => Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", Server.App, json: new { purpose, action, noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });

    private async Task<JsonNode> PromptAsync(string subject, string purpose)
    {
        var (response, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/consent-prompts", Server.App);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        return body!["prompts"]!.AsArray().Single(p => p!["purpose"]!.GetValue<string>() == purpose)!;
    }
}
