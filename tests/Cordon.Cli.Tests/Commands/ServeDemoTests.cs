namespace Cordon.Cli.Tests.Commands;

/// <summary><c>cordon serve --demo</c>: seeds the demo tenant and prints a login per role and ready-to-paste curl lines.</summary>
public sealed class ServeDemoTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-demo-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Serve_with_demo_prints_a_token_per_role_and_curl_examples_and_makes_demo_the_only_tenant()
    {
        var output = new StringWriter();
        var errors = new SynchronizedWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var serve = CordonCli.RunAsync(["serve", "--data", _data, "--urls", "http://127.0.0.1:0", "--demo"], output, errors, stop.Token);

        while (!errors.Text.Contains("Press Ctrl+C to stop.", StringComparison.Ordinal) && !serve.IsCompleted)
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        try
        {
            await serve;
        }
        catch (OperationCanceledException)
        {
        }

        var banner = errors.Text;
        foreach (var role in new[] { "APP", "ADMIN", "DPO", "SECURITY", "SUPPORT", "PHYSICIAN", "NURSE", "PHARMACIST", "PATIENT", "GUARDIAN", "MARKETING", "ANALYST" })
        {
            Assert.Contains($"export CORDON_{role}='eyJ", banner, StringComparison.Ordinal);
        }

        Assert.Contains("records sealed and stored", banner, StringComparison.Ordinal);
        Assert.Contains("curl -s \"http://127.0.0.1:", banner, StringComparison.Ordinal);

        // Every URL is quoted, so a '?' is no glob in zsh; and the banner does not pretend the licences are checked.
        Assert.DoesNotMatch(@"curl -s http", banner);
        Assert.Contains("records?type=Patient\"", banner, StringComparison.Ordinal);
        Assert.Contains("does not yet", banner, StringComparison.Ordinal);
        Assert.Contains("practitioner register", banner, StringComparison.Ordinal);
        Assert.Contains("-H 'X-Purpose: appointment'", banner, StringComparison.Ordinal);
        Assert.Matches(@"/v1/subjects/sub_[0-9a-z]{16}/records", banner);
        Assert.DoesNotMatch(@"\d{17}[\dX]", banner.Replace("eyJ", string.Empty, StringComparison.Ordinal).Split('\n').Where(l => !l.StartsWith("export", StringComparison.Ordinal)).Aggregate(string.Empty, (a, b) => a + b));

        // The demo tenant is the directory's only one, so the CLI's default is the demo, not an empty 'default'.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await using (var store = await Storage.CordonStores.OpenAsync(_data, null))
        {
            Assert.Equal(["demo"], (await store.ListTenantsAsync(CancellationToken.None)).Select(t => t.Id));
        }

        var (tokenCode, token, tokenError) = await CommandTests.RunInProcessAsync("token", "--data", _data, "--role", "dpo", "--actor", "dpo-wang");
        Assert.True(tokenCode == 0, tokenError);
        Assert.Equal("demo", new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ReadJsonWebToken(token.Trim()).GetClaim("tid").Value);
        var (verified, _, said) = await CommandTests.RunInProcessAsync("audit", "verify", "--data", _data);
        Assert.Equal(0, verified);
        Assert.Contains("tenant 'demo' holds", said, StringComparison.Ordinal);
    }

    /// <summary>The command writes from its own thread while the test reads.</summary>
    private sealed class SynchronizedWriter : TextWriter
    {
        private readonly System.Text.StringBuilder _text = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_text)
            {
                _text.Append(value).Append('\n');
            }
        }
    }
}
