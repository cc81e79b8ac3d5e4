using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Crypto;
using Cordon.Core.Marketing;
using Cordon.Core.Rules;
using Cordon.Server.Records;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Marketing;

/// <summary>
/// Creating and sending campaigns, the same from HTTP and the command line. A campaign is checked against the message
/// rules when it is created and again when it is sent (the operator's terms may have grown). Its audience is computed,
/// never uploaded: active subjects with a current separate push consent (R15); the personalised variant only for those
/// with a current personalisation consent (R13); children only when the guardian gave the push consent (R03).
/// </summary>
public static class Campaigns
{
    public const string PushPurpose = "marketing.push";
    public const string PersonalisationPurpose = "marketing.personalization";
    internal const string OutboxType = "Outbox";
    private const int EnqueueBatch = 1000;

    public static async Task<AdContentRules> RulesAsync(Operation op, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        var terms = await op.Store.ListAdTermsAsync(op.Tenant.Id, cancellationToken);
        return AdContentRules.Default.With(terms.Select(t => AdTerm.Create(t.Term, t.Category, t.Pattern)).Where(t => t.Success).Select(t => t.Value));
    }

    /// <summary>The refusal for an unlawful message: named after the first rule broken, every finding in errors.</summary>
    public static Failure Refusal(MessageCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var primary = check.Primary!;
        var errors = check.Violations.GroupBy(v => v.Field).ToDictionary(g => g.Key, g => g.Select(v => $"{v.Code} ({v.Rule}): {v.Message}").ToArray());
        var detail = primary.Code == MessageRules.ContentRefused
            ? "Medical, drug and device advertising may not carry these phrases: " + string.Join("; ", check.Findings.Select(f => $"“{f.Phrase}” ({f.Category})")) + "."
            : primary.Message;
        return new Failure(FailureKind.Invalid, primary.Code, "Message refused", detail, primary.Rule, RuleBook.Get(primary.Rule).Citation) { Errors = errors };
    }

    public static async Task<Result<CampaignRow>> CreateAsync(Operation op, CreateCampaignRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            errors["name"] = ["1 to 200 characters."];
        }

        if (!MarketingChannels.IsKnown(request.Channel))
        {
            errors["channel"] = [$"One of {string.Join(", ", MarketingChannels.All)}."];
        }

        if (errors.Count > 0)
        {
            return Failure.Invalid(errors);
        }

        if (op.Tenant.Policy.PurposeFingerprint(PushPurpose) is null)
        {
            return new Failure(FailureKind.Conflict, "marketing.no-push-purpose", "No marketing purpose", $"The tenant's profile declares no '{PushPurpose}' purpose, so no one can have consented to marketing.", "R15", RuleBook.Get("R15").Citation);
        }

        var check = MessageRules.Check(request.Sender, request.Content, request.ApprovalNumber, await RulesAsync(op, cancellationToken));
        if (!check.Lawful)
        {
            return Refusal(check);
        }

