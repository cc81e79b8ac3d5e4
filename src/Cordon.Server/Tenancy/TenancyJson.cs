using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Tenancy;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(ProfilePublished))]
public sealed partial class TenancyJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static TenancyJson Strict { get; } = new(ApiJsonOptions.Create());
}
