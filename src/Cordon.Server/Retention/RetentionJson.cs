using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Retention;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(LegalHoldList))]
[JsonSerializable(typeof(LegalHoldRequest))]
[JsonSerializable(typeof(LegalHoldView))]
[JsonSerializable(typeof(RecordDeleted))]
[JsonSerializable(typeof(RetentionRunReport))]
public sealed partial class RetentionJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static RetentionJson Strict { get; } = new(ApiJsonOptions.Create());
}
