using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cordon.Server.Auth;
using Cordon.Server.Care;
using Cordon.Server.Consent;
using Cordon.Server.Decisions;
using Cordon.Server.Marketing;
using Cordon.Server.Personalisation;
using Cordon.Server.Retention;
using Cordon.Server.Rights;
using Cordon.Server.Sharing;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Cordon.Server.Hosting;

/// <summary>
/// Names every operation and gives every request body an example, in one place rather than on each endpoint. The
/// operationId comes from the method and the route (<c>POST /v1/subjects/{id}/records</c> → <c>postSubjectRecords</c>),
/// so it changes only when the contract does; an endpoint's <c>.WithName()</c> wins where the route reads badly. The
/// examples are keyed by the type an endpoint accepts and are bodies Cordon takes: the tests deserialize each one with
/// the endpoint's strict contract and write the FHIR one through the API.
/// </summary>
internal static class OpenApiOperations
{
    /// <summary>A FHIR R4 Observation the default profile classifies and the <c>test-results</c> purpose may collect.</summary>
    internal const string ObservationExample = """
        {
          "resourceType": "Observation",
          "status": "final",
          "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory", "display": "Laboratory" }] }],
          "code": { "coding": [{ "system": "http://loinc.org", "code": "1558-6", "display": "Fasting glucose [Moles/volume] in Serum or Plasma" }], "text": "空腹血糖 / Fasting glucose" },
          "effectiveDateTime": "2026-03-02T08:30:00+08:00",
          "issued": "2026-03-02T10:05:00+08:00",
          "valueQuantity": { "value": 5.4, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L" },
          "interpretation": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "N", "display": "Normal" }] }],
          "referenceRange": [{ "low": { "value": 3.9, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L" }, "high": { "value": 6.1, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L" } }]
        }
        """;

    private const string SubjectId = "sub_7gq2m4xkpb3tzj8w";

    private static readonly Dictionary<Type, string> JsonExamples = new()
    {
        [typeof(JsonElement)] = ObservationExample,
        [typeof(CreateSubjectRequest)] = """{ "externalId": "wx-1001", "birthDate": "1988-03-14", "displayName": "张伟" }""",
        [typeof(SearchSubjectsRequest)] = """{ "kind": "external-id", "value": "wx-1001" }""",
        [typeof(SubjectStateRequest)] = """{ "state": "restricted", "reason": "患者申请限制处理 / The patient asked to restrict processing" }""",
        [typeof(ConsentRequest)] = """{ "purpose": "test-results", "action": "grant", "noticeVersion": "64c13c4aa8d66216", "channel": "app", "grantedBy": "self" }""",
        [typeof(PractitionerRequest)] = """{ "id": "dr-li", "role": "physician", "name": "李明", "realName": { "status": "verified", "method": "居民身份证与人脸识别 / ID card and face match", "verifiedOn": "2026-03-01" }, "licence": "110110000123456", "registration": { "kind": "this-institution", "institution": "示例互联网医院 / Example Internet Hospital", "registeredOn": "2019-07-01" }, "independentPracticeSince": "2018-07-01", "onlinePracticeConsentedOn": "2026-03-05" }""",
        [typeof(AutomatedDecisionRefusalRequest)] = """{ "action": "refuse", "channel": "app", "givenBy": "self" }""",
        [typeof(SignatureRequest)] = """{ "signature": "MEUCIQC3cY8mO2bQ1Zb7yq0Ew9m1o4Xy0o9bQ7N4m4dOa8b0WAIgc1Q2p8yq3Qp5Jm3l0u4m9g4b1Q2p8yq3Qp5Jm3l0u4=", "guardian": { "relationship": "母亲 / mother" }, "accompanyingPhysician": "dr-wang" }""",
        [typeof(ReviewRequest)] = """{ "decision": "approve", "note": "剂量与肾功能相符 / Dose fits the renal function" }""",
        [typeof(DispenseRequest)] = """{ "channel": "pharmacy" }""",
        [typeof(SuspensionRequest)] = """{ "suspended": true, "reason": "执业证书注销待核实 / Licence cancellation under review" }""",
        [typeof(CareTeamRequest)] = """{ "actor": "dr-li", "role": "physician", "until": "2027-06-30T16:00:00Z" }""",
        [typeof(DecisionRequest)] = $$"""{ "actor": { "role": "nurse", "id": "n-1" }, "purpose": "consultation", "subjectId": "{{SubjectId}}", "recordType": "Condition", "action": "read" }""",
        [typeof(CreateRightsRequest)] = $$"""{ "subjectId": "{{SubjectId}}", "kind": "copy", "relation": "self" }""",
        [typeof(ResolveRightsRequest)] = """{ "outcome": "completed", "note": "已按患者提供的检验单更正空腹血糖记录 / Corrected the fasting glucose from the patient's lab slip" }""",
        [typeof(CalendarYearRequest)] = """{ "days": [{ "date": "2027-01-01", "working": false }, { "date": "2027-02-06", "working": false }, { "date": "2027-02-20", "working": true }] }""",
        [typeof(LegalHoldRequest)] = $$"""{ "subjectId": "{{SubjectId}}", "reason": "医疗纠纷诉讼保全 / Preservation order in a medical dispute" }""",
        [typeof(TagRequest)] = """{ "text": "关注糖尿病饮食", "source": "recommender" }""",
        [typeof(CreateCampaignRequest)] = """
            {
              "name": "春季健康讲座",
              "channel": "sms",
              "sender": { "name": "仁心互联网医院", "contact": "400-820-1234" },
              "content": {
                "personalised": "{nickname}您好，春季健康讲座本周六开讲。仁心互联网医院 400-820-1234 退订点 {unsubscribe}",
                "plain": "您好，春季健康讲座本周六开讲。仁心互联网医院 400-820-1234 退订点 {unsubscribe}"
              }
            }
            """,
        [typeof(AdTermRequest)] = """{ "term": "包治百病", "category": "efficacy-guarantee", "pattern": false }""",
        [typeof(TokenRevocationRequest)] = """{ "actor": "my-app", "reason": "应用密钥泄露 / The app's credentials leaked" }""",
        [typeof(ContractRequest)] = """{ "reference": "HT-2026-017", "signedOn": "2026-11-20", "validFrom": "2026-12-01", "validUntil": "2027-11-30", "purposes": ["prescription"], "permits": "仅用于处方配送 / Only to deliver prescriptions", "subEntrustingApproved": false, "atEnd": "delete" }""",
        [typeof(TransferRequest)] = """{ "kind": "standard-contract", "reference": "沪网信备〔2026〕0123", "since": "2026-10-15" }""",
        [typeof(GeneticFilingRequest)] = """{ "reference": "国科遗办备字〔2026〕001", "filedOn": "2026-09-01" }""",
        [typeof(AssessmentRequest)] = """{ "title": "向合作药房提供处方信息的影响评估 / PIPIA: prescriptions to the partner pharmacy", "covers": ["sensitive", "sharing"], "purposes": ["prescription"], "recipients": ["partner-pharmacy"], "risks": ["处方可能反映病情 / A prescription can reveal illness"], "measures": ["仅提供配送所需字段，传输加密 / Only the fields delivery needs, encrypted in transit"], "approvedBy": "王敏（个人信息保护负责人）", "approvedOn": "2026-11-25" }""",
        [typeof(DisclosureRequest)] = $$"""{ "recipient": "partner-pharmacy", "subjectIds": ["{{SubjectId}}"], "types": ["MedicationRequest"] }""",
    };

