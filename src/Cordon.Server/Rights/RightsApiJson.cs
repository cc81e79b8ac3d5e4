using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Rights;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(CalendarView))]
[JsonSerializable(typeof(CalendarYearRequest))]
[JsonSerializable(typeof(CreateRightsRequest))]
[JsonSerializable(typeof(Explanation))]
[JsonSerializable(typeof(ErasureReport))]
[JsonSerializable(typeof(ResolveRightsRequest))]
[JsonSerializable(typeof(RightsRequestList))]
[JsonSerializable(typeof(RightsRequestView))]
public sealed partial class RightsApiJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static RightsApiJson Strict { get; } = new(ApiJsonOptions.Create());
}
