using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Personalisation;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(TagRequest))]
[JsonSerializable(typeof(TagView))]
[JsonSerializable(typeof(TagsDeleted))]
public sealed partial class PersonalisationJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static PersonalisationJson Strict { get; } = new(ApiJsonOptions.Create());
}
