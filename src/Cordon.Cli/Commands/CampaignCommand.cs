using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cordon.Server.Hosting;
using Cordon.Server.Http;
using Cordon.Server.Marketing;
using Cordon.Server.Rights;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;
using Microsoft.Extensions.Options;

namespace Cordon.Cli.Commands;

/// <summary>
/// <c>cordon campaign create FILE.json | list | send ID | status ID | deliver</c>: the marketing workflow from the
/// operator's shell, through the same rules, audience and outbox as the API. Results on stdout as JSON; exit 0 on
/// success, 1 when a rule refused (the problem on stdout names code and rule), 2 on bad usage.
/// </summary>
internal static class CampaignCommand
{
    public static Command Create(CliConsole console)
    {
        var root = new Command("campaign", "Marketing campaigns: only to subjects with a separate push consent, each message with sender, contact and a one-click unsubscribe link, medical advertising checked (R13, R15, R17).");

        var file = new Argument<string>("FILE") { Description = "A campaign as JSON: {name, channel: sms|push|email, sender: {name, contact}, content: {personalised, plain}, approvalNumber?, sendAt?}. Both variants show the sender and contact and carry {unsubscribe}; {nickname} only in personalised." };
        var create = WithStore(new Command("create", "Create a campaign from a JSON file; refused with the rule when a message would be unlawful.") { file }, console, async (op, _, parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                await console.Error.WriteLineAsync($"{path}: no such file");
                return 2;
            }

            var request = RequestBody.Deserialize(await File.ReadAllBytesAsync(path, ct), MarketingJson.Strict.CreateCampaignRequest);
            if (request.Failed)
            {
                return await ProblemOutput.WriteAsync(console, request.Problem, 2);
            }

            var created = await Campaigns.CreateAsync(op, request.Value, ct);
            if (created.Failed)
            {
                return await FailureAsync(console, created.Failure);
            }

            await console.Out.WriteLineAsync(JsonSerializer.Serialize(await Campaigns.ViewAsync(op.Store, created.Value, false, ct), MarketingJson.Strict.CampaignView));
            await console.Error.WriteLineAsync($"Created campaign {created.Value.Id}; queue it with: cordon campaign send {created.Value.Id}");
            return 0;
        });

