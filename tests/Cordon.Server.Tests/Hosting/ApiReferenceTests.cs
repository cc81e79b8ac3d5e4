using Microsoft.Playwright;

namespace Cordon.Server.Tests.Hosting;

/// <summary>
/// The API reference at /docs in real headless Chromium (Debian's, driven by Playwright; no browser is downloaded):
/// it renders from this server alone and offers nothing that would send the document or a request elsewhere.
/// Every request the page makes is recorded, and any to another host is aborted and recorded too, so a call abroad
/// fails the test even when it would have failed silently in the page. Skipped with a message when /usr/bin/chromium
/// is absent, except in CI (CORDON_REQUIRE_BROWSER=1).
/// </summary>
public sealed class ApiReferenceTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>Generous: the suite shares two busy cores; Playwright returns as soon as the condition holds.</summary>
    private const float Patience = 120_000;

    private const string RecordWrite = "a[href$='/POST/v1/subjects/{id}/records']";

    private static readonly string[] Upsells = ["Ask AI", "Share", "Generate SDK", "Deploy", "Powered by Scalar"];

    private CordonServer? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private CordonServer Server => _server!;

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
    public async Task The_reference_renders_every_operation_from_this_server_alone_and_offers_no_upsell()
    {
        Assert.SkipWhen(_browser is null, "Chromium is not installed (/usr/bin/chromium); API reference tests skipped.");
        var (page, traffic) = await OpenAsync(new ViewportSize { Width = 1280, Height = 900 });

        var text = await page.InnerTextAsync("body");
        Assert.Contains("Write a record (FHIR R4 resource or declared record) under a purpose", text, StringComparison.Ordinal);
        foreach (var upsell in Upsells)
        {
            Assert.DoesNotContain(upsell, text, StringComparison.Ordinal);
        }

        // No visible link leads to another host either (the footer's "Powered by Scalar" did).
        var foreignLinks = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('a[href]')].filter(a => a.offsetParent !== null && /^https?:/.test(a.href) && new URL(a.href).origin !== location.origin).map(a => a.href)");
        Assert.Empty(foreignLinks);

        // Operations show their operationId, as SDK generators will name them.
        await page.Locator(RecordWrite).First.ClickAsync(new() { Timeout = Patience });
        await Assertions.Expect(page.GetByText("postSubjectRecords", new() { Exact = true })).ToBeVisibleAsync(new() { Timeout = Patience });
        traffic.AssertLocal(Origin, "/docs/", "/docs/scalar.js", "/openapi/v1.json");
    }

    [Fact]
    public async Task A_test_request_goes_straight_to_this_server_with_the_example_body()
    {
        Assert.SkipWhen(_browser is null, "Chromium is not installed (/usr/bin/chromium); API reference tests skipped.");
        var (page, traffic) = await OpenAsync(new ViewportSize { Width = 1280, Height = 900 });

        await page.Locator(RecordWrite).First.ClickAsync(new() { Timeout = Patience });
        await page.GetByRole(AriaRole.Button, new() { Name = "Test Request (post /v1/subjects/{id}/records)" }).ClickAsync(new() { Timeout = Patience });
        var client = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(client).ToContainTextAsync("\"resourceType\": \"Observation\"", new() { Timeout = Patience });
        var sent = page.WaitForResponseAsync(r => r.Url.Contains("/records", StringComparison.Ordinal) && r.Request.Method == "POST", new() { Timeout = Patience });
        await client.GetByRole(AriaRole.Button, new() { Name = "Send" }).First.ClickAsync(new() { Timeout = Patience });
        var response = await sent;

        // No token was given: Cordon itself answers 401 (at the example subject id), not a proxy abroad.
        Assert.Equal(401, response.Status);
        Assert.Equal(Origin + "/v1/subjects/sub_7gq2m4xkpb3tzj8w/records", response.Url);
        Assert.Contains("auth.unauthenticated", await response.TextAsync(), StringComparison.Ordinal);
        traffic.AssertLocal(Origin, "/docs/", "/openapi/v1.json", "/v1/subjects/");
    }

    [Fact]
    public async Task On_a_phone_the_menu_shows_the_operations_and_still_calls_no_one()
    {
        Assert.SkipWhen(_browser is null, "Chromium is not installed (/usr/bin/chromium); API reference tests skipped.");
        var (page, traffic) = await OpenAsync(new ViewportSize { Width = 390, Height = 844 });

        await page.GetByRole(AriaRole.Button, new() { Name = "Open Menu" }).First.ClickAsync(new() { Timeout = Patience });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Open Group - Records" })).ToBeVisibleAsync(new() { Timeout = Patience });
        var text = await page.InnerTextAsync("body");
        foreach (var upsell in Upsells)
        {
            Assert.DoesNotContain(upsell, text, StringComparison.Ordinal);
        }

        traffic.AssertLocal(Origin, "/docs/", "/openapi/v1.json");
    }

    /// <summary>Opens /docs, recording every request and aborting any to another host, and waits for the operations list.</summary>
    private async Task<(IPage Page, Traffic Traffic)> OpenAsync(ViewportSize viewport)
    {
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = viewport });
        var traffic = new Traffic();
        page.Request += (_, request) => traffic.Requested(request.Url);
        page.Console += (_, message) => traffic.Logged(message.Text);
        await page.RouteAsync("**/*", async route =>
        {
            if (IsOwn(route.Request.Url))
            {
                await route.ContinueAsync();
            }
            else
            {
                traffic.Aborted(route.Request.Url);
                await route.AbortAsync();
            }
        });

        await page.GotoAsync(Origin + "/docs", new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle, Timeout = Patience });

        // The reference has rendered when the operations list (the first group's, open by default) is in the page.
        await page.Locator(RecordWrite).First.WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = Patience });
        return (page, traffic);
    }

    private bool IsOwn(string url)
        => url.StartsWith(Origin + "/", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal) || url.StartsWith("blob:", StringComparison.Ordinal);

    private sealed class Traffic
    {
        private readonly List<string> _requested = [];
        private readonly List<string> _aborted = [];
        private readonly List<string> _refused = [];

        public void Requested(string url)
        {
            lock (_requested)
            {
                _requested.Add(url);
            }
        }

        public void Aborted(string url)
        {
            lock (_aborted)
            {
                _aborted.Add(url);
            }
        }

        /// <summary>What the page's Content-Security-Policy stopped before it became a request.</summary>
        public void Logged(string text)
        {
            if (text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                lock (_refused)
                {
                    _refused.Add(text);
                }
            }
        }

        public void AssertLocal(string origin, params string[] expectedPaths)
        {
            string[] requested, aborted, refused;
            lock (_requested)
            {
                requested = [.. _requested];
            }

            lock (_aborted)
            {
                aborted = [.. _aborted];
            }

            lock (_refused)
            {
                refused = [.. _refused];
            }

            Assert.Empty(aborted);
            Assert.Empty(refused);
            Assert.All(requested, url => Assert.True(url.StartsWith(origin + "/", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal) || url.StartsWith("blob:", StringComparison.Ordinal), url));
            foreach (var path in expectedPaths)
            {
                Assert.Contains(requested, url => url.StartsWith(origin + path, StringComparison.Ordinal));
            }
        }
    }
}
