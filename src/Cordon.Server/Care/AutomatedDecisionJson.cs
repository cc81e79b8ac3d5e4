using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Care;

/// <summary>The JSON contract of the automated-decision endpoints, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(AutomatedDecisionRefusalRequest))]
[JsonSerializable(typeof(AutomatedDecisionEventResponse))]
[JsonSerializable(typeof(AutomatedDecisionsResponse))]
public sealed partial class AutomatedDecisionJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static AutomatedDecisionJson Strict { get; } = new(ApiJsonOptions.Create());
}
