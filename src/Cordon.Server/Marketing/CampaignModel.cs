using Cordon.Core.Marketing;

namespace Cordon.Server.Marketing;

/// <summary>A new campaign: both variants, the channel, who sends it, the approval number for medical advertising, when to deliver.</summary>
public sealed record CreateCampaignRequest(string Name, string Channel, CampaignSender Sender, CampaignContent Content, string? ApprovalNumber = null, DateTimeOffset? SendAt = null);

/// <summary>What is stored of a campaign besides its row: no personal data.</summary>
public sealed record CampaignDefinition(CampaignSender Sender, CampaignContent Content, bool MedicalAdvertising, string? ApprovalNumber = null);

public sealed record OutboxCounts(int Pending, int Sending, int Sent, int Failed, int Excluded);

public sealed record CampaignView(
    string Id,
    string Name,
    string Channel,
    string Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? SendAt,
    CampaignSender Sender,
    CampaignContent Content,
    string? ApprovalNumber,
    bool MedicalAdvertising,
    OutboxCounts? Outbox);

public sealed record CampaignList(IReadOnlyList<CampaignView> Campaigns);

/// <summary>What a send queued: the audience (active subjects with a current push consent) and who got which variant.</summary>
/// <summary>What a send queued; <see cref="Warnings"/> says what will stop the messages from leaving (no gateway for the channel).</summary>
public sealed record SendReport(string CampaignId, int Audience, int Queued, int Personalised, int Plain, int ExcludedChildren, int NoAddress, DateTimeOffset DeliverFrom, IReadOnlyList<string> Warnings);

/// <summary>What a retry put back in the queue.</summary>
public sealed record RetryReport(string CampaignId, int Requeued, IReadOnlyList<string> Warnings);

public sealed record AdTermRequest(string Term, string Category, bool Pattern = false);

public sealed record AdTermView(string Term, string Category, bool Pattern, DateTimeOffset AddedAt, string AddedBy);

public sealed record AdTermList(IReadOnlyList<string> Categories, IReadOnlyList<AdTermView> Terms);

/// <summary>What one dispatcher run did.</summary>
public sealed record DeliveryReport(int Claimed, int Sent, int Retried, int Failed, int Excluded)
{
    /// <summary>Channels with messages due and no gateway configured: those messages wait, and fail after the last attempt.</summary>
    public IReadOnlyList<string> ChannelsWithoutGateway { get; init; } = [];
}

/// <summary>The body POSTed to the operator's gateway for one message.</summary>
public sealed record WebhookMessage(string Id, string Campaign, string Channel, string To, string Text);

/// <summary>What is sealed in the outbox under the subject's key: the address and the rendered text.</summary>
public sealed record OutboxPayload(string To, string Text);
