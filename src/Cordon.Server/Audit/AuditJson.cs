using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Audit;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(AuditPage))]
[JsonSerializable(typeof(VerifyResponse))]
public sealed partial class AuditJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static AuditJson Strict { get; } = new(ApiJsonOptions.Create());
}
