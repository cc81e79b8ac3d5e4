using System.Text.Json;
using System.Text.Json.Serialization;
using Cordon.Server.Audit;
using Cordon.Server.Care;
using Cordon.Server.Consent;
using Cordon.Server.Decisions;
using Cordon.Server.Records;
using Cordon.Server.Subjects;

namespace Cordon.Server.Http;

/// <summary>
/// The JSON contract of every request and response DTO, source-generated. Requests are strict: unknown members,
/// missing required members, nulls where none are allowed and duplicate members are refused.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(CreateSubjectRequest))]
[JsonSerializable(typeof(SubjectResponse))]
[JsonSerializable(typeof(SearchSubjectsRequest))]
[JsonSerializable(typeof(SubjectStateRequest))]
[JsonSerializable(typeof(SearchSubjectsResponse))]
[JsonSerializable(typeof(ConsentRequest))]
[JsonSerializable(typeof(ConsentEventResponse))]
[JsonSerializable(typeof(ConsentsResponse))]
[JsonSerializable(typeof(CareTeamRequest))]
[JsonSerializable(typeof(CareTeamMemberResponse))]
[JsonSerializable(typeof(CareTeamResponse))]
[JsonSerializable(typeof(RecordWritten))]
[JsonSerializable(typeof(DecisionRequest))]
[JsonSerializable(typeof(DecisionResponse))]
[JsonSerializable(typeof(AuditPage))]
[JsonSerializable(typeof(VerifyResponse))]
[JsonSerializable(typeof(Auth.TokenRevocationRequest))]
[JsonSerializable(typeof(Auth.TokenRevocationView))]
[JsonSerializable(typeof(Auth.TokenRevocationPage))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(Cordon.Server.Rights.CreateRightsRequest))]
[JsonSerializable(typeof(Cordon.Server.Rights.ResolveRightsRequest))]
[JsonSerializable(typeof(Cordon.Server.Rights.RightsRequestView))]
[JsonSerializable(typeof(Cordon.Server.Rights.RightsRequestList))]
[JsonSerializable(typeof(Cordon.Server.Rights.CalendarView))]
[JsonSerializable(typeof(Cordon.Server.Rights.CalendarYearRequest))]
[JsonSerializable(typeof(Cordon.Server.Rights.Explanation))]
[JsonSerializable(typeof(Cordon.Server.Rights.ErasureReport))]
[JsonSerializable(typeof(Cordon.Server.Retention.LegalHoldRequest))]
[JsonSerializable(typeof(Cordon.Server.Retention.LegalHoldView))]
[JsonSerializable(typeof(Cordon.Server.Retention.LegalHoldList))]
[JsonSerializable(typeof(Cordon.Server.Retention.RecordDeleted))]
[JsonSerializable(typeof(Cordon.Server.Retention.RetentionRunReport))]
[JsonSerializable(typeof(ConsentPromptsResponse))]
[JsonSerializable(typeof(Cordon.Server.Personalisation.TagRequest))]
[JsonSerializable(typeof(Cordon.Server.Personalisation.TagView))]
[JsonSerializable(typeof(Cordon.Server.Personalisation.TagList))]
[JsonSerializable(typeof(Cordon.Server.Personalisation.TagsDeleted))]
[JsonSerializable(typeof(Cordon.Server.Tenancy.ProfilePublished))]
[JsonSerializable(typeof(RenewalList))]
[JsonSerializable(typeof(Cordon.Server.Marketing.CreateCampaignRequest))]
[JsonSerializable(typeof(Cordon.Server.Marketing.CampaignDefinition))]
[JsonSerializable(typeof(Cordon.Server.Marketing.CampaignView))]
[JsonSerializable(typeof(Cordon.Server.Marketing.CampaignList))]
[JsonSerializable(typeof(Cordon.Server.Marketing.SendReport))]
[JsonSerializable(typeof(Cordon.Server.Marketing.AdTermRequest))]
[JsonSerializable(typeof(Cordon.Server.Marketing.AdTermView))]
[JsonSerializable(typeof(Cordon.Server.Marketing.AdTermList))]
[JsonSerializable(typeof(Cordon.Server.Marketing.DeliveryReport))]
[JsonSerializable(typeof(Cordon.Server.Marketing.WebhookMessage))]
[JsonSerializable(typeof(Cordon.Server.Marketing.OutboxPayload))]
public sealed partial class ApiJson : JsonSerializerContext;

public sealed record HealthResponse(string Status, string Store, int Tenants, string Version);
