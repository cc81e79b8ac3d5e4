using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Cordon.Cli.Demo;
using Cordon.Server.Hosting;
using Microsoft.Data.Sqlite;

namespace Cordon.Cli.Tests.Commands;

/// <summary><c>cordon campaign</c> end to end on the demo tenant: create, refuse, send, deliver to a real local gateway, status.</summary>
public sealed class CampaignCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-campaign-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task An_operator_runs_a_lawful_campaign_from_the_shell_and_an_unlawful_one_is_refused_with_its_rule()
    {
        await using (var host = await CordonApp.CreateAsync(new CordonServerOptions { DataDirectory = _data, Urls = "http://127.0.0.1:0" }))
        {
            await DemoTenant.EnsureAsync(host, DateTimeOffset.UtcNow, null, TestContext.Current.CancellationToken);
        }

        var unlawful = Path.Combine(_data, "unlawful.json");
        await File.WriteAllTextAsync(unlawful, Campaign("新疗法保证治愈，治愈率98%"), TestContext.Current.CancellationToken);
        var (refusedExit, refused, _) = await RunAsync("campaign", "create", unlawful, "--data", _data, "--tenant", "demo");
        Assert.Equal(1, refusedExit);
        Assert.Contains("marketing.content-refused (R17", refused, StringComparison.Ordinal);
        Assert.Contains("保证治愈", refused, StringComparison.Ordinal);

        var lawful = Path.Combine(_data, "lawful.json");
        await File.WriteAllTextAsync(lawful, Campaign("春季健康讲座本周六开讲"), TestContext.Current.CancellationToken);
        var (createExit, created, createErrors) = await RunAsync("campaign", "create", lawful, "--data", _data, "--tenant", "demo");
        Assert.True(createExit == 0, created + createErrors);
        var id = JsonDocument.Parse(created).RootElement.GetProperty("id").GetString()!;

        var (_, listed, _) = await RunAsync("campaign", "list", "--data", _data, "--tenant", "demo");
        Assert.Contains(id, listed, StringComparison.Ordinal);

        var (sendExit, sent, sendErrors) = await RunAsync("campaign", "send", id, "--data", _data, "--tenant", "demo", "--public-url", "https://cordon.example.cn");
        Assert.True(sendExit == 0, sent + sendErrors);
        var queued = JsonDocument.Parse(sent).RootElement.GetProperty("queued").GetInt32();
        Assert.True(queued > 0, sent);

        // This process knows no SMS gateway (no CORDON_WEBHOOK_SMS): the send says so at once.
        Assert.Contains("warning: No gateway is configured for the 'sms' channel", sendErrors, StringComparison.Ordinal);
        var (retryExit, retried, retryErrors) = await RunAsync("campaign", "retry", id, "--data", _data, "--tenant", "demo");
        Assert.True(retryExit == 0, retried + retryErrors);
        Assert.Equal(0, JsonDocument.Parse(retried).RootElement.GetProperty("requeued").GetInt32());

        var received = new ConcurrentQueue<string>();
        var port = FreePort();
        using var gateway = new HttpListener();
        gateway.Prefixes.Add($"http://127.0.0.1:{port}/");
        gateway.Start();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await gateway.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using (var reader = new StreamReader(context.Request.InputStream))
                {
                    received.Enqueue(await reader.ReadToEndAsync());
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        var (deliverExit, delivered, deliverErrors) = await RunAsync("campaign", "deliver", "--data", _data, "--tenant", "demo", "--webhook", $"sms=http://127.0.0.1:{port}/sms");
        stop.Cancel();
        gateway.Stop();
        await serving;
        Assert.True(deliverExit == 0, delivered + deliverErrors);
        Assert.Equal(queued, JsonDocument.Parse(delivered).RootElement.GetProperty("sent").GetInt32());
        Assert.Equal(queued, received.Count);
        Assert.All(received, body => Assert.Contains("https://cordon.example.cn/u/", body, StringComparison.Ordinal));

        var (_, status, _) = await RunAsync("campaign", "status", id, "--data", _data, "--tenant", "demo");
        Assert.Equal(queued, JsonDocument.Parse(status).RootElement.GetProperty("outbox").GetProperty("sent").GetInt32());
    }

    [Fact]
    public async Task Campaign_help_names_the_subcommands()
    {
        var (_, output, _) = await RunAsync("campaign", "--help");
        foreach (var sub in new[] { "create", "list", "send", "status", "deliver", "retry" })
        {
            Assert.Contains(sub, output, StringComparison.Ordinal);
        }
    }

    private static string Campaign(string body) => JsonSerializer.Serialize(new
    {
        name = "春季讲座",
        channel = "sms",
        sender = new { name = "仁心互联网医院", contact = "400-820-1234" },
        content = new
        {
            personalised = $"{{nickname}}您好，{body}。仁心互联网医院 400-820-1234 退订 {{unsubscribe}}",
            plain = $"您好，{body}。仁心互联网医院 400-820-1234 退订 {{unsubscribe}}",
        },
    });

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await CordonCli.RunAsync(args, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }
}
