using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Marketing;
using Cordon.Server.Hosting;
using Cordon.Server.Marketing;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cordon.Load;

/// <summary>
/// Marketing figures on SQLite: computing the audience of a campaign over <c>subjects</c> current push consents (half
/// with personalisation), against a bare COUNT(*) over the same rows (the baseline); and the outbox's throughput to a
/// local webhook (HttpListener answering 200), from claim to audited completion, per message.
/// </summary>
internal static class MarketingBench
{
    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(int subjects, int messages, TextWriter log)
    {
        var results = new List<ScenarioResult>();
        var directory = Directory.CreateTempSubdirectory("cordon-marketing-bench-").FullName;
        try
        {
            results.AddRange(await AudienceAsync(Path.Combine(directory, "audience"), subjects, log));
            results.Add(await OutboxAsync(Path.Combine(directory, "outbox"), messages, log));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }

        return results;
    }

    private static async Task<IReadOnlyList<ScenarioResult>> AudienceAsync(string directory, int subjects, TextWriter log)
    {
        Directory.CreateDirectory(directory);
        await (await CordonStores.OpenAsync(directory, null, CancellationToken.None)).DisposeAsync();
        var file = Path.Combine(directory, CordonStores.SqliteFileName);
        var clock = Stopwatch.StartNew();

        // Seeding only: the rows the consent transaction keeps, written in one batched transaction.
        using (var connection = new SqliteConnection($"Data Source={file}"))
        {
            connection.Open();
            using var tx = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO consent_current (tenant, purpose, recipient, subject, action, given_by, fingerprint, notice_version, time, subject_active, has_guardian) VALUES ('t', $purpose, '', $subject, 0, 0, $fp, 'v1', 0, 1, 0)";
            var purpose = insert.Parameters.Add("$purpose", SqliteType.Text);
            var subject = insert.Parameters.Add("$subject", SqliteType.Text);
            var fp = insert.Parameters.Add("$fp", SqliteType.Text);
            insert.Prepare();
            for (var i = 0; i < subjects; i++)
            {
                var id = $"sub_{i:D16}";
                purpose.Value = Campaigns.PushPurpose;
                subject.Value = id;
                fp.Value = "fp-push";
                insert.ExecuteNonQuery();
                if (i % 2 == 0)
                {
                    purpose.Value = Campaigns.PersonalisationPurpose;
                    fp.Value = "fp-personal";
                    insert.ExecuteNonQuery();
                }
            }

            tx.Commit();
        }

        log.WriteLine($"marketing: seeded {subjects:N0} push consents ({subjects / 2:N0} with personalisation) in {clock.Elapsed.TotalSeconds:F1} s");
        await using var store = await CordonStores.OpenAsync(directory, null, CancellationToken.None);
        var baseline = new List<double>();
        var audience = new List<double>();
        long members = 0, personalised = 0;
        for (var run = 0; run < 4; run++)
        {
            clock.Restart();
            using (var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly"))
            {
                connection.Open();
                using var count = connection.CreateCommand();
                count.CommandText = "SELECT COUNT(*) FROM consent_current WHERE tenant = 't' AND purpose = 'marketing.push' AND recipient = '' AND action = 0 AND fingerprint = 'fp-push' AND subject_active = 1";
                _ = count.ExecuteScalar();
            }

            var bare = clock.Elapsed.TotalSeconds;
            clock.Restart();
            members = 0;
            personalised = 0;
            await foreach (var m in store.ReadAudienceAsync("t", Campaigns.PushPurpose, "fp-push", Campaigns.PersonalisationPurpose, "fp-personal", CancellationToken.None))
            {
                members++;
                personalised += m.Personalised ? 1 : 0;
            }

            var computed = clock.Elapsed.TotalSeconds;
            if (run > 0)
            {
                baseline.Add(bare);
                audience.Add(computed);
            }

            log.WriteLine($"marketing: audience run {run}: {members:N0} members ({personalised:N0} personalised) in {computed * 1000:F0} ms; bare COUNT(*) {bare * 1000:F0} ms");
        }

        var median = audience.Order().ElementAt(audience.Count / 2);
        var baseMedian = baseline.Order().ElementAt(baseline.Count / 2);
        return
        [
            new ScenarioResult("audience-count-baseline", subjects, baseMedian, subjects / baseMedian, null, null, 0, null, null, Note: "SELECT COUNT(*) over the push consents"),
            new ScenarioResult("audience", members, median, members / median, null, null, members == subjects && personalised == (subjects + 1) / 2 ? 0 : 1, "audience-count-baseline", median / baseMedian, Note: $"{members} members streamed, {personalised} personalised; median of 3 runs after a warm-up"),
        ];
    }

    private static async Task<ScenarioResult> OutboxAsync(string directory, int messages, TextWriter log)
    {
        var now = DateTimeOffset.UtcNow;
        await DataDirectory.InitializeAsync(directory, null, "default", BuiltInProfiles.Load(), now, CancellationToken.None);
        await using var store = await CordonStores.OpenAsync(directory, null, CancellationToken.None);
        var registry = new TenantRegistry(KeyFile.Open(KeyFile.PathIn(directory)));
        await registry.LoadAsync(store, CancellationToken.None);
        var tenant = registry.Find("default")!;
        var op = new Operation(tenant, store, now, "bench", "admin");
        var clock = Stopwatch.StartNew();
        var writes = new List<Task>();
        for (var i = 0; i < messages; i++)
        {
            writes.Add(AddRecipientAsync(tenant, store, i, now));
            if (writes.Count == 256)
            {
                await Task.WhenAll(writes);
                writes.Clear();
            }
        }

        await Task.WhenAll(writes);
        log.WriteLine($"marketing: {messages:N0} subjects with push consent in {clock.Elapsed.TotalSeconds:F1} s");

        // The SMS provider's contract and assessment, without which no campaign goes (R11, R25).
        var today = op.Today;
        await Cordon.Server.Sharing.RecipientRegister.PutContractAsync(op, "sms-gateway", new Cordon.Server.Sharing.ContractRequest("HT-bench", today.AddDays(-10), today.AddDays(-10), today.AddDays(300), ["marketing.push"], "发送短信", false, "delete"), CancellationToken.None);
        await Cordon.Server.Sharing.Assessments.RecordAsync(op, new Cordon.Server.Sharing.AssessmentRequest("bench", ["entrusting"], ["r"], ["m"], "DPO", today.AddDays(-1)), CancellationToken.None);
        var options = Options.Create(new CordonServerOptions { DataDirectory = directory, PublicBaseUrl = "https://cordon.example.cn" });
        var campaign = await Campaigns.CreateAsync(op, new CreateCampaignRequest(
            "bench", MarketingChannels.Push, new CampaignSender("仁心互联网医院", "400-820-1234"),
            new CampaignContent("{nickname}您好，春季健康讲座。仁心互联网医院 400-820-1234 退订 {unsubscribe}", "您好，春季健康讲座。仁心互联网医院 400-820-1234 退订 {unsubscribe}")), CancellationToken.None);
        clock.Restart();
        var sent = await Campaigns.SendAsync(op, new UnsubscribeLinks(options), options.Value.MarketingWebhooks, campaign.Value!.Id, CancellationToken.None);
        log.WriteLine($"marketing: send queued {sent.Value!.Queued:N0} messages in {clock.Elapsed.TotalSeconds:F2} s ({sent.Value.Queued / clock.Elapsed.TotalSeconds:F0}/s: open subject, render, seal, insert)");

        var port = FreePort();
        using var gateway = new HttpListener();
        gateway.Prefixes.Add($"http://127.0.0.1:{port}/");
        gateway.Start();
        using var stop = new CancellationTokenSource();
        var serving = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await gateway.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                await context.Request.InputStream.CopyToAsync(Stream.Null);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        })).ToList();

        options.Value.MarketingWebhooks[MarketingChannels.Push] = $"http://127.0.0.1:{port}/push";
        using var dispatcher = new OutboxDispatcher(store, registry, TimeProvider.System, options);
        clock.Restart();
        var report = await dispatcher.RunOnceAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        stop.Cancel();
        gateway.Stop();
        await Task.WhenAll(serving);
        log.WriteLine($"marketing: delivered {report.Sent:N0} in {seconds:F2} s = {report.Sent / seconds:F0} messages/s ({report.Failed + report.Retried} not sent)");
        return new ScenarioResult("outbox", report.Sent, seconds, report.Sent / seconds, null, null, report.Failed + report.Retried, null, null, Note: "claim, consent re-check, unseal, POST to a local webhook, audited completion; 16 in flight");
    }

    private static async Task AddRecipientAsync(TenantContext tenant, ICordonStore store, int i, DateTimeOffset now)
    {
        var id = SubjectVault.NewId("sub");
        var (row, key, lookup) = SubjectVault.Create(tenant, id, new SubjectProfile($"bench-{i}", new DateOnly(1985, 6, 1), null), null, now);
        await store.CreateSubjectAsync(row, key, [lookup], Audit(tenant, now, "subject.create", id), CancellationToken.None);
        await store.AppendAsync(
            new ConsentEvent
            {
                Id = SubjectVault.NewId("con"),
                Tenant = tenant.Id,
                SubjectId = id,
                Purpose = Campaigns.PushPurpose,
                Action = ConsentAction.Grant,
                GivenBy = ConsentGiver.Self,
                NoticeVersion = tenant.NoticeVersion,
                PurposeFingerprint = tenant.Policy.PurposeFingerprint(Campaigns.PushPurpose)!,
                Channel = "app",
                ActorId = "bench",
                Time = now,
            },
            Audit(tenant, now, "consent.grant", id),
            CancellationToken.None);
    }

    private static AuditDraft Audit(TenantContext tenant, DateTimeOffset now, string action, string subject)
        => new() { Tenant = tenant.Id, Time = now, ActorId = "bench", ActorRole = "system", Action = action, SubjectId = subject, Outcome = AuditOutcome.Done };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
