using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Microsoft.Extensions.DependencyInjection;

namespace Cordon.Server.Tests;

/// <summary>The HTTP contract of API.md: authentication, problem responses for every kind of bad input, OpenAPI, health.</summary>
public sealed class HttpContractTests : IAsyncLifetime
{
    private CordonServer? _server;

    private CordonServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await CordonServer.StartAsync(maxBodyBytes: 64 * 1024);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Health_reports_the_store()
    {
        var (response, body) = await Server.SendAsync(HttpMethod.Get, "/healthz", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", body!["status"]!.GetValue<string>());
        Assert.Equal("sqlite", body["store"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_core_endpoints_and_the_reference_is_served()
    {
        var (response, body) = await Server.SendAsync(HttpMethod.Get, "/openapi/v1.json", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = body!["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var path in new[] { "/v1/subjects", "/v1/subjects/{id}", "/v1/subjects/{id}/consents", "/v1/subjects/{id}/care-team", "/v1/subjects/{id}/records", "/v1/records/{id}", "/v1/decisions", "/v1/audit", "/v1/audit/verify", "/v1/privacy-notice", "/healthz" })
        {
            Assert.Contains(path, paths);
        }

        var listRecords = body["paths"]!["/v1/subjects/{id}/records"]!["get"]!;
        Assert.Contains(listRecords["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "X-Purpose" && p["in"]!.GetValue<string>() == "header");
        Assert.NotNull(listRecords["responses"]!["403"]!["content"]!["application/problem+json"]);
        Assert.NotNull(listRecords["security"]);
        Assert.NotNull(body["components"]!["schemas"]!["Problem"]!["properties"]!["rule"]);

        // Success responses come from the handlers' return types (Results<JsonCreated<T>, Problem>), not from a
        // hand-written list: the status and the body's schema are the ones the handler answers with.
        static string SuccessSchema(JsonNode operation, string status)
            => operation["responses"]![status]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
        Assert.EndsWith("/SubjectResponse", SuccessSchema(body["paths"]!["/v1/subjects"]!["post"]!, "201"), StringComparison.Ordinal);
        Assert.EndsWith("/RecordWritten", SuccessSchema(body["paths"]!["/v1/subjects/{id}/records"]!["post"]!, "201"), StringComparison.Ordinal);
        Assert.EndsWith("/RecordWritten", SuccessSchema(body["paths"]!["/v1/records/{id}"]!["put"]!, "200"), StringComparison.Ordinal);
        Assert.EndsWith("/SendReport", SuccessSchema(body["paths"]!["/v1/campaigns/{id}/send"]!["post"]!, "202"), StringComparison.Ordinal);
        Assert.EndsWith("/VerifyResponse", SuccessSchema(body["paths"]!["/v1/audit/verify"]!["get"]!, "200"), StringComparison.Ordinal);
        Assert.Null(body["paths"]!["/v1/subjects"]!["post"]!["responses"]!["200"]);

        var docs = await Server.Http.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("text/html", docs.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_without_a_valid_token_get_401_problems()
    {
        var (none, body) = await Server.SendAsync(HttpMethod.Get, "/v1/audit", null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType!.MediaType);
        Assert.Equal("auth.unauthenticated", body!["code"]!.GetValue<string>());

        var (forged, _) = await Server.SendAsync(HttpMethod.Get, "/v1/audit", Server.Dpo[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);

        var foreign = Auth.TokenIssuer.Issue(new Auth.TokenRequest("default", "x", Role.Dpo), new byte[32], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        var (wrongKey, _) = await Server.SendAsync(HttpMethod.Get, "/v1/audit", foreign);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);

        // Counted, then chained once per source and window (R47), with the count in the sealed note.
        var before = await Server.CountAuditAsync();
        for (var i = 0; i < 500; i++)
        {
            using var _ = await Server.Http.SendAsync(Server.Request(HttpMethod.Get, "/v1/audit", "not-a-token"));
        }

        Assert.Equal(before, await Server.CountAuditAsync());
        await Server.Host.App.Services.GetRequiredService<Auth.AnonymousFailures>().FlushAsync(default);
        var failures = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { ActorId = "anonymous", Limit = 1000 }, default);
        Assert.Equal(before + 2, await Server.CountAuditAsync());
        var noToken = Assert.Single(failures, e => e.Draft.Code == "auth.no-token");
        Assert.Equal(("auth.failed", "127.0.0.1"), (noToken.Draft.Action, noToken.Draft.ClientAddress));
        Assert.Contains("R47", noToken.Draft.Rules);
        var invalid = Assert.Single(failures, e => e.Draft.Code == "auth.invalid-token");
        Assert.StartsWith("502 failed request(s) (auth.invalid-token) from 127.0.0.1", Server.TenantContext.Keys.OpenNote(invalid.Draft.SealedNote, invalid.Draft.RequestId), StringComparison.Ordinal);
    }

    [Fact]
    public void Anonymous_failures_are_counted_by_ipv4_address_and_ipv6_site()
    {
        Assert.Equal("10.1.2.3", Auth.AnonymousFailures.SourceOf(System.Net.IPAddress.Parse("10.1.2.3")));
        Assert.Equal("10.1.2.3", Auth.AnonymousFailures.SourceOf(System.Net.IPAddress.Parse("::ffff:10.1.2.3")));
        Assert.Equal("2001:db8:1:2::/64", Auth.AnonymousFailures.SourceOf(System.Net.IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        Assert.Equal("unknown", Auth.AnonymousFailures.SourceOf(null));
    }

    [Fact]
    public async Task Every_refused_call_is_audited_once_with_its_code_purpose_and_subject()
    {
        // Handlers return problems; the call filter audits them. Each refusal below must leave exactly one deny entry.
        var subject = await Server.CreateSubjectAsync();
        var cases = new (Func<Task<HttpResponseMessage>> Send, string Code, string? Purpose, string? Subject)[]
        {
            (async () => (await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, null)).Response, "purpose.missing", null, null),
            (async () => (await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "no-such-purpose")).Response, "purpose.unknown", null, null),
            (async () => (await Server.SendAsync(HttpMethod.Get, "/v1/subjects/sub_00000000000000000000000000/records", Server.App, "consultation")).Response, "not-found", "consultation", null),
            (async () => (await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "consultation")).Response, "consent.missing", "consultation", subject),
            (async () => (await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/care-team", Server.App, json: new { actor = "dr-li", role = "janitor", until = "2030-01-01T00:00:00Z" })).Response, "validation.failed", null, subject),
        };

        foreach (var (send, code, purpose, about) in cases)
        {
            var before = await Server.CountAuditAsync();
            var response = await send();
            Assert.False(response.IsSuccessStatusCode, code);
            var entries = new List<Core.Audit.AuditEntry>();
            await foreach (var entry in Server.Host.Store.ReadChainAsync(CordonServer.Tenant, CancellationToken.None))
            {
                entries.Add(entry);
            }

            Assert.Equal(before + 1, entries.Count);
            var last = entries.OrderBy(e => e.Draft.Time).ThenBy(e => e.Lane).ThenBy(e => e.Seq).Last(e => e.Draft.Code == code).Draft;
            Assert.Equal(Core.Audit.AuditOutcome.Deny, last.Outcome);
            Assert.Equal(purpose, last.Purpose);
            Assert.Equal(about, last.SubjectId);
        }
    }

    [Fact]
    public async Task A_role_outside_the_endpoint_is_refused_with_R46_and_audited()
    {
        var before = await Server.CountAuditAsync();
        var (response, body) = await Server.SendAsync(HttpMethod.Get, "/v1/audit", Server.Token(Role.Support, "support-1"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("access.role-not-allowed", body!["code"]!.GetValue<string>());
        Assert.Equal("R46", body["rule"]!.GetValue<string>());
        Assert.Equal(before + 1, await Server.CountAuditAsync());
    }

    [Theory]
    [InlineData("{\"externalId\": \"a\", ", "request.malformed", 400)]
    [InlineData("[1,2,3]", "request.malformed", 400)]
    [InlineData("null", "request.malformed", 400)]
    [InlineData("{\"externalId\": 42, \"birthDate\": \"1990-01-01\"}", "request.malformed", 400)]
    [InlineData("{\"externalId\": \"u1\", \"birthDate\": \"1990-01-01\", \"isAdmin\": true}", "request.malformed", 400)]
    [InlineData("{\"externalId\": \"u1\", \"externalId\": \"u2\", \"birthDate\": \"1990-01-01\"}", "request.malformed", 400)]
    [InlineData("{\"birthDate\": \"1990-01-01\"}", "request.malformed", 400)]
    [InlineData("{\"externalId\": \"u1\", \"birthDate\": \"1990-02-30\"}", "validation.failed", 422)]
    [InlineData("{\"externalId\": \"u1\", \"birthDate\": \"2999-01-01\"}", "validation.failed", 422)]
    [InlineData("{\"externalId\": \"u1\\u0000\\u202e\", \"birthDate\": \"1990-01-01\"}", "request.malformed", 400)]
    [InlineData("{\"externalId\": \"u1\", \"birthDate\": \"2020-01-01\"}", "consent.guardian-required", 422)]
    public async Task Bad_subject_bodies_get_a_problem_and_store_nothing(string json, string code, int status)
    {
        var before = await Server.Host.Store.CountSubjectsAsync(CordonServer.Tenant, default);

        var (response, body) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects", Server.App, json: json);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(code, body!["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["traceId"]!.GetValue<string>()));
        Assert.Equal(before, await Server.Host.Store.CountSubjectsAsync(CordonServer.Tenant, default));
    }

    [Fact]
    public async Task A_wrong_content_type_is_415()
    {
        using var request = Server.Request(HttpMethod.Post, "/v1/subjects", Server.App);
        request.Content = new StringContent("externalId=u1", Encoding.UTF8, "application/x-www-form-urlencoded");
        var response = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("request.unsupported-media-type", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_bodies_are_413_whether_declared_or_streamed()
    {
        var big = "{\"externalId\":\"" + new string('x', 70 * 1024) + "\",\"birthDate\":\"1990-01-01\"}";
        var (declared, body) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects", Server.App, json: big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("request.too-large", body!["code"]!.GetValue<string>());

        using var request = Server.Request(HttpMethod.Post, "/v1/subjects", Server.App);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content = content;
        request.Headers.TransferEncodingChunked = true;
        var before = await Server.Host.Store.CountSubjectsAsync(CordonServer.Tenant, default);
        try
        {
            // The server answers as soon as the limit is passed and may close the connection while the client is
            // still sending; either way the client never gets anything but a 413 and nothing is stored.
            var streamed = await Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        }
        catch (HttpRequestException)
        {
        }

        Assert.Equal(before, await Server.Host.Store.CountSubjectsAsync(CordonServer.Tenant, default));
    }

    [Fact]
    public async Task A_duplicate_external_id_is_a_conflict()
    {
        var body = new { externalId = "same-user", birthDate = "1990-01-01" };
        var (first, _) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects", Server.App, json: body);
        var (second, problem) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects", Server.App, json: body);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("subject.exists", problem!["code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/v1/subjects/not-an-id")]
    [InlineData("/v1/subjects/sub_0000000000000000")]
    [InlineData("/v1/subjects/%27%20OR%201%3D1--")]
    public async Task Unknown_or_hostile_ids_are_404(string path)
    {
        var (response, body) = await Server.SendAsync(HttpMethod.Get, path, Server.App);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not-found", body!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_routes_and_methods_are_problems_too()
    {
        var (route, body) = await Server.SendAsync(HttpMethod.Get, "/v1/nothing-here", Server.App);
        Assert.Equal(HttpStatusCode.NotFound, route.StatusCode);
        Assert.Equal("not-found", body!["code"]!.GetValue<string>());
        var (method, _) = await Server.SendAsync(HttpMethod.Delete, "/v1/audit", Server.Dpo);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, method.StatusCode);
    }

    [Fact]
    public async Task The_privacy_notice_is_public_in_json_markdown_and_html()
    {
        var (json, body) = await Server.SendAsync(HttpMethod.Get, "/v1/privacy-notice", null);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal(Server.NoticeVersion, body!["version"]!.GetValue<string>());
        Assert.Contains(body["purposes"]!.AsArray(), p => p!["key"]!.GetValue<string>() == "consultation");

        using var html = new HttpRequestMessage(HttpMethod.Get, "/v1/privacy-notice");
        html.Headers.Accept.ParseAdd("text/html");
        var page = await Server.Http.SendAsync(html);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var md = new HttpRequestMessage(HttpMethod.Get, "/v1/privacy-notice");
        md.Headers.Accept.ParseAdd("text/markdown");
        var markdown = await Server.Http.SendAsync(md);
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Consent_grants_cite_the_current_notice_and_one_purpose()
    {
        var subject = await Server.CreateSubjectAsync();
        var (stale, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", Server.App, json: new { purpose = "consultation", action = "grant", noticeVersion = "0000", channel = "app", grantedBy = "self" });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("consent.notice-outdated", problem!["code"]!.GetValue<string>());
        Assert.Equal("R04", problem["rule"]!.GetValue<string>());

        var (bundled, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", Server.App, json: "{\"purpose\":[\"consultation\",\"marketing.push\"],\"action\":\"grant\",\"noticeVersion\":\"" + Server.NoticeVersion + "\",\"channel\":\"app\"}");
        Assert.Equal(HttpStatusCode.BadRequest, bundled.StatusCode);

        var (legal, legalProblem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", Server.App, json: new { purpose = "security.logging", action = "grant", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.Equal((HttpStatusCode)422, legal.StatusCode);
        Assert.Equal("R01", legalProblem!["rule"]!.GetValue<string>());

        await Server.GrantAsync(subject, "consultation");
        await Server.GrantAsync(subject, "marketing.push");
        await Server.WithdrawAsync(subject, "marketing.push");
        var (_, consents) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/consents", Server.App);
        Assert.Equal(3, consents!["history"]!.AsArray().Count);
        var current = consents["current"]!.AsArray().ToDictionary(c => c!["purpose"]!.GetValue<string>(), c => c!["state"]!.GetValue<string>());
        Assert.Equal("granted", current["consultation"]);
        Assert.Equal("withdrawn", current["marketing.push"]);
    }

    [Fact]
    public async Task Subjects_are_found_by_blind_index_and_never_by_url()
    {
        var (idNumber, _) = CordonServer.ChineseIdentifiers(5);
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        await Server.WriteAsync(subject, "appointment", new { resourceType = "Patient", identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = idNumber } } });

        var (_, found) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects/search", Server.App, json: new { kind = "cn-resident-id", value = idNumber.ToLowerInvariant() });
        Assert.Equal([subject], found!["subjects"]!.AsArray().Select(s => s!.GetValue<string>()));

        var (bad, problem) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects/search", Server.App, json: new { kind = "cn-resident-id", value = "123" });
        Assert.Equal((HttpStatusCode)422, bad.StatusCode);
        Assert.Equal("validation.failed", problem!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_patient_token_reads_only_its_own_subject()
    {
        var mine = await Server.CreateSubjectAsync();
        var other = await Server.CreateSubjectAsync();
        var token = Server.Token(Role.Patient, "user-a", mine);

        var (own, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{mine}", token);
        var (theirs, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{other}", token);

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, theirs.StatusCode);
        Assert.Equal("access.not-the-subject", problem!["code"]!.GetValue<string>());
    }
}

/// <summary>Refusals on the consent ledger and subject reads that name their rule.</summary>
public sealed class ConsentAndSubjectRefusalTests : IAsyncLifetime
{
    private CordonServer? _server;

    private CordonServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await CordonServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task No_new_consent_is_recorded_for_a_restricted_subject_but_a_withdrawal_is()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.SendAsync(HttpMethod.Put, $"/v1/subjects/{subject}/state", Server.Admin, json: new { state = "restricted", reason = "患者要求" });

        var (grant, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", Server.App, json: new { purpose = "consultation", action = "grant", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.Equal(HttpStatusCode.Forbidden, grant.StatusCode);
        Assert.Equal("R19", problem!["rule"]!.GetValue<string>());

        var (withdraw, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", Server.App, json: new { purpose = "consultation", action = "withdraw", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.Equal(HttpStatusCode.Created, withdraw.StatusCode);
    }

    [Fact]
    public async Task A_patient_records_consent_only_for_themselves_and_only_as_self()
    {
        var mine = await Server.CreateSubjectAsync();
        var other = await Server.CreateSubjectAsync();
        var token = Server.Token(Role.Patient, "user-a", mine);

        var (foreign, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{other}/consents", token, json: new { purpose = "consultation", action = "grant", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal("access.not-the-subject", problem!["code"]!.GetValue<string>());

        var (asGuardian, mismatch) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{mine}/consents", token, json: new { purpose = "consultation", action = "grant", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "guardian" });
        Assert.Equal((HttpStatusCode)422, asGuardian.StatusCode);
        Assert.NotNull(mismatch!["errors"]!["grantedBy"]);

        var (own, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{mine}/consents", token, json: new { purpose = "consultation", action = "grant", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }

    [Fact]
    public async Task A_childs_account_needs_the_guardians_consent_though_adults_need_only_a_contract()
    {
        var guardian = await Server.CreateSubjectAsync("1982-01-01");
        var child = await Server.CreateSubjectAsync("2016-09-09", guardian);

        await Server.GrantAsync(child, "consultation", "guardian", Server.Token(Role.Guardian, "parent", guardian));
        var (before, childProblem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{child}/records", Server.App, "account", new { resourceType = "Account", mobile = "13900001111" });
        Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        Assert.Equal("consent.guardian-required", childProblem!["code"]!.GetValue<string>());

        await Server.GrantAsync(child, "account", "guardian", Server.Token(Role.Guardian, "parent", guardian));
        var (after, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{child}/records", Server.App, "account", new { resourceType = "Account", mobile = "13900001111" });
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }

    [Fact]
    public async Task A_clinician_outside_the_care_team_cannot_read_the_subject()
    {
        var subject = await Server.CreateSubjectAsync();
        var (response, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}", Server.Token(Role.Nurse, "nurse-x"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("access.no-care-relationship", problem!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_automated_agent_token_cannot_act_as_a_physician_R53()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.AddCareTeamAsync(subject, "triage-bot", "physician");
        var bot = Server.Token(Role.Physician, "triage-bot", automated: true);

        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", bot, "consultation", CordonServer.Condition("J06.9", "上呼吸道感染"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("access.automated-actor", problem!["code"]!.GetValue<string>());
        Assert.Equal("R53", problem["rule"]!.GetValue<string>());
        Assert.Equal(0, await Server.CountRecordsAsync(subject));
    }

    [Fact]
    public async Task Missing_and_unknown_purposes_cite_R01()
    {
        var subject = await Server.CreateSubjectAsync();
        var (_, missing) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App);
        Assert.Equal("purpose.missing", missing!["code"]!.GetValue<string>());
        Assert.Equal("R01", missing["rule"]!.GetValue<string>());
        var (_, unknown) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "growth-hacking");
        Assert.Equal("purpose.unknown", unknown!["code"]!.GetValue<string>());
        Assert.Equal("R01", unknown["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task Permitted_changes_carry_their_rules_in_the_audit()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        var record = await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));
        await Server.WithdrawAsync(subject, "consultation");

        var entries = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { SubjectId = subject }, default);
        Assert.Contains(entries, e => e.Draft.Action == "consent.grant" && e.Draft.Rules.Contains("R02"));
        Assert.Contains(entries, e => e.Draft.Action == "record.write" && e.Draft.RecordIds.Contains(record) && e.Draft.Rules.Contains("R02"));
        Assert.Contains(entries, e => e.Draft.Action == "consent.withdraw" && e.Draft.Rules.Contains("R08"));
    }
}

/// <summary>A profile where account registration rests on the contract alone: adults need no consent, children their guardian's.</summary>
public sealed class ContractForChildrenTests : IAsyncLifetime
{
    private CordonServer? _server;

    private CordonServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await CordonServer.StartAsync(editProfile: text =>
        text.Replace("    legalBasis: contract\n    consent: general\n    necessary: true\n    service: account", "    legalBasis: contract\n    consent: none\n    necessary: true\n    service: account", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Adults_contract_without_consent_and_children_need_their_guardians()
    {
        Assert.False(Server.TenantContext.Profile.FindPurpose("account")!.NeedsConsent);
        var adult = await Server.CreateSubjectAsync();
        var (adultWrite, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{adult}/records", Server.App, "account", new { resourceType = "Account", mobile = "13900002222" });
        Assert.Equal(HttpStatusCode.Created, adultWrite.StatusCode);
        var (adultGrant, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{adult}/consents", Server.App, json: new { purpose = "account", action = "grant", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.Equal((HttpStatusCode)422, adultGrant.StatusCode);

        var guardian = await Server.CreateSubjectAsync("1981-01-01");
        var child = await Server.CreateSubjectAsync("2017-03-03", guardian);
        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{child}/records", Server.App, "account", new { resourceType = "Account", mobile = "13900003333" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("consent.guardian-required", problem!["code"]!.GetValue<string>());

        await Server.GrantAsync(child, "account", "guardian", Server.Token(Role.Guardian, "parent", guardian));
        var (allowed, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{child}/records", Server.App, "account", new { resourceType = "Account", mobile = "13900003333" });
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }
}
