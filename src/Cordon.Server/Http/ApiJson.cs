using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cordon.Server.Http;

/// <summary>
/// The options of the API's JSON contract, written once and used by every feature's source-generated context
/// (<c>RecordsJson</c>, <c>ConsentJson</c>, …: each feature owns its own). Requests are strict: unknown members,
/// missing required members, nulls where none are allowed, duplicate members and numbers in strings are refused.
/// Responses write Chinese as Chinese (<see cref="Core.Json.JsonOutput"/>).
/// </summary>
public static class ApiJsonOptions
{
    /// <summary>A fresh instance (a context binds and locks the options it is given).</summary>
    public static JsonSerializerOptions Create() => new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        AllowDuplicateProperties = false,
        NumberHandling = JsonNumberHandling.Strict,

        // Chinese as Chinese in every response; HTML-sensitive characters still escaped.
        Encoder = Core.Json.JsonOutput.Encoder,
    };
}

/// <summary>The JSON of the host's own responses (health).</summary>
[JsonSerializable(typeof(HealthResponse))]
public sealed partial class ApiJson : JsonSerializerContext
{
    public static ApiJson Strict { get; } = new(ApiJsonOptions.Create());
}

public sealed record HealthResponse(string Status, string Store, int Tenants, string Version);
