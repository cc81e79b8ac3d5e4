using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Subjects;
using Cordon.Server.Hosting;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Marketing;

/// <summary>
/// Delivers the outbox: claims due messages under a lease, checks again at send time that the subject is active and
/// still has a current push consent (else the message is excluded), POSTs each to its channel's webhook, retries with
/// exponential back-off, and audits every attempt (campaign, message, subject, variant, outcome). Runnable once from
/// code (the command line, tests) or on a timer by <see cref="OutboxService"/>.
/// </summary>
public sealed class OutboxDispatcher : IDisposable
{
    private const int ClaimBatch = 200;
    private readonly ICordonStore _store;
    private readonly TenantRegistry _tenants;
    private readonly TimeProvider _time;
    private readonly CordonServerOptions _options;
    private readonly HttpClient _http;

    public OutboxDispatcher(ICordonStore store, TenantRegistry tenants, TimeProvider time, IOptions<CordonServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _tenants = tenants;
        _time = time;
        _options = options.Value;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 32, AllowAutoRedirect = false })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>Delivers everything due now (until nothing is left or <paramref name="limit"/> messages were claimed).</summary>
    public async Task<DeliveryReport> RunOnceAsync(int limit = int.MaxValue, CancellationToken cancellationToken = default)
    {
        int claimed = 0, sent = 0, retried = 0, failed = 0, excluded = 0;
        var ungated = new SortedSet<string>(StringComparer.Ordinal);
        while (claimed < limit)
        {
            var now = _time.GetUtcNow();
            var batch = await _store.ClaimDueAsync(now, now + TimeSpan.FromMinutes(2), Math.Min(ClaimBatch, limit - claimed), cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            claimed += batch.Count;

            // The gateways are the push purpose's processors: while one's contract or assessment is not in force, nothing
            // goes to it (checked once per tenant of the batch, as at send time).
            var unentrusted = new Dictionary<string, Failure?>(StringComparer.Ordinal);
            foreach (var tenantId in batch.Select(m => m.Tenant).Distinct(StringComparer.Ordinal))
            {
                if (_tenants.Find(tenantId) is { } tenant && tenant.Profile.FindPurpose(Campaigns.PushPurpose) is { } push)
                {
                    unentrusted[tenantId] = await Sharing.DisclosureGate.CheckProcessorsAsync(new Operation(tenant, _store, now, "cordon:outbox", "system"), push, cancellationToken);
                }
            }

            var results = new ConcurrentBag<(OutboxRow Row, AuditDraft Audit)>();
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (message, ct) => results.Add(await DeliverAsync(message, unentrusted.GetValueOrDefault(message.Tenant), ct)));
            var done = results.ToList();
            await _store.CompleteAsync([.. done.Select(r => r.Row)], [.. done.Select(r => r.Audit)], cancellationToken);
            foreach (var (row, _) in done)
            {
                if (row.LastError == NoGateway)
                {
                    ungated.Add(row.Channel);
                }

                switch (row.Status)
                {
                    case OutboxStatus.Sent: sent++; break;
                    case OutboxStatus.Failed: failed++; break;
                    case OutboxStatus.Excluded: excluded++; break;
                    default: retried++; break;
                }
            }
        }

        return new DeliveryReport(claimed, sent, retried, failed, excluded) { ChannelsWithoutGateway = [.. ungated] };
    }

    /// <summary>The error a message records when its channel has no gateway.</summary>
    public const string NoGateway = "no gateway configured for the channel";

    private async Task<(OutboxRow, AuditDraft)> DeliverAsync(OutboxRow message, Failure? unentrusted, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var tenant = _tenants.Find(message.Tenant);
        if (tenant is null)
        {
            return (message with { Status = OutboxStatus.Failed, DoneAt = now, LastError = "unknown tenant" }, Orphan(message, now));
        }

        var op = new Operation(tenant, _store, now, "cordon:outbox", "system");
        var action = message.Variant == 1 ? "campaign.deliver.personalised" : "campaign.deliver.plain";
        AuditDraft Audit(AuditOutcome outcome, string code) => op.Audit(action, outcome, message.SubjectId, [message.CampaignId, message.Id], ["R13", "R15"], Campaigns.PushPurpose, code);
        (OutboxRow, AuditDraft) Exclude(string code) => (message with { Status = OutboxStatus.Excluded, DoneAt = now, LastError = code }, Audit(AuditOutcome.Deny, code));

        // At send time, not at queue time: an unsubscribe or a withdrawal a moment ago stops this message.
        var found = await _store.GetSubjectWithKeyAsync(tenant.Id, message.SubjectId, cancellationToken);
        if (found is not var (subjectRow, keyRow) || subjectRow.State != SubjectState.Active)
        {
            return Exclude("marketing.subject-inactive");
        }

        var consent = await _store.GetLatestConsentAsync(tenant.Id, message.SubjectId, Campaigns.PushPurpose, null, cancellationToken);
        if (consent is not { Action: ConsentAction.Grant } || consent.PurposeFingerprint != tenant.Policy.PurposeFingerprint(Campaigns.PushPurpose))
        {
            return Exclude("marketing.consent-withdrawn");
        }

        // The personalised variant needs a current personalisation consent too (R13): withdrawn after queueing, not sent.
        if (message.Variant == 1)
        {
            var personal = await _store.GetLatestConsentAsync(tenant.Id, message.SubjectId, Campaigns.PersonalisationPurpose, null, cancellationToken);
            if (personal is not { Action: ConsentAction.Grant } || personal.PurposeFingerprint != tenant.Policy.PurposeFingerprint(Campaigns.PersonalisationPurpose))
            {
                return Exclude("marketing.personalisation-withdrawn");
            }
        }

        OutboxPayload payload;
        try
        {
            using var subject = SubjectVault.Open(tenant, subjectRow, keyRow);
            payload = JsonSerializer.Deserialize(subject.Cipher.Open(Campaigns.Binding(tenant.Id, subject.Id, message.Id), message.Sealed), Cordon.Server.Marketing.MarketingJson.Strict.OutboxPayload)!;
        }
        catch (CryptographicException)
        {
            // The subject was re-keyed (erased) after the message was queued: the message is shredded with it.
            return Exclude("marketing.message-shredded");
        }

        string? error;
        if (unentrusted is not null)
        {
            // Retried with the others: a contract recorded before the last attempt lets the message go.
            error = $"{unentrusted.Code} ({unentrusted.Rule})";
        }
        else if (!_options.MarketingWebhooks.TryGetValue(message.Channel, out var webhook) || !Uri.TryCreate(webhook, UriKind.Absolute, out var uri))
        {
            error = NoGateway;
        }
        else
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, uri)
                {
                    Content = JsonContent.Create(new WebhookMessage(message.Id, message.CampaignId, message.Channel, payload.To, payload.Text), Cordon.Server.Marketing.MarketingJson.Strict.WebhookMessage),
                };
                request.Headers.Add("Idempotency-Key", message.Id);
                using var response = await _http.SendAsync(request, cancellationToken);
                error = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                error = ex.GetType().Name;
            }
        }

        var attempts = message.Attempts + 1;
        if (error is null)
        {
            return (message with { Status = OutboxStatus.Sent, Attempts = attempts, DoneAt = now, LastError = null }, Audit(AuditOutcome.Done, "marketing.sent"));
        }

        if (attempts >= Math.Max(1, _options.OutboxMaxAttempts))
        {
            return (message with { Status = OutboxStatus.Failed, Attempts = attempts, DoneAt = now, LastError = error }, Audit(AuditOutcome.Deny, "marketing.delivery-failed"));
        }

        var wait = _options.OutboxRetryDelay * Math.Pow(2, attempts - 1);
        return (message with { Status = OutboxStatus.Pending, Attempts = attempts, NextAt = now + wait, LastError = error }, Audit(AuditOutcome.Deny, "marketing.delivery-retry"));
    }

    private static AuditDraft Orphan(OutboxRow message, DateTimeOffset now)
        => new Audit.AuditContext(message.Tenant, "cordon:outbox", "system", now).Draft("campaign.deliver", AuditOutcome.Deny, subject: message.SubjectId, records: [message.CampaignId, message.Id], code: "marketing.tenant-unknown");

    public void Dispose() => _http.Dispose();
}

