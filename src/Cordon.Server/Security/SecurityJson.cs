using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Security;

/// <summary>The JSON contract of the security feature, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(AccessLogPage))]
[JsonSerializable(typeof(AccessLogVerification))]
public sealed partial class SecurityJson : JsonSerializerContext
{
    public static SecurityJson Strict { get; } = new(ApiJsonOptions.Create());
}