    /// <summary>Ids in the shape Cordon gives them, by the collection they name, so that "Test Request" can send.</summary>
    private static readonly Dictionary<string, string> PathExamples = new(StringComparer.Ordinal)
    {
        ["subjects"] = SubjectId,
        ["records"] = "rec_3k9x2v4n6p8t0wbq",
        ["rights-requests"] = "rr_5m1n7q3r9s2t4v6w",
        ["legal-holds"] = "hold_8c2d4e6f0g1h3j5k",
        ["campaigns"] = "cmp_2b4c6d8e0f1g3h5j",
        ["tags"] = "tag_6h8j0k2m4n6p8q0r",
        ["calendar"] = "2027",
        ["recipients"] = "partner-pharmacy",
        ["prescriptions"] = "rec_7p2q4r6s8t0v2w4x",
    };

    public static void Configure(OpenApiOptions options)
    {
        // A complete profile that loads: the shipped health-information-service one (the default is ten times longer).
        var profileExample = BuiltInProfiles.Text("health-information-service");
        options.AddOperationTransformer((operation, context, _) =>
        {
            var description = context.Description;
            operation.OperationId ??= OperationId(description.HttpMethod ?? "GET", description.RelativePath ?? "");
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                if (parameter is { In: ParameterLocation.Path, Example: null } && PathExample(description.RelativePath ?? "", parameter.Name) is { } value)
                {
                    parameter.Example = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(value);
                }
            }

            var accepts = description.ActionDescriptor.EndpointMetadata.OfType<IAcceptsMetadata>().FirstOrDefault()?.RequestType;
            if (operation.RequestBody?.Content is not { } content || accepts is null)
            {
                return Task.CompletedTask;
            }

            JsonNode? example = accepts == typeof(string) ? JsonValue.Create(profileExample)
                : JsonExamples.TryGetValue(accepts, out var json) ? JsonNode.Parse(json) : null;
            foreach (var media in content.Values)
            {
                media.Example ??= example?.DeepClone();
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// <c>method</c> + the route's words in Pascal case, without the version and the parameters; a plural followed
    /// by a parameter is made singular (<c>GET /v1/records/{id}</c> → <c>getRecord</c>).
    /// </summary>
    internal static string OperationId(string method, string route)
    {
        var segments = route.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var id = new StringBuilder(method.ToLowerInvariant());
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.StartsWith('{') || (i == 0 && IsVersion(segment)))
            {
                continue;
            }

            var one = i + 1 < segments.Length && segments[i + 1].StartsWith('{');
            var words = segment.Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries);
            for (var w = 0; w < words.Length; w++)
            {
                var word = words[w];
                if (one && w == words.Length - 1 && word.Length > 1 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal))
                {
                    word = word[..^1];
                }

                id.Append(char.ToUpperInvariant(word[0])).Append(word.AsSpan(1));
            }
        }

        return id.ToString();
    }

    /// <summary>The example of the path parameter <paramref name="name"/>: an id of the collection named before it.</summary>
    private static string? PathExample(string route, string? name)
    {
        var segments = route.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.FindIndex(segments, s => s.Length > 2 && s[1..^1].Split(':')[0] == name);
        return at > 0 && PathExamples.TryGetValue(segments[at - 1], out var example) ? example : null;
    }

    private static bool IsVersion(string segment)
        => segment.Length > 1 && segment[0] == 'v' && segment.AsSpan(1).ContainsAnyExcept("0123456789") is false;
}