/// <summary>Runs the dispatcher every <see cref="CordonServerOptions.OutboxPollInterval"/>.</summary>
public sealed partial class OutboxService(OutboxDispatcher dispatcher, TimeProvider time, IOptions<CordonServerOptions> options, JobLeases leases, ILogger<OutboxService> logger) : PeriodicService(time)
{
    public const string Job = "outbox";

    protected override TimeSpan Interval => options.Value.OutboxPollInterval;

    /// <summary>One node delivers at a time (messages are also claimed one by one, so even a lapsed lease sends nothing twice).</summary>
    protected override Task RunOnceAsync(CancellationToken cancellationToken) => leases.RunAsync(Job, Interval, DeliverAsync, cancellationToken);

    /// <summary>One delivery run now, outside the schedule and the lease (tests).</summary>
    internal Task RunNowAsync(CancellationToken cancellationToken) => DeliverAsync(cancellationToken);

    private async Task DeliverAsync(CancellationToken cancellationToken)
    {
        try
        {
            var report = await dispatcher.RunOnceAsync(cancellationToken: cancellationToken);
            if (report.ChannelsWithoutGateway.Count > 0)
            {
                // Loud: messages that cannot leave are a misconfiguration the operator must see, not routine news.
                Log.NoGateway(logger, string.Join(", ", report.ChannelsWithoutGateway), string.Join(", ", report.ChannelsWithoutGateway.Select(c => "CORDON_WEBHOOK_" + c.ToUpperInvariant())));
            }

            if (report.Failed > 0)
            {
                Log.Undelivered(logger, report.Sent, report.Retried, report.Failed, report.Excluded);
            }
            else if (report.Claimed > 0)
            {
                Log.Delivered(logger, report.Sent, report.Retried, report.Failed, report.Excluded);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Failed(logger, ex.GetType().Name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Outbox: {Sent} sent, {Retried} to retry, {Failed} failed, {Excluded} excluded")]
        public static partial void Delivered(ILogger logger, int sent, int retried, int failed, int excluded);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: {Sent} sent, {Retried} to retry, {Failed} failed after the last attempt, {Excluded} excluded; retry failed messages with POST /v1/campaigns/{{id}}/retry or cordon campaign retry")]
        public static partial void Undelivered(ILogger logger, int sent, int retried, int failed, int excluded);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: no gateway is configured for {Channels}; messages for it do not leave and fail after the last attempt. Set {Variables}")]
        public static partial void NoGateway(ILogger logger, string channels, string variables);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox run failed: {Error}")]
        public static partial void Failed(ILogger logger, string error);
    }
}
