using System.Net;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Core.Rights;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace Cordon.Server.Tests;

/// <summary>
/// The web console in real headless Chromium (Debian's, driven by Playwright; no browser is downloaded).
/// Skipped with a message when /usr/bin/chromium is absent, except in CI (CORDON_REQUIRE_BROWSER=1).
/// </summary>
public sealed class ConsoleTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private CordonServer? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly List<string> _elsewhere = [];

    /// <summary>The server, started only when Chromium is there: without it every test is skipped (and says why) rather than failed.</summary>
    private CordonServer Server
    {
        get
        {
            Assert.SkipWhen(_server is null, $"Console tests skipped: {Chromium} is not installed (apt-get install chromium).");
            return _server!;
        }
    }

    private string Origin => new Uri(Server.Http.BaseAddress!, "/").GetLeftPart(UriPartial.Authority);

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            if (Environment.GetEnvironmentVariable("CORDON_REQUIRE_BROWSER") == "1")
            {
                Assert.Fail($"Chromium is required (CORDON_REQUIRE_BROWSER=1) but {Chromium} is missing.");
            }

            return;
        }

        _server = await CordonServer.StartAsync();
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_DPO_sees_the_rights_queue_with_late_requests_marked()
    {
        Assert.SkipWhen(_browser is null, "Chromium is not installed (/usr/bin/chromium); console tests skipped.");
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        var condition = await Server.WriteAsync(subject, "consultation", new { resourceType = "Condition", subject = new { reference = "Patient/p" }, code = new { text = "高血压" } });
        var token = Server.Token(Role.Patient, "patient-q", subject);
        var (asked, open) = await Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", token, json: new { subjectId = subject, kind = "correction", recordId = condition, resource = new { resourceType = "Condition", subject = new { reference = "Patient/p" }, code = new { text = "原发性高血压" } } });
        Assert.Equal("open", open!["status"]!.GetValue<string>());
        Assert.True(asked.IsSuccessStatusCode);
        Server.Time.Advance(TimeSpan.FromDays(40));

        var page = await OpenAsync(Server.Dpo);
        await page.GetByRole(AriaRole.Button, new() { Name = "Rights · 权利请求" }).ClickAsync();
        await page.Locator("#rights-late").CheckAsync();
        await page.GetByTestId("rights-load").ClickAsync();
        await Assertions.Expect(page.GetByTestId("rights-status-line")).ToContainTextAsync("1 late");
        await Assertions.Expect(page.GetByTestId("rights-table").Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("rights-table").Locator("tbody tr").First).ToContainTextAsync("correction");
    }

    [Fact]
    public async Task The_DPO_signs_in_reads_the_audit_log_and_verifies_the_chain()
    {
        var page = await OpenAsync(Server.Dpo);
        await page.GetByRole(AriaRole.Button, new() { Name = "Audit · 审计" }).ClickAsync();
        await page.GetByTestId("audit-load").ClickAsync();
        await Assertions.Expect(page.GetByTestId("audit-table").Locator("tbody tr").First).ToBeVisibleAsync();

        await page.GetByTestId("audit-verify").ClickAsync();
        await Assertions.Expect(page.GetByTestId("audit-status")).ToContainTextAsync("Chain valid");
        await Assertions.Expect(page.GetByTestId("who")).ToContainTextAsync("dpo-wang · dpo");
    }

    [Fact]
    public async Task Support_staff_see_masked_values_and_refusals_name_their_rule()
    {
        var consented = await Server.CreateSubjectAsync();
        await Server.GrantAsync(consented, "appointment");
        await Server.WriteAsync(consented, "appointment", new
        {
            resourceType = "Patient",
            name = new[] { new { text = "<script>window.pwned=1</script>周敏" } },
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = "11010519491231002X" } },
        });
        var withoutConsent = await Server.CreateSubjectAsync();

        var page = await OpenAsync(Server.Token(Role.Support, "support-zhao"));
        await page.GetByTestId("subject-id").FillAsync(consented);
        await page.GetByTestId("subject-purpose").SelectOptionAsync("appointment");
        await page.GetByTestId("subject-load").ClickAsync();
        var record = page.GetByTestId("record").First;
        await Assertions.Expect(record).ToContainTextAsync("110105********002X");
        await Assertions.Expect(record).Not.ToContainTextAsync("11010519491231002X");
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.pwned"));

        await page.GetByTestId("subject-id").FillAsync(withoutConsent);
        await page.GetByTestId("subject-load").ClickAsync();
        var problem = page.GetByTestId("problem").Last;
        await Assertions.Expect(problem).ToContainTextAsync("consent.missing");
        await Assertions.Expect(problem).ToContainTextAsync("R02");
    }

    [Fact]
    public async Task A_decision_is_explained_rule_by_rule()
    {
        var subject = await Server.CreateSubjectAsync();
        var page = await OpenAsync(Server.Dpo);
        await page.GetByRole(AriaRole.Button, new() { Name = "Decision · 决策" }).ClickAsync();
        await page.Locator("#decision-role").SelectOptionAsync("nurse");
        await page.Locator("#decision-purpose").SelectOptionAsync("consultation");
        await page.GetByTestId("decision-subject").FillAsync(subject);
        await page.Locator("#decision-type").FillAsync("Condition");
        await page.GetByTestId("decision-run").ClickAsync();

        // The default actor is no registered practitioner: the register refuses first (R53).
        await Assertions.Expect(page.GetByTestId("decision")).ToContainTextAsync("deny");
        await Assertions.Expect(page.GetByTestId("decision-result")).ToContainTextAsync("care.practitioner-not-eligible");

        await Server.PractitionerTokenAsync(Role.Nurse, "nurse-console");
        await page.Locator("#decision-actor").FillAsync("nurse-console");
        await page.GetByTestId("decision-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("decision")).ToContainTextAsync("deny");
        await Assertions.Expect(page.GetByTestId("decision-result")).ToContainTextAsync("consent.missing");
    }

    [Fact]
    public async Task A_made_up_token_is_refused_with_the_servers_problem_and_nothing_is_shown()
    {
        static string Part(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var madeUp = Part("{\"alg\":\"HS256\",\"kid\":\"default\",\"typ\":\"JWT\"}") + "." + Part("{\"sub\":\"dpo-wang\",\"role\":\"dpo\",\"tid\":\"default\",\"exp\":4102444800}") + "." + Part("not a signature");

        var page = await SignInPageAsync(madeUp);

        await Assertions.Expect(page.GetByTestId("signin-problem")).ToContainTextAsync("auth.unauthenticated");
        await Assertions.Expect(page.Locator("#tabs")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#tab-audit")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByTestId("who")).ToContainTextAsync("Not signed in");
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('cordon.token')"));

        // The real token is accepted by the server, which names the actor, role and tenant.
        await page.GetByTestId("token").FillAsync(Server.Dpo);
        await page.GetByTestId("signin").ClickAsync();
        await Assertions.Expect(page.GetByTestId("who")).ToContainTextAsync("dpo-wang · dpo · tenant default");
        await Assertions.Expect(page.Locator("#tabs")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("signin-problem")).ToBeEmptyAsync();
        AssertNothingLeftCordon();
    }

    [Fact]
    public async Task The_decision_tab_prints_no_null_for_a_deny_or_a_masked_permit()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var page = await OpenAsync(Server.Dpo);
        await page.GetByRole(AriaRole.Button, new() { Name = "Decision · 决策" }).ClickAsync();
        await page.GetByTestId("decision-subject").FillAsync(subject);

        await page.Locator("#decision-role").SelectOptionAsync("nurse");
        await page.Locator("#decision-purpose").SelectOptionAsync("consultation");
        await page.Locator("#decision-type").FillAsync("Condition");
        await page.GetByTestId("decision-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("decision")).ToContainTextAsync("deny · 拒绝");
        await Assertions.Expect(page.GetByTestId("decision-result")).Not.ToContainTextAsync("null");

        await page.Locator("#decision-role").SelectOptionAsync("support");
        await page.Locator("#decision-purpose").SelectOptionAsync("appointment");
        await page.Locator("#decision-type").FillAsync("Patient");
        await page.GetByTestId("decision-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("decision")).ToContainTextAsync("permit-masked");
        await Assertions.Expect(page.GetByTestId("decision-result")).ToContainTextAsync("Masks · 脱敏");
        await Assertions.Expect(page.GetByTestId("decision-result")).Not.ToContainTextAsync("null");
        await Assertions.Expect(page.GetByTestId("decision-result")).Not.ToContainTextAsync("undefined");
        AssertNothingLeftCordon();
    }

    [Fact]
    public async Task The_audit_view_is_newest_first_pages_filters_shows_Beijing_time_and_exports_the_filtered_rows_as_CSV()
    {
        for (var i = 0; i < 3; i++)
        {
            await Server.CreateSubjectAsync();
        }

        Server.Time.Advance(TimeSpan.FromDays(3));
        var later = Server.Time.GetUtcNow();
        for (var i = 0; i < 25; i++)
        {
            await Server.CreateSubjectAsync();
        }

        // A request id a spreadsheet would read as a formula: the export must defuse it.
        using (var request = Server.Request(HttpMethod.Post, "/v1/subjects", Server.App, json: new { externalId = "csv-" + Guid.NewGuid().ToString("N"), birthDate = "1980-01-01" }))
        {
            request.Headers.Add("X-Request-Id", "-2-3");
            Assert.Equal(HttpStatusCode.Created, (await Server.Http.SendAsync(request)).StatusCode);
        }

        var unconsented = await Server.CreateSubjectAsync();
        var (refused, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{unconsented}/records", Server.Token(Role.Support, "support-zhao"), "appointment");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var page = await OpenAsync(Server.Dpo);
        await page.GetByRole(AriaRole.Button, new() { Name = "Audit · 审计" }).ClickAsync();
        await page.GetByTestId("audit-limit").SelectOptionAsync("20");
        await page.GetByTestId("audit-load").ClickAsync();
        var rows = page.GetByTestId("audit-table").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(20);
        var firstPage = (await rows.Locator("td:first-child").AllInnerTextsAsync()).Select(t => long.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(firstPage.OrderDescending(), firstPage);
        await Assertions.Expect(rows.First.Locator("td").Nth(1)).ToHaveTextAsync(Beijing(later));
        await Assertions.Expect(page.GetByTestId("audit-table").Locator("thead")).ToContainTextAsync("Beijing, UTC+8");
        await Assertions.Expect(page.GetByTestId("audit-table").Locator("thead")).ToContainTextAsync("操作者");

        // Older, then back to the newest.
        await page.GetByTestId("audit-older").ClickAsync();
        await Assertions.Expect(page.GetByTestId("audit-page")).ToContainTextAsync("page 2");
        await Assertions.Expect(rows.First).Not.ToHaveAttributeAsync("data-entry", firstPage[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
        var secondPage = (await rows.Locator("td:first-child").AllInnerTextsAsync()).Select(t => long.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(secondPage);
        Assert.True(secondPage.Max() < firstPage.Min(), "page 2 holds only older entries");
        await page.GetByTestId("audit-newer").ClickAsync();
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-entry", firstPage[0].ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Action and outcome: the one refusal.
        await page.GetByTestId("audit-action").FillAsync("record.read");
        await page.GetByTestId("audit-outcome").SelectOptionAsync("deny");
        await page.GetByTestId("audit-load").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("consent.missing");
        await Assertions.Expect(rows.First).ToContainTextAsync("deny · 拒绝");

        // Time range (Beijing), action and outcome: the 27 subjects created after the clock moved, not the 3 before.
        await page.GetByTestId("audit-action").FillAsync("subject.create");
        await page.GetByTestId("audit-outcome").SelectOptionAsync("done");
        await page.GetByTestId("audit-from").FillAsync(BeijingInput(later.AddHours(-1)));
        await page.GetByTestId("audit-to").FillAsync(BeijingInput(later.AddHours(1)));
        await page.GetByTestId("audit-limit").SelectOptionAsync("50");
        await page.GetByTestId("audit-load").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(27);
        foreach (var row in await rows.AllAsync())
        {
            await Assertions.Expect(row).ToContainTextAsync("subject.create");
        }

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("audit-export").ClickAsync(), new() { Timeout = 60_000 });
        var bytes = await File.ReadAllBytesAsync(await download.PathAsync());
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = System.Text.Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.StartsWith("\"id\",\"lane\",\"seq\",\"time (Beijing, UTC+8)\"", lines[0], StringComparison.Ordinal);
        Assert.Equal(27, lines.Count - 1);
        Assert.All(lines.Skip(1), line =>
        {
            Assert.Contains("\"subject.create\"", line, StringComparison.Ordinal);
            Assert.Contains(Beijing(later), line, StringComparison.Ordinal);
        });
        Assert.Contains(lines, line => line.Contains("\"'-2-3\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("\"-2-3\"", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("audit-status")).ToContainTextAsync("Exported 27 entries");
        AssertNothingLeftCordon();
    }

    [Fact]
    public async Task The_rights_queue_shows_working_days_left_and_the_DPO_completes_and_refuses_on_the_server()
    {
        var (first, firstCondition) = await PatientWithConditionAsync();
        var late = await CorrectionAsync(first, firstCondition);
        Server.Time.Advance(TimeSpan.FromDays(40));
        var (second, secondCondition) = await PatientWithConditionAsync();
        var fresh = await CorrectionAsync(second, secondCondition);
        var today = BeijingToday;
        var calendar = WorkingCalendar.ChinaDefault;
        var freshLeft = calendar.WorkingDaysBetween(today, DateOnly.Parse((await RightsRequestAsync(fresh))["dueOn"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        var lateBy = calendar.WorkingDaysBetween(DateOnly.Parse((await RightsRequestAsync(late))["dueOn"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), today);
        Assert.True(freshLeft > 0 && lateBy > 0);

        var page = await OpenAsync(Server.Dpo);
        await page.GetByRole(AriaRole.Button, new() { Name = "Rights · 权利请求" }).ClickAsync();
        await page.GetByTestId("rights-load").ClickAsync();
        var lateRow = page.Locator($"tr[data-request='{late}']");
        var freshRow = page.Locator($"tr[data-request='{fresh}']");
        await Assertions.Expect(freshRow.GetByTestId("rights-days-left")).ToHaveTextAsync($"{freshLeft} working days · {freshLeft} 个工作日");
        await Assertions.Expect(lateRow.GetByTestId("rights-days-left")).ToHaveTextAsync($"late by {lateBy} working days · 逾期 {lateBy} 个工作日");
        await Assertions.Expect(lateRow).ToContainTextAsync("correction · 更正");
        await Assertions.Expect(page.GetByTestId("rights-table").Locator("thead")).ToContainTextAsync("Working days left · 剩余工作日");

        await lateRow.GetByTestId("rights-note").FillAsync("医生已核实并更正发病时间");
        await lateRow.GetByTestId("rights-complete").ClickAsync();
        await Assertions.Expect(lateRow.GetByTestId("rights-state")).ToHaveTextAsync("completed · 已完成");
        Assert.Equal("completed", (await RightsRequestAsync(late))["status"]!.GetValue<string>());

        // A refusal without its rule is refused by the server, which names the field; with the rule it is recorded.
        await freshRow.GetByTestId("rights-note").FillAsync("病历记载与就诊记录一致，不予更正");
        await freshRow.GetByTestId("rights-refuse").ClickAsync();
        await Assertions.Expect(page.GetByTestId("rights-status-line")).ToContainTextAsync("validation.failed");
        await Assertions.Expect(page.GetByTestId("rights-status-line")).ToContainTextAsync("rule");
        await freshRow.GetByTestId("rights-rule").FillAsync("R22");
        await freshRow.GetByTestId("rights-refuse").ClickAsync();
        await Assertions.Expect(freshRow.GetByTestId("rights-state")).ToHaveTextAsync("refused · 已拒绝");
        var refusedView = await RightsRequestAsync(fresh);
        Assert.Equal("refused", refusedView["status"]!.GetValue<string>());
        Assert.Equal("R22", refusedView["refusal"]!["rule"]!.GetValue<string>());
        AssertNothingLeftCordon();
    }

    [Fact]
    public async Task The_DPO_verifies_a_relatives_proof_and_retries_a_failed_portability_from_the_queue()
    {
        var deceased = await Server.CreateSubjectAsync();
        var (dead, _) = await Server.SendAsync(HttpMethod.Put, $"/v1/subjects/{deceased}/state", Server.Admin, json: new { state = "deceased", reason = "死亡证明已登记" });
        Assert.Equal(HttpStatusCode.OK, dead.StatusCode);
        var relative = await Server.CreateSubjectAsync();
        var asked = await RequestAsync(Server.Token(Role.Patient, "relative-" + relative, relative), new { subjectId = deceased, kind = "access", relation = "close-relative", proofReference = "死亡医学证明 2026-0042" });
        Assert.Equal("open", asked["status"]!.GetValue<string>());
        var proofRequest = asked["id"]!.GetValue<string>();

        // A receiving processor that fails until it is told to answer.
        var answering = false;
        var delivered = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = builder.Build();
        receiver.MapPost("/fhir", () =>
        {
            if (!Volatile.Read(ref answering))
            {
                return Results.StatusCode(503);
            }

            Interlocked.Increment(ref delivered);
            return Results.Ok();
        });
        await receiver.StartAsync();
        var (porter, _) = await PatientWithConditionAsync();
        var ported = await RequestAsync(Server.Token(Role.Patient, "patient-" + porter, porter), new { subjectId = porter, kind = "portability", destination = new { name = "另一家互联网医院", endpoint = receiver.Urls.First() + "/fhir" } });
        Assert.Equal("open", ported["status"]!.GetValue<string>());
        var portability = ported["id"]!.GetValue<string>();

        var page = await OpenAsync(Server.Dpo);
        await page.GetByRole(AriaRole.Button, new() { Name = "Rights · 权利请求" }).ClickAsync();
        await page.GetByTestId("rights-load").ClickAsync();
        var proofRow = page.Locator($"tr[data-request='{proofRequest}']");
        await Assertions.Expect(proofRow).ToContainTextAsync("close-relative · 近亲属");
        await Assertions.Expect(proofRow).ToContainTextAsync("死亡医学证明 2026-0042");
        await proofRow.GetByTestId("rights-verify").ClickAsync();
        await Assertions.Expect(proofRow.GetByTestId("rights-state")).ToHaveTextAsync("completed · 已完成");
        Assert.Equal("completed", (await RightsRequestAsync(proofRequest))["status"]!.GetValue<string>());

        Volatile.Write(ref answering, true);
        var portRow = page.Locator($"tr[data-request='{portability}']");
        await portRow.GetByTestId("rights-retry").ClickAsync();
        await Assertions.Expect(portRow.GetByTestId("rights-state")).ToHaveTextAsync("completed · 已完成");
        Assert.Equal("completed", (await RightsRequestAsync(portability))["status"]!.GetValue<string>());
        Assert.Equal(1, Volatile.Read(ref delivered));
        AssertNothingLeftCordon();
    }

    [Fact]
    public async Task Support_finds_a_patient_by_mobile_or_ID_number_and_neither_travels_in_a_URL()
    {
        var (idNumber, mobile) = CordonServer.ChineseIdentifiers(7);
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "account");
        await Server.GrantAsync(subject, "appointment");
        await Server.WriteAsync(subject, "account", new { resourceType = "Account", mobile });
        await Server.WriteAsync(subject, "appointment", new { resourceType = "Patient", name = new[] { new { text = "欧阳明月" } }, identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = idNumber } } });
        var urls = new List<string>();

        var page = await OpenAsync(Server.Token(Role.Support, "support-zhao"));
        page.Request += (_, request) =>
        {
            lock (urls)
            {
                urls.Add(request.Url);
            }
        };
        await page.GetByTestId("search-kind").SelectOptionAsync("cn-mobile");
        await page.GetByTestId("search-value").FillAsync(mobile);
        await page.GetByTestId("search-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("search-hit")).ToHaveTextAsync(subject);

        await page.GetByTestId("search-kind").SelectOptionAsync("cn-resident-id");
        await page.GetByTestId("search-value").FillAsync(idNumber);
        await page.GetByTestId("search-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("search-result")).ToContainTextAsync("1 found");
        await Assertions.Expect(page.GetByTestId("search-hit")).ToHaveTextAsync(subject);

        // Opening the hit shows the patient under the chosen purpose, masked for support staff.
        await page.GetByTestId("subject-purpose").SelectOptionAsync("appointment");
        await page.GetByTestId("search-hit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("subject-id")).ToHaveValueAsync(subject);
        await Assertions.Expect(page.GetByTestId("record").First).ToContainTextAsync(idNumber[..6] + "********");
        await Assertions.Expect(page.GetByTestId("record").First).Not.ToContainTextAsync(idNumber);
        await Assertions.Expect(page.GetByTestId("subject-result")).ToContainTextAsync("active · 正常");

        lock (urls)
        {
            Assert.Contains(urls, u => u.EndsWith("/v1/subjects/search", StringComparison.Ordinal));
            Assert.DoesNotContain(urls, u => u.Contains(mobile, StringComparison.Ordinal) || u.Contains(idNumber, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(Server.Logs.Lines, line => line.Contains(mobile, StringComparison.Ordinal) || line.Contains(idNumber, StringComparison.Ordinal));
        AssertNothingLeftCordon();
    }

    [Fact]
    public async Task The_DPO_sees_the_recipient_register_with_what_is_missing_the_disclosure_log_and_the_cross_border_counts()
    {
        // One disclosure the gate refuses (the default profile declares no fields for the pharmacy): it is on the log.
        var subject = await Server.CreateSubjectAsync();
        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, "/v1/disclosures", Server.Dpo, "prescription", json: new { recipient = "partner-pharmacy", subjectIds = new[] { subject } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("sharing.field-not-allowed", problem!["code"]!.GetValue<string>());

        var page = await OpenAsync(Server.Dpo);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sharing · 共享" }).ClickAsync();
        var recipients = page.GetByTestId("recipients-table").Locator("tbody tr");
        await Assertions.Expect(recipients).ToHaveCountAsync(3);
        foreach (var key in new[] { "sms-gateway", "payment-gateway", "partner-pharmacy" })
        {
            var row = page.Locator($"#recipients-table tr[data-recipient='{key}']");
            await Assertions.Expect(row.GetByTestId("recipient-missing")).ToContainTextAsync("contract: none recorded (R11)");
            await Assertions.Expect(row.GetByTestId("recipient-contract")).ToHaveTextAsync("none · 无");
        }

        await Assertions.Expect(page.Locator("#recipients-table tr[data-recipient='sms-gateway']")).ToContainTextAsync("entrust · 委托处理");
        await Assertions.Expect(page.Locator("#recipients-table tr[data-recipient='partner-pharmacy']")).ToContainTextAsync("prescription");
        await Assertions.Expect(page.GetByTestId("recipients-table").Locator("thead")).ToContainTextAsync("Missing · 尚缺");

        var disclosures = page.GetByTestId("disclosures-table").Locator("tbody tr");
        await Assertions.Expect(disclosures).ToHaveCountAsync(1);
        await Assertions.Expect(disclosures.First.GetByTestId("disclosure-status")).ToHaveTextAsync("refused · 已拒绝");
        await Assertions.Expect(disclosures.First).ToContainTextAsync("partner-pharmacy");
        await Assertions.Expect(disclosures.First).ToContainTextAsync("sharing.field-not-allowed");

        await Assertions.Expect(page.GetByTestId("crossborder-year")).ToHaveTextAsync(BeijingToday.Year.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByTestId("crossborder-non-sensitive")).ToHaveTextAsync("0");
        await Assertions.Expect(page.GetByTestId("crossborder-sensitive")).ToHaveTextAsync("0");
        await Assertions.Expect(page.GetByTestId("crossborder-required")).ToHaveTextAsync("none · 无需");
        await Assertions.Expect(page.GetByTestId("crossborder")).ToContainTextAsync("No recipient in the register is abroad");
        await Assertions.Expect(page.GetByTestId("problem")).ToHaveCountAsync(0);
        AssertNothingLeftCordon();
    }

    [Fact]
    public async Task Security_reads_the_register_without_the_cross_border_counts_and_support_has_no_sharing_tab()
    {
        var page = await OpenAsync(Server.Token(Role.Security, "sec-liu"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sharing · 共享" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("recipients-table").Locator("tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.GetByTestId("disclosures-status")).ToContainTextAsync("No disclosure yet");
        await Assertions.Expect(page.GetByTestId("crossborder")).ToContainTextAsync("for the DPO and administrators");
        await Assertions.Expect(page.GetByTestId("problem")).ToHaveCountAsync(0);

        var support = await OpenAsync(Server.Token(Role.Support, "support-zhao"));
        await Assertions.Expect(support.Locator("nav button[data-tab='sharing']")).ToBeHiddenAsync();
        await Assertions.Expect(support.Locator("#tab-sharing")).ToBeHiddenAsync();
        AssertNothingLeftCordon();
    }

    private async Task<IPage> OpenAsync(string token)
    {
        var page = await SignInPageAsync(token);
        await Assertions.Expect(page.GetByTestId("subject-purpose").Locator("option").First).ToBeAttachedAsync();
        return page;
    }

    /// <summary>The console with the token pasted and "Sign in" pressed; every request to a host other than Cordon's is noted.</summary>
    private async Task<IPage> SignInPageAsync(string token)
    {
        if (_browser is null)
        {
            Assert.Skip($"Console tests skipped: {Chromium} is not installed (apt-get install chromium).");
        }

        var page = await _browser!.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(Origin, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal) && !request.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                lock (_elsewhere)
                {
                    _elsewhere.Add(request.Url);
                }
            }
        };
        await page.GotoAsync(Server.Http.BaseAddress + "console/");
        await page.GetByTestId("token").FillAsync(token);
        await page.GetByTestId("signin").ClickAsync();
        return page;
    }

    private void AssertNothingLeftCordon()
    {
        lock (_elsewhere)
        {
            Assert.Empty(_elsewhere);
        }
    }

    private static string Beijing(DateTimeOffset time) => time.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " +08:00";

    private static string BeijingInput(DateTimeOffset time) => time.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    private DateOnly BeijingToday => DateOnly.FromDateTime(Server.Time.GetUtcNow().UtcDateTime.AddHours(8));

    private async Task<JsonNode> RequestAsync(string token, object body)
    {
        var (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", token, json: body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        return json!;
    }

    private async Task<JsonNode> RightsRequestAsync(string id)
    {
        var (response, json) = await Server.SendAsync(HttpMethod.Get, $"/v1/rights-requests/{id}", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return json!;
    }

    private async Task<(string Subject, string Condition)> PatientWithConditionAsync()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        var condition = await Server.WriteAsync(subject, "consultation", new { resourceType = "Condition", subject = new { reference = "Patient/p" }, code = new { text = "高血压" } });
        return (subject, condition);
    }

    private async Task<string> CorrectionAsync(string subject, string condition)
    {
        var open = await RequestAsync(Server.Token(Role.Patient, "patient-" + subject, subject), new { subjectId = subject, kind = "correction", recordId = condition, resource = new { resourceType = "Condition", subject = new { reference = "Patient/p" }, code = new { text = "原发性高血压" } } });
        Assert.Equal("open", open["status"]!.GetValue<string>());
        return open["id"]!.GetValue<string>();
    }
}