        var definition = new CampaignDefinition(request.Sender, request.Content, check.Medical, request.ApprovalNumber?.Trim());
        var row = new CampaignRow
        {
            Tenant = op.Tenant.Id,
            Id = SubjectVault.NewId("cmp"),
            Name = request.Name.Trim(),
            Channel = request.Channel,
            Status = "draft",
            CreatedAt = op.Now,
            CreatedBy = op.ActorId,
            SendAt = request.SendAt,
            Definition = JsonSerializer.Serialize(definition, MarketingJson.Strict.CampaignDefinition),
        };
        await op.Store.PutCampaignAsync(row, op.Audit("campaign.create", AuditOutcome.Done, null, [row.Id], check.Medical ? ["R15", "R17"] : ["R15"]), cancellationToken);
        return row;
    }

    public static CampaignDefinition Definition(CampaignRow row)
        => JsonSerializer.Deserialize(Guard(row).Definition, MarketingJson.Strict.CampaignDefinition) ?? throw new InvalidDataException("The campaign definition is empty.");

    public static async Task<CampaignView> ViewAsync(ICordonStore store, CampaignRow row, bool withCounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var d = Definition(row);
        OutboxCounts? counts = null;
        if (withCounts)
        {
            var c = await store.CountOutboxAsync(row.Tenant, row.Id, cancellationToken);
            int Get(OutboxStatus s) => c.TryGetValue(s, out var n) ? n : 0;
            counts = new OutboxCounts(Get(OutboxStatus.Pending), Get(OutboxStatus.Sending), Get(OutboxStatus.Sent), Get(OutboxStatus.Failed), Get(OutboxStatus.Excluded));
        }

        return new CampaignView(row.Id, row.Name, row.Channel, row.Status, row.CreatedAt, row.CreatedBy, row.SendAt, d.Sender, d.Content, d.ApprovalNumber, d.MedicalAdvertising, counts);
    }

    /// <summary>Puts the campaign's failed messages back in the queue (consent is checked again when each is delivered).</summary>
    public static async Task<Result<RetryReport>> RetryAsync(Operation op, IReadOnlyDictionary<string, string> gateways, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(gateways);
        var campaign = await op.Store.GetCampaignAsync(op.Tenant.Id, campaignId, cancellationToken);
        if (campaign is null)
        {
            return Failure.NotFound("campaign");
        }

        var requeued = await op.Store.RetryFailedAsync(op.Tenant.Id, campaign.Id, op.Now, op.Audit("campaign.retry", AuditOutcome.Done, null, [campaign.Id], ["R15"], PushPurpose), cancellationToken);
        return new RetryReport(campaign.Id, requeued, GatewayWarnings(gateways, campaign.Channel, requeued));
    }

    /// <summary>What will keep queued messages from leaving: no gateway configured for the campaign's channel.</summary>
    public static IReadOnlyList<string> GatewayWarnings(IReadOnlyDictionary<string, string> gateways, string channel, int queued)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        if (queued == 0 || (gateways.TryGetValue(channel, out var url) && Uri.TryCreate(url, UriKind.Absolute, out _)))
        {
            return [];
        }

        return [$"No gateway is configured for the '{channel}' channel: the {queued} queued message(s) will not leave and fail after the last attempt. Set CORDON_WEBHOOK_{channel.ToUpperInvariant()} for the server (or --webhook {channel}=URL for cordon campaign deliver), then retry failed messages with POST /v1/campaigns/{{id}}/retry or cordon campaign retry."];
    }

    /// <summary>Computes the audience, renders each member's variant with a signed unsubscribe link, seals it under the member's key and queues it.</summary>
    public static async Task<Result<SendReport>> SendAsync(Operation op, UnsubscribeLinks links, IReadOnlyDictionary<string, string> gateways, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(links);
        var campaign = await op.Store.GetCampaignAsync(op.Tenant.Id, campaignId, cancellationToken);
        if (campaign is null)
        {
            return Failure.NotFound("campaign");
        }

        if (campaign.Status != "draft")
        {
            return Failure.Conflict("marketing.already-sent", "This campaign was already queued; create a new campaign to send again.");
        }

        if (links.BaseUrl(op.Tenant) is null)
        {
            // Every message carries a one-click unsubscribe link (R15); one pointing at a loopback address nobody can open is no link.
            return new Failure(FailureKind.Conflict, "marketing.public-url-missing", "No public address for unsubscribe links", "Messages carry a one-click unsubscribe link, and this tenant has no address patients can reach it at. Set operator.publicUrl in the tenant's profile (e.g. https://cordon.example-hospital.cn), or start the server with --public-url or CORDON_PUBLIC_URL, then send again.", "R15", RuleBook.Get("R15").Citation);
        }

        var definition = Definition(campaign);
        var check = MessageRules.Check(definition.Sender, definition.Content, definition.ApprovalNumber, await RulesAsync(op, cancellationToken));
        if (!check.Lawful)
        {
            return Refusal(check);
        }

        var policy = op.Tenant.Policy;
        var pushFingerprint = policy.PurposeFingerprint(PushPurpose);
        if (pushFingerprint is null)
        {
            return new Failure(FailureKind.Conflict, "marketing.no-push-purpose", "No marketing purpose", $"The tenant's profile declares no '{PushPurpose}' purpose.", "R15", RuleBook.Get("R15").Citation);
        }

        // The messages leave through the gateways the purpose declares as its processors: each needs its contract and
        // assessment in force, as any recipient of the egress gate does (R11, R25).
        if (await Sharing.DisclosureGate.CheckProcessorsAsync(op, op.Tenant.Profile.FindPurpose(PushPurpose)!, cancellationToken) is { } unentrusted)
        {
            return unentrusted;
        }

        // Claim the campaign before queueing anything: of two concurrent sends only the one that moves it out of draft queues.
        if (!await op.Store.ClaimCampaignAsync(op.Tenant.Id, campaign.Id, "draft", "sending", op.Audit("campaign.send", AuditOutcome.Done, null, [campaign.Id], ["R13", "R15", "R03"], PushPurpose), cancellationToken))
        {
            return Failure.Conflict("marketing.already-sent", "This campaign was already queued; create a new campaign to send again.");
        }

        // Without a personalisation purpose in the profile nobody can have agreed to it: everyone gets the plain variant.
        var personalFingerprint = policy.PurposeFingerprint(PersonalisationPurpose) ?? "-";
        var deliverFrom = campaign.SendAt is { } at && at > op.Now ? at : op.Now;
        var childAge = op.Tenant.Profile.Settings.GuardianConsentBelowAge;
        int audience = 0, personalised = 0, plain = 0, children = 0, noAddress = 0, queued = 0;
        var batch = new List<OutboxRow>(EnqueueBatch);
        await foreach (var member in op.Store.ReadAudienceAsync(op.Tenant.Id, PushPurpose, pushFingerprint, PersonalisationPurpose, personalFingerprint, cancellationToken))
        {
            audience++;
            using var subject = await SubjectVault.OpenAsync(op.Tenant, op.Store, member.SubjectId, cancellationToken);
            if (subject is null)
            {
                noAddress++;
                continue;
            }

            // R03: below the guardian-consent age, only the guardian's consent counts.
            if (member.GivenBy != ConsentGiver.Guardian && subject.AgeOn(op.Today) < childAge)
            {
                children++;
                continue;
            }

            var (to, nickname) = await AddressAsync(op, subject, campaign.Channel, cancellationToken);
            if (to is null)
            {
                noAddress++;
                continue;
            }

            var id = SubjectVault.NewId("msg");
            var link = links.Url(op.Tenant, subject.Id, campaign.Id, op.Now);
            var text = member.Personalised
                ? MessageRules.Render(definition.Content.Personalised, link, nickname)
                : MessageRules.Render(definition.Content.Plain, link, null);
            var payload = JsonSerializer.SerializeToUtf8Bytes(new OutboxPayload(to, text), MarketingJson.Strict.OutboxPayload);
            batch.Add(new OutboxRow
            {
                Tenant = op.Tenant.Id,
                Id = id,
                CampaignId = campaign.Id,
                SubjectId = subject.Id,
                Channel = campaign.Channel,
                Variant = member.Personalised ? 1 : 0,
                Status = OutboxStatus.Pending,
                Attempts = 0,
                NextAt = deliverFrom,
                CreatedAt = op.Now,
                Sealed = subject.Cipher.Seal(Binding(op.Tenant.Id, subject.Id, id), payload),
            });
            if (member.Personalised)
            {
                personalised++;
            }
            else
            {
                plain++;
            }

            if (batch.Count == EnqueueBatch)
            {
                queued += batch.Count;
                await op.Store.EnqueueAsync(op.Tenant.Id, campaign.Id, "sending", batch, [], cancellationToken);
                batch.Clear();
            }
        }

        queued += batch.Count;
        await op.Store.EnqueueAsync(op.Tenant.Id, campaign.Id, "queued", batch, [], cancellationToken);
        return new SendReport(campaign.Id, audience, queued, personalised, plain, children, noAddress, deliverFrom, GatewayWarnings(gateways, campaign.Channel, queued));
    }

    internal static RecordBinding Binding(string tenant, string subject, string messageId) => new(tenant, subject, messageId, OutboxType, 1);

    /// <summary>
    /// Where a message goes: SMS to the account's registered mobile, push to the app account (the external id the
    /// push gateway knows), e-mail to the account's e-mail if the profile keeps one. Only the fields the push purpose
    /// reads are taken (mobile, nickname).
    /// </summary>
    private static async Task<(string? To, string? Nickname)> AddressAsync(Operation op, OpenSubject subject, string channel, CancellationToken cancellationToken)
    {
        // Restricted records (R19) are kept only for a legal duty and are never processed for marketing.
        var accounts = await op.Store.ListRecordsAsync(op.Tenant.Id, subject.Id, "Account", cancellationToken);
        var latest = accounts.LastOrDefault(a => !a.Restricted);
        string? mobile = null, nickname = null, email = null;
        if (latest is not null)
        {
            using var account = JsonDocument.Parse(RecordWriter.Open(op.Tenant, subject, latest));
            mobile = Text(account.RootElement, "mobile");
            nickname = Text(account.RootElement, "nickname");
            email = Text(account.RootElement, "email");
        }

        var to = channel switch
        {
            MarketingChannels.Sms => mobile,
            MarketingChannels.Push => subject.Profile.ExternalId,
            MarketingChannels.Email => email,
            _ => null,
        };
        return (to, nickname);
    }

    private static string? Text(JsonElement root, string name)
        => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static CampaignRow Guard(CampaignRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row;
    }
}
