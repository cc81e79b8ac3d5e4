using Cordon.Core.Access;
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

    private CordonServer Server => _server!;

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

        await Assertions.Expect(page.GetByTestId("decision")).ToContainTextAsync("deny");
        await Assertions.Expect(page.GetByTestId("decision-result")).ToContainTextAsync("consent.missing");
    }

    private async Task<IPage> OpenAsync(string token)
    {
        if (_browser is null)
        {
            Assert.Skip($"Console tests skipped: {Chromium} is not installed (apt-get install chromium).");
        }

        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(Server.Http.BaseAddress + "console/");
        await page.GetByTestId("token").FillAsync(token);
        await page.GetByTestId("signin").ClickAsync();
        await Assertions.Expect(page.GetByTestId("subject-purpose").Locator("option").First).ToBeAttachedAsync();
        return page;
    }
}
