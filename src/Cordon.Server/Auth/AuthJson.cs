using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Auth;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(TokenRevocationPage))]
[JsonSerializable(typeof(TokenRevocationRequest))]
[JsonSerializable(typeof(TokenRevocationView))]
public sealed partial class AuthJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static AuthJson Strict { get; } = new(ApiJsonOptions.Create());
}
