using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Subjects;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(CreateSubjectRequest))]
[JsonSerializable(typeof(SearchSubjectsRequest))]
[JsonSerializable(typeof(SearchSubjectsResponse))]
[JsonSerializable(typeof(SubjectResponse))]
[JsonSerializable(typeof(SubjectStateRequest))]
public sealed partial class SubjectsApiJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static SubjectsApiJson Strict { get; } = new(ApiJsonOptions.Create());
}
