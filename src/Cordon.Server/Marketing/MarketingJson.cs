using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Marketing;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(AdTermList))]
[JsonSerializable(typeof(AdTermRequest))]
[JsonSerializable(typeof(AdTermView))]
[JsonSerializable(typeof(CampaignDefinition))]
[JsonSerializable(typeof(CampaignList))]
[JsonSerializable(typeof(CampaignView))]
[JsonSerializable(typeof(CreateCampaignRequest))]
[JsonSerializable(typeof(DeliveryReport))]
[JsonSerializable(typeof(OutboxPayload))]
[JsonSerializable(typeof(SendReport))]
[JsonSerializable(typeof(RetryReport))]
[JsonSerializable(typeof(WebhookMessage))]
public sealed partial class MarketingJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static MarketingJson Strict { get; } = new(ApiJsonOptions.Create());
}
