using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Records;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(RecordWritten))]
public sealed partial class RecordsJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static RecordsJson Strict { get; } = new(ApiJsonOptions.Create());
}
