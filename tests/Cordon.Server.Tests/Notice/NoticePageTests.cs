using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Cordon.Server.Tests.Notice;

/// <summary>
/// The privacy notice as a patient opens it on a phone: real headless Chromium (Debian's, driven by Playwright; no
/// browser is downloaded) at 390 × 844 CSS pixels, the width of a common phone, with touch and the page's viewport
/// honoured. Skipped with a message when /usr/bin/chromium is absent, except in CI (CORDON_REQUIRE_BROWSER=1).
/// </summary>
public sealed partial class NoticePageTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const int PhoneWidth = 390;
    private CordonServer? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private CordonServer Server => _server!;

    private string Origin => new Uri(Server.Http.BaseAddress!, "/").GetLeftPart(UriPartial.Authority);

    public async ValueTask InitializeAsync()
    {
        _server = await CordonServer.StartAsync();
        if (!File.Exists(Chromium))
        {
            if (Environment.GetEnvironmentVariable("CORDON_REQUIRE_BROWSER") == "1")
            {
                Assert.Fail($"Chromium is required (CORDON_REQUIRE_BROWSER=1) but {Chromium} is missing.");
            }

            return;
        }

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

    [Theory]
    [InlineData("/privacy", "zh-CN")]
    [InlineData("/privacy?lang=en", "en")]
    public async Task The_notice_reads_on_a_390_pixel_phone_without_sideways_scrolling(string path, string lang)
    {
        Assert.SkipWhen(_browser is null, "Chromium is not installed (/usr/bin/chromium); notice page tests skipped.");
        var (page, elsewhere) = await OpenOnPhoneAsync(path);

        Assert.Equal(lang, await page.EvaluateAsync<string>("() => document.documentElement.lang"));
        Assert.Equal(PhoneWidth, await page.EvaluateAsync<int>("() => window.innerWidth"));
        var scrollWidth = await page.EvaluateAsync<int>("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)");
        Assert.True(scrollWidth <= PhoneWidth, $"the page is {scrollWidth} px wide on a {PhoneWidth} px screen");

        // Nothing sticks out past the screen, not even inside an element that scrolls on its own.
        var wide = await page.EvaluateAsync<string[]>("""
            (width) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 0.5 || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
                .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right))
            """, PhoneWidth);
        Assert.Empty(wide);

        var small = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('body, p, li, dt, dd, a')]
                .filter(e => parseFloat(getComputedStyle(e).fontSize) < 16)
                .map(e => e.tagName + ' ' + getComputedStyle(e).fontSize + ' ' + e.textContent.slice(0, 30))
            """);
        Assert.Empty(small);

        Assert.Equal(1, await page.Locator("h1").CountAsync());
        Assert.True(await page.Locator("main h2").CountAsync() >= 6);
        Assert.Equal(12, await page.Locator("section.purpose h3").CountAsync());

        // The table of contents reaches every section it names.
        var toc = page.Locator("nav a");
        Assert.True(await toc.CountAsync() >= 18);
        var missing = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('nav a')].map(a => a.getAttribute('href')).filter(h => !document.getElementById(h.slice(1)))");
        Assert.Empty(missing);
        await page.GetByRole(AriaRole.Link, new() { Name = lang == "en" ? "Your rights" : "您的权利", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#rights")).ToBeInViewportAsync();

        var text = await page.InnerTextAsync("body");
        Assert.DoesNotMatch(RuleId(), text);
        Assert.DoesNotContain("identifier.type.coding.system", text, StringComparison.Ordinal);
        Assert.DoesNotContain("marketing.push", text, StringComparison.Ordinal);
        Assert.Contains(lang == "en" ? "ID type and number" : "证件类型与号码", text, StringComparison.Ordinal);
        Assert.Empty(elsewhere);
    }

    [Fact]
    public async Task The_patient_switches_language_and_opens_the_annex_with_every_field_path()
    {
        Assert.SkipWhen(_browser is null, "Chromium is not installed (/usr/bin/chromium); notice page tests skipped.");
        var (page, elsewhere) = await OpenOnPhoneAsync("/privacy");

        await page.GetByRole(AriaRole.Link, new() { Name = "English", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Example Internet Hospital Privacy Policy");
        await page.GetByRole(AriaRole.Link, new() { Name = "Technical annex: the full data list" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("技术附录");

        var rows = page.Locator("tbody tr");
        Assert.True(await rows.CountAsync() > 500);
        await Assertions.Expect(page.Locator("code", new() { HasTextString = "identifier.type.coding.system" }).First).ToBeAttachedAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Privacy notice" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("示例互联网医院个人信息保护政策");
        Assert.Empty(elsewhere);
    }

    [Fact]
    public async Task An_unknown_language_is_refused_naming_the_parameter()
    {
        var (response, problem) = await Server.SendAsync(HttpMethod.Get, "/privacy?lang=fr", null);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("validation.failed", problem!["code"]!.GetValue<string>());
        Assert.Equal("'lang' is zh (the default) or en, not 'fr'.", problem["errors"]!["lang"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task The_API_answers_the_patient_notice_in_the_language_asked_for_and_the_annex_on_its_own_page()
    {
        using var markdown = new HttpRequestMessage(HttpMethod.Get, "/v1/privacy-notice?lang=en");
        markdown.Headers.Accept.ParseAdd("text/markdown");
        var english = await (await Server.Http.SendAsync(markdown)).Content.ReadAsStringAsync();
        Assert.StartsWith("# Example Internet Hospital Privacy Policy", english, StringComparison.Ordinal);
        Assert.DoesNotContain("identifier.value", english, StringComparison.Ordinal);

        var annex = await Server.Http.GetStringAsync("/privacy/annex");
        Assert.Contains("<code>identifier.type.coding.system</code>", annex, StringComparison.Ordinal);
        Assert.Contains("href=\"/privacy\"", annex, StringComparison.Ordinal);
        var (missing, _) = await Server.SendAsync(HttpMethod.Get, "/privacy/annex?tenant=nobody", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>Opens a page as a phone would and records every request that leaves Cordon's host.</summary>
    private async Task<(IPage Page, List<string> Elsewhere)> OpenOnPhoneAsync(string path)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = PhoneWidth, Height = 844 },
            DeviceScaleFactor = 3,
            IsMobile = true,
            HasTouch = true,
        });
        var page = await context.NewPageAsync();
        var elsewhere = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(Origin, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                elsewhere.Add(request.Url);
            }
        };

        var response = await page.GotoAsync(Origin + path, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        Assert.Equal(200, response!.Status);
        return (page, elsewhere);
    }

    [GeneratedRegex(@"\bR\d{2}\b")]
    private static partial Regex RuleId();
}
