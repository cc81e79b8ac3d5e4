using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Consent;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(ConsentEventResponse))]
[JsonSerializable(typeof(ConsentPromptsResponse))]
[JsonSerializable(typeof(ConsentRequest))]
[JsonSerializable(typeof(ConsentsResponse))]
[JsonSerializable(typeof(RenewalList))]
public sealed partial class ConsentJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static ConsentJson Strict { get; } = new(ApiJsonOptions.Create());
}