        var list = WithStore(new Command("list", "List campaigns, newest first."), console, async (op, _, _, ct) =>
        {
            var rows = await op.Store.ListCampaignsAsync(op.Tenant.Id, 100, ct);
            foreach (var row in rows)
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{row.Id}\t{row.Status}\t{row.Channel}\t{row.CreatedAt:yyyy-MM-dd HH:mm}\t{row.Name}"));
            }

            await console.Error.WriteLineAsync($"{rows.Count} campaign(s).");
            return 0;
        });

        var sendId = new Argument<string>("ID") { Description = "The campaign id (cmp_…)." };
        var publicUrl = new Option<string?>("--public-url")
        {
            Description = "Where unsubscribe links point (this server as patients reach it), for a tenant whose profile names no operator.publicUrl. Env CORDON_PUBLIC_URL.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CORDON_PUBLIC_URL") is { Length: > 0 } u ? u : null,
        };
        var send = WithStore(new Command("send", "Compute the audience from current consents and queue the messages (each sealed under its subject's key).") { sendId, publicUrl }, console, async (op, options, parse, ct) =>
        {
            options.PublicBaseUrl = parse.GetValue(publicUrl);
            var sent = await Campaigns.SendAsync(op, new UnsubscribeLinks(Options.Create(options)), Gateways(), parse.GetValue(sendId)!, ct);
            if (sent.Failed)
            {
                return await FailureAsync(console, sent.Failure);
            }

            var r = sent.Value;
            return await ReportAsync(console, JsonSerializer.Serialize(r, MarketingJson.Strict.SendReport), $"Queued {r.Queued} of an audience of {r.Audience}: {r.Personalised} personalised, {r.Plain} non-personalised; {r.ExcludedChildren} children without guardian consent and {r.NoAddress} without an address left out. Deliver with: cordon campaign deliver", r.Warnings);
        });

        var retryId = new Argument<string>("ID") { Description = "The campaign id (cmp_…)." };
        var retry = WithStore(new Command("retry", "Queue a campaign's failed messages again (consent is checked again at delivery).") { retryId }, console, async (op, _, parse, ct) =>
        {
            var retried = await Campaigns.RetryAsync(op, Gateways(), parse.GetValue(retryId)!, ct);
            if (retried.Failed)
            {
                return await FailureAsync(console, retried.Failure);
            }

            var r = retried.Value;
            return await ReportAsync(console, JsonSerializer.Serialize(r, MarketingJson.Strict.RetryReport), $"Requeued {r.Requeued} failed message(s) of {r.CampaignId}. Deliver with: cordon campaign deliver", r.Warnings);
        });

        var statusId = new Argument<string>("ID") { Description = "The campaign id (cmp_…)." };
        var status = WithStore(new Command("status", "A campaign with its outbox counts.") { statusId }, console, async (op, _, parse, ct) =>
        {
            var row = await op.Store.GetCampaignAsync(op.Tenant.Id, parse.GetValue(statusId)!, ct);
            if (row is null)
            {
                return await ProblemOutput.WriteAsync(console, Problem.NotFound("campaign"), 1);
            }

            var view = await Campaigns.ViewAsync(op.Store, row, true, ct);
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(view, MarketingJson.Strict.CampaignView));
            var o = view.Outbox!;
            await console.Error.WriteLineAsync($"{view.Id} {view.Status}: {o.Sent} sent, {o.Pending + o.Sending} waiting, {o.Failed} failed, {o.Excluded} excluded.");
            return 0;
        });

        var webhooks = new Option<string[]>("--webhook")
        {
            Description = "A channel's gateway, channel=URL (repeatable), e.g. --webhook sms=https://sms.example.cn/send. Env CORDON_WEBHOOK_SMS, CORDON_WEBHOOK_PUSH, CORDON_WEBHOOK_EMAIL.",
            AllowMultipleArgumentsPerToken = false,
        };
        var attempts = new Option<int>("--max-attempts") { Description = "Attempts per message before it is marked failed (default 5).", DefaultValueFactory = _ => 5 };
        var deliver = WithStore(new Command("deliver", "Deliver the messages due now to the channels' webhooks, once: consent is checked again per message; failures are retried later with back-off.") { webhooks, attempts }, console, async (op, options, parse, ct) =>
        {
            foreach (var (channel, url) in Gateways())
            {
                options.MarketingWebhooks[channel] = url;
            }

            foreach (var pair in parse.GetValue(webhooks) ?? [])
            {
                var at = pair.IndexOf('=', StringComparison.Ordinal);
                if (at <= 0 || !Core.Marketing.MarketingChannels.IsKnown(pair[..at]) || !Uri.TryCreate(pair[(at + 1)..], UriKind.Absolute, out _))
                {
                    await console.Error.WriteLineAsync($"--webhook takes channel=URL with channel one of {string.Join(", ", Core.Marketing.MarketingChannels.All)}.");
                    return 2;
                }

                options.MarketingWebhooks[pair[..at]] = pair[(at + 1)..];
            }

            options.OutboxMaxAttempts = Math.Clamp(parse.GetValue(attempts), 1, 100);
            var registry = new TenantRegistry(KeyFile.Open(KeyFile.PathIn(options.DataDirectory)));
            await registry.LoadAsync(op.Store, ct);
            using var dispatcher = new OutboxDispatcher(op.Store, registry, TimeProvider.System, Options.Create(options));
            var report = await dispatcher.RunOnceAsync(cancellationToken: ct);
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(report, MarketingJson.Strict.DeliveryReport));
            await console.Error.WriteLineAsync($"Delivered {report.Sent}; {report.Retried} to retry, {report.Failed} failed, {report.Excluded} excluded (consent withdrawn, unsubscribed or no longer active).");
            return report.Failed > 0 ? 1 : 0;
        });

        root.Add(create);
        root.Add(list);
        root.Add(send);
        root.Add(status);
        root.Add(deliver);
        root.Add(retry);
        return root;
    }

    /// <summary>The channels' gateways this process knows from CORDON_WEBHOOK_SMS, _PUSH and _EMAIL.</summary>
    private static Dictionary<string, string> Gateways()
    {
        var gateways = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var channel in Core.Marketing.MarketingChannels.All)
        {
            if (Environment.GetEnvironmentVariable("CORDON_WEBHOOK_" + channel.ToUpperInvariant()) is { Length: > 0 } url)
            {
                gateways[channel] = url;
            }
        }

        return gateways;
    }

    private static Command WithStore(Command command, CliConsole console, Func<Operation, CordonServerOptions, ParseResult, CancellationToken, Task<int>> action)
    {
        var tenantData = new TenantDataOptions();
        command.Add(tenantData);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = parse.GetValue(tenantData.Data)!;
            if (!File.Exists(KeyFile.PathIn(directory)))
            {
                await console.Error.WriteLineAsync($"No key file in {directory}; run cordon init first.");
                return 2;
            }

            await using var store = await CordonStores.OpenAsync(directory, parse.GetValue(tenantData.Database), cancellationToken);
            var registry = new TenantRegistry(KeyFile.Open(KeyFile.PathIn(directory)));
            await registry.LoadAsync(store, cancellationToken);
            var context = TenantChoice.Find(registry, parse.GetValue(tenantData.Tenant), console.Error);
            if (context is null)
            {
                return 2;
            }

            var options = new CordonServerOptions { DataDirectory = directory, Database = parse.GetValue(tenantData.Database) };
            var op = new Operation(context, store, TimeProvider.System.GetUtcNow(), "cordon-cli:" + Environment.UserName, "admin");
            return await action(op, options, parse, cancellationToken);
        });
        return command;
    }

    /// <summary>A queueing's report: its JSON on stdout, the summary and each warning on stderr; exit 0.</summary>
    private static async Task<int> ReportAsync(CliConsole console, string json, string summary, IEnumerable<string> warnings)
    {
        await console.Out.WriteLineAsync(json);
        await console.Error.WriteLineAsync(summary);
        foreach (var warning in warnings)
        {
            await console.Error.WriteLineAsync("warning: " + warning);
        }

        return 0;
    }

    /// <summary>A use case's failure: printed with its rule, exit 2 when something named does not exist, 1 when a rule or check refused.</summary>
    private static Task<int> FailureAsync(CliConsole console, Core.Failure failure)
        => ProblemOutput.WriteAsync(console, failure, failure.Kind == Core.FailureKind.NotFound ? ExitCodes.Usage : ExitCodes.CheckFailed);
}
