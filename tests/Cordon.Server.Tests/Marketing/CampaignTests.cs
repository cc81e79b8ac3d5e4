using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Server.Marketing;
using Cordon.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cordon.Server.Tests.Marketing;

/// <summary>
/// Campaigns end to end on SQLite and PostgreSQL, against a real local HTTP gateway: who is in the audience and which
/// variant they get, which messages are refused and why, delivery with retries, and one-click unsubscribe.
/// </summary>
public abstract class CampaignTests : IAsyncLifetime
{
    private const string SenderName = "仁心互联网医院";
    private const string Contact = "400-820-1234";
    private CordonServer? _server;
    private WebApplication? _gateway;
    private readonly ConcurrentQueue<JsonNode> _received = new();
    private int _failuresToGo;

    protected CordonServer Server => _server!;

    protected abstract bool Postgres { get; }

    private string Marketer => Server.Token(Role.Marketing, "mkt-li");

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _gateway = builder.Build();
        _gateway.MapPost("/sms", async (HttpRequest http) =>
        {
            if (Interlocked.Decrement(ref _failuresToGo) >= 0)
            {
                return Results.StatusCode(503);
            }

            _received.Enqueue((await JsonNode.ParseAsync(http.Body))!);
            return Results.Ok();
        });
        await _gateway.StartAsync();
        var url = _gateway.Urls.First();
        _server = await CordonServer.StartAsync(Postgres, configure: o =>
        {
            o.MarketingWebhooks["sms"] = url + "/sms";
            o.MarketingWebhooks["push"] = url + "/sms";
            o.OutboxPollInterval = TimeSpan.Zero;
            o.OutboxMaxAttempts = 3;
            o.OutboxRetryDelay = TimeSpan.FromSeconds(10);
            o.PublicBaseUrl = "https://cordon.example.cn";
        });
        await EntrustGatewayAsync();
    }

    /// <summary>The SMS provider is the push purpose's processor: the DPO records its contract and the assessment before any campaign goes (R11, R25).</summary>
    private async Task EntrustGatewayAsync(int validUntilDays = 365)
    {
        var today = DateOnly.FromDateTime(Server.Time.GetUtcNow().UtcDateTime.AddHours(8));
        var (contract, body) = await Server.SendAsync(HttpMethod.Put, "/v1/recipients/sms-gateway/contract", Server.Dpo, json: new
        {
            reference = "HT-SMS-1", signedOn = today.AddDays(-400).ToString("yyyy-MM-dd"), validFrom = today.AddDays(-400).ToString("yyyy-MM-dd"),
            validUntil = today.AddDays(validUntilDays).ToString("yyyy-MM-dd"), purposes = new[] { "account", "marketing.push" }, permits = "发送短信 / Send messages",
            subEntrustingApproved = false, atEnd = "delete",
        });
        Assert.True(contract.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        var (assessed, pia) = await Server.SendAsync(HttpMethod.Post, "/v1/assessments", Server.Dpo, json: new
        {
            title = "短信服务商 / SMS provider", covers = new[] { "entrusting" }, recipients = new[] { "sms-gateway" }, risks = new[] { "r" }, measures = new[] { "m" },
            approvedBy = "DPO", approvedOn = today.AddDays(-400).ToString("yyyy-MM-dd"),
        });
        Assert.True(assessed.StatusCode == HttpStatusCode.Created, pia?.ToJsonString());
    }

    [Fact]
    public async Task Campaigns_go_through_the_gateway_only_while_its_contract_is_in_force()
    {
        await RecipientAsync(95);
        var campaign = await CreateAsync();
        await EntrustGatewayAsync(validUntilDays: -1);
        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/send", Marketer);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("sharing.contract-expired", problem!["code"]!.GetValue<string>());
        Assert.Equal("R11", problem["rule"]!.GetValue<string>());
        var (_, view) = await Server.SendAsync(HttpMethod.Get, $"/v1/campaigns/{campaign}", Marketer);
        Assert.Equal("draft", view!["status"]!.GetValue<string>());

        await EntrustGatewayAsync();
        Assert.True((await SendAsync(campaign))["queued"]!.GetValue<int>() >= 1);

        // The contract ends after queueing: the dispatcher sends nothing to the gateway and retries later, naming why.
        await EntrustGatewayAsync(validUntilDays: -1);
        var held = await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, held.Sent);
        Assert.True(_received.IsEmpty);
        Assert.Equal(1L, await Server.ScalarAsync("SELECT COUNT(*) FROM outbox WHERE status = 0 AND last_error LIKE 'sharing.contract-expired%'"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private OutboxDispatcher Dispatcher => Server.Host.App.Services.GetRequiredService<OutboxDispatcher>();

    private static object Content(string body = "春季健康讲座本周六开讲", string? approval = null) => new
    {
        personalised = $"{{nickname}}您好，{body}。{SenderName} {Contact} 退订点 {{unsubscribe}}",
        plain = $"您好，{body}。{SenderName} {Contact} 退订点 {{unsubscribe}}",
    };

    private static object Campaign(object? content = null, string? approvalNumber = null, string channel = "sms", object? sender = null)
        => new { name = "春季讲座", channel, sender = sender ?? new { name = SenderName, contact = Contact }, content = content ?? Content(), approvalNumber };

    private async Task<string> CreateAsync(object? campaign = null)
    {
        var (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/campaigns", Marketer, json: campaign ?? Campaign());
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        return json!["id"]!.GetValue<string>();
    }

    private async Task<JsonNode> SendAsync(string campaign)
    {
        var (response, json) = await Server.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/send", Marketer);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, json?.ToJsonString());
        return json!;
    }

    /// <summary>A subject with an account (mobile, nickname) and the given consents.</summary>
    private async Task<(string Subject, string Mobile)> RecipientAsync(int n, bool push = true, bool personalisation = false, string birthDate = "1985-06-01", string? guardian = null)
    {
        var subject = await Server.CreateSubjectAsync(birthDate, guardian);
        var mobile = $"139{n:D4}8888";
        var grantedBy = guardian is null ? "self" : "guardian";
        await Server.GrantAsync(subject, "account", grantedBy);
        await Server.WriteAsync(subject, "account", new { resourceType = "Account", mobile, nickname = $"小{n}" });
        if (push)
        {
            await Server.GrantAsync(subject, Campaigns.PushPurpose, grantedBy);
        }

        if (personalisation)
        {
            await Server.GrantAsync(subject, Campaigns.PersonalisationPurpose, grantedBy);
        }

        return (subject, mobile);
    }

    private List<JsonNode> Received() => [.. _received];

    [Fact]
    public async Task A_lawful_campaign_reaches_only_consenting_subjects_with_the_variant_each_consented_to()
    {
        var (personal, personalMobile) = await RecipientAsync(1, personalisation: true);
        var (plain, plainMobile) = await RecipientAsync(2);
        var (_, silentMobile) = await RecipientAsync(3, push: false, personalisation: true);
        var (restricted, restrictedMobile) = await RecipientAsync(4);
        var (response, _) = await Server.SendAsync(HttpMethod.Put, $"/v1/subjects/{restricted}/state", Server.Dpo, json: new { state = "restricted", reason = "objection" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var campaign = await CreateAsync();
        var report = await SendAsync(campaign);
        Assert.Equal(2, report["audience"]!.GetValue<int>());
        Assert.Equal(1, report["personalised"]!.GetValue<int>());
        Assert.Equal(1, report["plain"]!.GetValue<int>());

        var delivery = await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, delivery.Sent);
        var received = Received();
        Assert.Equal(2, received.Count);
        var toPersonal = received.Single(m => m["to"]!.GetValue<string>() == personalMobile);
        var toPlain = received.Single(m => m["to"]!.GetValue<string>() == plainMobile);
        Assert.StartsWith("小1您好", toPersonal["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("您好", toPlain["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("https://cordon.example.cn/u/", toPlain["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(SenderName, toPlain["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(received, m => m["to"]!.GetValue<string>() == silentMobile || m["to"]!.GetValue<string>() == restrictedMobile);

        var (_, view) = await Server.SendAsync(HttpMethod.Get, $"/v1/campaigns/{campaign}", Marketer);
        Assert.Equal(2, view!["outbox"]!["sent"]!.GetValue<int>());
        Assert.Equal("queued", view["status"]!.GetValue<string>());

        // Every send is audited: campaign, message, subject, variant (in the action), time and outcome.
        var audit = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new AuditQuery { Limit = 1000 }, CancellationToken.None);
        Assert.Contains(audit, e => e.Draft.Action == "campaign.deliver.personalised" && e.Draft.SubjectId == personal && e.Draft.Code == "marketing.sent" && e.Draft.RecordIds[0] == campaign);
        Assert.Contains(audit, e => e.Draft.Action == "campaign.deliver.plain" && e.Draft.SubjectId == plain && e.Draft.Code == "marketing.sent");

        // A campaign is queued once.
        var (again, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/send", Marketer);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("marketing.already-sent", problem!["code"]!.GetValue<string>());

        // The messages are sealed under the subjects' keys: no mobile number in the outbox rows.
        Assert.DoesNotContain(Server.Logs.Lines, l => l.Contains(personalMobile, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_child_is_in_the_audience_only_when_the_guardian_gave_the_push_consent()
    {
        var guardian = await Server.CreateSubjectAsync();
        var (_, byGuardianMobile) = await RecipientAsync(10, birthDate: "2016-03-01", guardian: guardian);
        var (selfChild, selfMobile) = await RecipientAsync(11, push: false, birthDate: "2016-03-01", guardian: guardian);

        // The consent endpoint refuses a child's own consent; a ledger entry written around it (imported data) still does not count.
        await Server.Host.Store.AppendAsync(
            new ConsentEvent
            {
                Id = Subjects.SubjectVault.NewId("con"),
                Tenant = CordonServer.Tenant,
                SubjectId = selfChild,
                Purpose = Campaigns.PushPurpose,
                Action = ConsentAction.Grant,
                GivenBy = ConsentGiver.Self,
                NoticeVersion = Server.NoticeVersion,
                PurposeFingerprint = Server.TenantContext.Policy.PurposeFingerprint(Campaigns.PushPurpose)!,
                Channel = "app",
                ActorId = "import",
                Time = Server.Time.GetUtcNow(),
            },
            new AuditDraft { Tenant = CordonServer.Tenant, Time = Server.Time.GetUtcNow(), ActorId = "import", ActorRole = "system", Action = "consent.grant", Outcome = AuditOutcome.Done },
            CancellationToken.None);

        var report = await SendAsync(await CreateAsync());
        Assert.Equal(1, report["queued"]!.GetValue<int>());
        Assert.Equal(1, report["excludedChildren"]!.GetValue<int>());
        await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(byGuardianMobile, Assert.Single(Received())["to"]!.GetValue<string>());
        Assert.DoesNotContain(Received(), m => m["to"]!.GetValue<string>() == selfMobile);
    }

    [Fact]
    public async Task One_click_unsubscribe_withdraws_at_once_and_the_very_next_send_excludes_the_subject()
    {
        var (subject, mobile) = await RecipientAsync(20);
        await SendAsync(await CreateAsync());
        await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        var text = Assert.Single(Received())["text"]!.GetValue<string>();
        var link = new Uri(text[text.IndexOf("https://", StringComparison.Ordinal)..].Split(' ')[0]);

        // A second campaign is queued before the click: the message is stopped at send time.
        await SendAsync(await CreateAsync());
        using var anonymous = new HttpClient { BaseAddress = Server.Http.BaseAddress };
        var page = await anonymous.GetAsync(new Uri(link.PathAndQuery, UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("您已成功退订", html, StringComparison.Ordinal);
        Assert.Contains("You have been unsubscribed", html, StringComparison.Ordinal);
        Assert.DoesNotContain(subject, html, StringComparison.Ordinal);

        var latest = await Server.Host.Store.GetLatestConsentAsync(CordonServer.Tenant, subject, Campaigns.PushPurpose, null, CancellationToken.None);
        Assert.Equal(ConsentAction.Withdraw, latest!.Action);
        Assert.Equal(UnsubscribeEndpoints.Channel, latest.Channel);

        var delivery = await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, delivery.Excluded);
        Assert.Single(Received());

        // And a campaign sent after the click does not include the subject at all.
        var third = await SendAsync(await CreateAsync());
        Assert.Equal(0, third["audience"]!.GetValue<int>());

        // A second click changes nothing and still confirms.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(link.PathAndQuery, UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        Assert.DoesNotContain(Server.Logs.Lines, l => l.Contains(mobile, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_consent_withdrawn_after_queueing_stops_the_message_at_send_time()
    {
        var (subject, _) = await RecipientAsync(30);
        var (_, other) = await RecipientAsync(31);
        await SendAsync(await CreateAsync());
        await Server.WithdrawAsync(subject, Campaigns.PushPurpose);

        var delivery = await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, delivery.Sent);
        Assert.Equal(1, delivery.Excluded);
        Assert.Equal(other, Assert.Single(Received())["to"]!.GetValue<string>());
        var audit = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new AuditQuery { Limit = 1000 }, CancellationToken.None);
        Assert.Contains(audit, e => e.Draft.SubjectId == subject && e.Draft.Code == "marketing.consent-withdrawn" && e.Draft.Outcome == AuditOutcome.Deny);
    }

    [Fact]
    public async Task Two_concurrent_sends_of_one_campaign_queue_it_once()
    {
        await RecipientAsync(60);
        await RecipientAsync(61, personalisation: true);
        await RecipientAsync(62);
        var campaign = await CreateAsync();

        var results = await Task.WhenAll(
            Server.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/send", Marketer),
            Server.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/send", Marketer));
        Assert.Single(results, r => r.Item1.StatusCode == HttpStatusCode.Accepted);
        var conflict = Assert.Single(results, r => r.Item1.StatusCode == HttpStatusCode.Conflict);
        Assert.Equal("marketing.already-sent", conflict.Item2!["code"]!.GetValue<string>());

        var counts = await Server.Host.Store.CountOutboxAsync(CordonServer.Tenant, campaign, CancellationToken.None);
        Assert.Equal(3, counts.Values.Sum());
        var (_, view) = await Server.SendAsync(HttpMethod.Get, $"/v1/campaigns/{campaign}", Marketer);
        Assert.Equal("queued", view!["status"]!.GetValue<string>());
        var audit = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new AuditQuery { Limit = 1000 }, CancellationToken.None);
        Assert.Single(audit, e => e.Draft.Action == "campaign.send" && e.Draft.RecordIds.Contains(campaign));
    }

    [Fact]
    public async Task A_personalisation_consent_withdrawn_after_queueing_stops_the_personalised_message()
    {
        var (subject, mobile) = await RecipientAsync(70, personalisation: true);
        var (_, other) = await RecipientAsync(71);
        var campaign = await CreateAsync();
        var report = await SendAsync(campaign);
        Assert.Equal(1, report["personalised"]!.GetValue<int>());
        await Server.WithdrawAsync(subject, Campaigns.PersonalisationPurpose);

        var delivery = await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, delivery.Sent);
        Assert.Equal(1, delivery.Excluded);
        Assert.Equal(other, Assert.Single(Received())["to"]!.GetValue<string>());
        Assert.DoesNotContain(Received(), m => m["to"]!.GetValue<string>() == mobile);
        var counts = await Server.Host.Store.CountOutboxAsync(CordonServer.Tenant, campaign, CancellationToken.None);
        Assert.Equal(1, counts[OutboxStatus.Excluded]);
        var audit = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new AuditQuery { Limit = 1000 }, CancellationToken.None);
        Assert.Contains(audit, e => e.Draft.SubjectId == subject && e.Draft.Code == "marketing.personalisation-withdrawn" && e.Draft.Outcome == AuditOutcome.Deny);
    }

    [Fact]
    public async Task A_forged_or_expired_unsubscribe_link_changes_nothing_and_reveals_nothing()
    {
        var (subject, _) = await RecipientAsync(40);
        using var anonymous = new HttpClient { BaseAddress = Server.Http.BaseAddress };
        var forged = UnsubscribeLinks.Token(Server.TenantContext, subject, "cmp_x", Server.Time.GetUtcNow().AddDays(1));
        forged = forged[..^2] + (forged[^2] == 'A' ? "BB" : "AA");
        var expired = UnsubscribeLinks.Token(Server.TenantContext, subject, "cmp_x", Server.Time.GetUtcNow().AddMinutes(-1));
        foreach (var token in new[] { forged, expired, "garbage", "a.b" })
        {
            var response = await anonymous.GetAsync(new Uri("/u/" + token, UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("invalid or has expired", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        var latest = await Server.Host.Store.GetLatestConsentAsync(CordonServer.Tenant, subject, Campaigns.PushPurpose, null, CancellationToken.None);
        Assert.Equal(ConsentAction.Grant, latest!.Action);
    }

    [Fact]
    public async Task An_old_unsubscribe_link_does_not_undo_a_newer_subscription()
    {
        var (subject, _) = await RecipientAsync(41);
        using var anonymous = new HttpClient { BaseAddress = Server.Http.BaseAddress };
        var issued = Server.Time.GetUtcNow();
        var old = UnsubscribeLinks.Token(Server.TenantContext, subject, "cmp_old", issued.AddDays(30), issued);

        // The subject unsubscribes in the app, then subscribes again.
        Server.Time.Advance(TimeSpan.FromMinutes(5));
        await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", Server.App, json: new { purpose = Campaigns.PushPurpose, action = "withdraw", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Server.Time.Advance(TimeSpan.FromMinutes(5));
        await Server.GrantAsync(subject, Campaigns.PushPurpose);

        var response = await anonymous.GetAsync(new Uri("/u/" + old, UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var latest = await Server.Host.Store.GetLatestConsentAsync(CordonServer.Tenant, subject, Campaigns.PushPurpose, null, CancellationToken.None);
        Assert.Equal(ConsentAction.Grant, latest!.Action);

        // A link issued after the new subscription still works at once.
        var fresh = UnsubscribeLinks.Token(Server.TenantContext, subject, "cmp_new", Server.Time.GetUtcNow().AddDays(30), Server.Time.GetUtcNow().AddMinutes(1));
        var ok = await anonymous.GetAsync(new Uri("/u/" + fresh, UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        latest = await Server.Host.Store.GetLatestConsentAsync(CordonServer.Tenant, subject, Campaigns.PushPurpose, null, CancellationToken.None);
        Assert.Equal(ConsentAction.Withdraw, latest!.Action);
    }

    [Fact]
    public async Task Messages_without_sender_contact_or_unsubscribe_link_are_refused_under_R15()
    {
        var (noSender, p1) = await Server.SendAsync(HttpMethod.Post, "/v1/campaigns", Marketer, json: Campaign(sender: new { name = "", contact = "" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noSender.StatusCode);
        Assert.Equal("marketing.sender-missing", p1!["code"]!.GetValue<string>());
        Assert.Equal("R15", p1["rule"]!.GetValue<string>());
        Assert.Contains("Art. 43", p1["citation"]!.GetValue<string>(), StringComparison.Ordinal);

        var (noLink, p2) = await Server.SendAsync(HttpMethod.Post, "/v1/campaigns", Marketer, json: Campaign(new { personalised = $"{SenderName} {Contact}", plain = $"{SenderName} {Contact}" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noLink.StatusCode);
        Assert.Equal("marketing.unsubscribe-missing", p2!["code"]!.GetValue<string>());
        Assert.NotNull(p2["errors"]!["content.plain"]);
    }

    [Fact]
    public async Task Medical_advertising_claims_are_refused_under_R17_with_the_phrases_named_and_need_an_approval_number()
    {
        var (claims, p1) = await Server.SendAsync(HttpMethod.Post, "/v1/campaigns", Marketer, json: Campaign(Content("新疗法保证治愈，治愈率98%，专家推荐 guaranteed cure"), "沪医广【2025】第0001号"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, claims.StatusCode);
        Assert.Equal("marketing.content-refused", p1!["code"]!.GetValue<string>());
        Assert.Equal("R17", p1["rule"]!.GetValue<string>());
        var detail = p1["detail"]!.GetValue<string>();
        foreach (var phrase in new[] { "保证治愈", "治愈率", "专家推荐", "guaranteed cure" })
        {
            Assert.Contains(phrase, detail, StringComparison.Ordinal);
        }

        var (noApproval, p2) = await Server.SendAsync(HttpMethod.Post, "/v1/campaigns", Marketer, json: Campaign(Content("口腔门诊洗牙八折")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noApproval.StatusCode);
        Assert.Equal("marketing.approval-missing", p2!["code"]!.GetValue<string>());

        var approved = await CreateAsync(Campaign(Content("口腔门诊洗牙八折 沪医广【2025】第0001号"), "沪医广【2025】第0001号"));
        var (_, view) = await Server.SendAsync(HttpMethod.Get, $"/v1/campaigns/{approved}", Marketer);
        Assert.True(view!["medicalAdvertising"]!.GetValue<bool>());

        var audit = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new AuditQuery { Limit = 1000 }, CancellationToken.None);
        Assert.Contains(audit, e => e.Draft.Action == "campaign.create" && e.Draft.Outcome == AuditOutcome.Deny && e.Draft.Code == "marketing.content-refused" && e.Draft.Rules.Contains("R17"));
    }

    [Fact]
    public async Task Operator_terms_extend_the_rules_and_apply_again_at_send_time()
    {
        var campaign = await CreateAsync(Campaign(Content("神奇养生课程")));
        var (put, term) = await Server.SendAsync(HttpMethod.Put, "/v1/campaigns/ad-terms", Server.Dpo, json: new { term = "神奇", category = "efficacy-guarantee" });
        Assert.True(put.StatusCode == HttpStatusCode.OK, term?.ToJsonString());
        var (_, list) = await Server.SendAsync(HttpMethod.Get, "/v1/campaigns/ad-terms", Marketer);
        Assert.Equal("神奇", list!["terms"]![0]!["term"]!.GetValue<string>());

        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/send", Marketer);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("神奇", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var (badPattern, p2) = await Server.SendAsync(HttpMethod.Put, "/v1/campaigns/ad-terms", Server.Dpo, json: new { term = "(", category = "comparison", pattern = true });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badPattern.StatusCode);
        Assert.Equal("validation.failed", p2!["code"]!.GetValue<string>());

        var (deleted, _) = await Server.SendAsync(HttpMethod.Delete, "/v1/campaigns/ad-terms?term=" + Uri.EscapeDataString("神奇"), Server.Dpo);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await SendAsync(campaign);
    }

    [Fact]
    public async Task A_failing_gateway_is_retried_with_back_off_until_it_answers_or_attempts_run_out()
    {
        var (_, mobile) = await RecipientAsync(50);
        await SendAsync(await CreateAsync());
        _failuresToGo = 1;

        var first = await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, first.Retried);
        Assert.Equal(0, (await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken)).Claimed);
        Server.Time.Advance(TimeSpan.FromSeconds(11));
        var second = await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, second.Sent);
        Assert.Equal(mobile, Assert.Single(Received())["to"]!.GetValue<string>());

        await RecipientAsync(51);
        var campaign = await CreateAsync();
        await SendAsync(campaign);
        _failuresToGo = 100;
        var outcomes = new List<DeliveryReport>();
        for (var i = 0; i < 3; i++)
        {
            outcomes.Add(await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken));
            Server.Time.Advance(TimeSpan.FromSeconds(10 * Math.Pow(2, i) + 1));
        }

        Assert.Equal(2, outcomes.Sum(o => o.Failed));
        var (_, view) = await Server.SendAsync(HttpMethod.Get, $"/v1/campaigns/{campaign}", Marketer);
        Assert.Equal(2, view!["outbox"]!["failed"]!.GetValue<int>());

        // Failed messages can be queued again once the gateway answers, and then they leave.
        _failuresToGo = 0;
        var (retried, report) = await Server.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/retry", Marketer);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(2, report!["requeued"]!.GetValue<int>());
        Assert.Empty(report["warnings"]!.AsArray());
        var again = await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, again.Sent);
        var (_, after) = await Server.SendAsync(HttpMethod.Get, $"/v1/campaigns/{campaign}", Marketer);
        Assert.Equal(0, after!["outbox"]!["failed"]!.GetValue<int>());
        var (none, nothing) = await Server.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/retry", Marketer);
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.Equal(0, nothing!["requeued"]!.GetValue<int>());
        var audit = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new AuditQuery { Limit = 1000 }, CancellationToken.None);
        Assert.Single(audit, e => e.Draft.Action == "campaign.retry" && e.Draft.RecordIds.Contains(campaign));
    }

    [Fact]
    public async Task Sending_on_a_channel_without_a_gateway_warns_at_once_and_the_dispatcher_warns_too()
    {
        Server.Host.Options.MarketingWebhooks.Remove("sms");
        await RecipientAsync(80);
        var campaign = await CreateAsync();
        var report = await SendAsync(campaign);
        Assert.Equal(1, report["queued"]!.GetValue<int>());
        var warning = Assert.Single(report["warnings"]!.AsArray())!.GetValue<string>();
        Assert.Contains("'sms'", warning, StringComparison.Ordinal);
        Assert.Contains("CORDON_WEBHOOK_SMS", warning, StringComparison.Ordinal);

        var delivery = await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["sms"], delivery.ChannelsWithoutGateway);
        Assert.Equal(0, delivery.Sent);

        // The messages are due again after the back-off; the scheduled run says so as a warning, not as routine news.
        Server.Time.Advance(TimeSpan.FromMinutes(1));
        await Server.Host.App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<OutboxService>().Single().RunNowAsync(TestContext.Current.CancellationToken);
        Assert.Contains(Server.Logs.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal) && l.Contains("no gateway is configured for sms", StringComparison.Ordinal) && l.Contains("CORDON_WEBHOOK_SMS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unsubscribe_links_point_at_the_address_the_profile_names_and_open_there()
    {
        // A free port, so the profile can name the very address the server listens on (as localhost, not 127.0.0.1).
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var publicUrl = $"http://localhost:{port}";
        var gateway = _gateway!.Urls.First();
        await _server!.DisposeAsync();
        _server = await CordonServer.StartAsync(Postgres, configure: o =>
        {
            o.Urls = $"http://127.0.0.1:{port}";
            o.MarketingWebhooks["sms"] = gateway + "/sms";
            o.OutboxPollInterval = TimeSpan.Zero;
        }, editProfile: text => text.Replace("  storageRegion: CN", $"  publicUrl: {publicUrl}\n  storageRegion: CN", StringComparison.Ordinal));
        Assert.Null(Server.Host.Options.PublicBaseUrl);
        await EntrustGatewayAsync();

        var (subject, _) = await RecipientAsync(90);
        await SendAsync(await CreateAsync());
        await Dispatcher.RunOnceAsync(cancellationToken: TestContext.Current.CancellationToken);
        var text = Assert.Single(Received())["text"]!.GetValue<string>();
        var start = text.IndexOf(publicUrl + "/u/", StringComparison.Ordinal);
        Assert.True(start >= 0, "the link does not start with the profile's address");
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);

        using var patient = new HttpClient();
        var page = await patient.GetAsync(new Uri(text[start..].Split(' ')[0]), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("您已成功退订", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var latest = await Server.Host.Store.GetLatestConsentAsync(CordonServer.Tenant, subject, Campaigns.PushPurpose, null, CancellationToken.None);
        Assert.Equal(ConsentAction.Withdraw, latest!.Action);
    }

    [Fact]
    public async Task Without_a_public_address_a_campaign_is_refused_and_nothing_is_queued()
    {
        Server.Host.Options.PublicBaseUrl = null;
        await RecipientAsync(95);
        var campaign = await CreateAsync();
        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/send", Marketer);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("marketing.public-url-missing", problem!["code"]!.GetValue<string>());
        Assert.Equal("R15", problem["rule"]!.GetValue<string>());
        Assert.Contains("operator.publicUrl", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("CORDON_PUBLIC_URL", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var counts = await Server.Host.Store.CountOutboxAsync(CordonServer.Tenant, campaign, CancellationToken.None);
        Assert.Empty(counts);
        var (_, view) = await Server.SendAsync(HttpMethod.Get, $"/v1/campaigns/{campaign}", Marketer);
        Assert.Equal("draft", view!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Only_marketing_and_admin_may_create_and_send_campaigns()
    {
        var (patient, problem) = await Server.SendAsync(HttpMethod.Post, "/v1/campaigns", Server.Token(Role.Physician, "dr-zhao"), json: Campaign());
        Assert.Equal(HttpStatusCode.Forbidden, patient.StatusCode);
        Assert.Equal("access.role-not-allowed", problem!["code"]!.GetValue<string>());
        var (list, json) = await Server.SendAsync(HttpMethod.Get, "/v1/campaigns", Server.Admin);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.NotNull(json!["campaigns"]);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(json.ToJsonString()).RootElement.GetProperty("campaigns").ValueKind);
    }
}

public sealed class SqliteCampaignTests : CampaignTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresCampaignTests : CampaignTests
{
    protected override bool Postgres => true;
}
