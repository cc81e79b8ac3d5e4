using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Decisions;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(DecisionRequest))]
[JsonSerializable(typeof(DecisionResponse))]
public sealed partial class DecisionsJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static DecisionsJson Strict { get; } = new(ApiJsonOptions.Create());
}
