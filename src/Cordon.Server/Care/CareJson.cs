using System.Text.Json.Serialization;
using Cordon.Server.Http;

namespace Cordon.Server.Care;

/// <summary>The JSON contract of this feature's requests and responses, source-generated, under <see cref="ApiJsonOptions"/>.</summary>
[JsonSerializable(typeof(CareTeamMemberResponse))]
[JsonSerializable(typeof(CareTeamRequest))]
[JsonSerializable(typeof(CareTeamResponse))]
[JsonSerializable(typeof(PractitionerRequest))]
[JsonSerializable(typeof(SuspensionRequest))]
[JsonSerializable(typeof(PractitionerView))]
[JsonSerializable(typeof(PractitionerList))]
[JsonSerializable(typeof(StoredPractitioner))]
[JsonSerializable(typeof(Cordon.Core.Care.PractitionerSuspension))]
[JsonSerializable(typeof(SignatureRequest))]
[JsonSerializable(typeof(ReviewRequest))]
[JsonSerializable(typeof(DispenseRequest))]
[JsonSerializable(typeof(PrescriptionView))]
[JsonSerializable(typeof(PrescriptionList))]
[JsonSerializable(typeof(ConsultationList))]
public sealed partial class CareJson : JsonSerializerContext
{
    /// <summary>This feature's types under the strict options every request and response of the API uses.</summary>
    public static CareJson Strict { get; } = new(ApiJsonOptions.Create());
}
