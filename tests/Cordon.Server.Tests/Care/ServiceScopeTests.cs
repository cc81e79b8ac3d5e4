using System.Net;
using Cordon.Core.Audit;
using Cordon.Server.Tenancy;

namespace Cordon.Server.Tests.Care;

/// <summary>
/// What a health-information service may write (R59), over HTTP: a tenant of the shipped health-information-service profile
/// whose catalog also declares Condition and Communication as non-medical-record types (so only the content rule stands in the way).
/// </summary>
public sealed class HealthInformationServiceScopeTests : ServerTest
{
    private const string Types = """
          Condition:
            kind: fhir
            description: "用户自述的健康关注 / A health concern the user reports"
            fields:
              - { path: code.coding.system, category: health-status, level: L1, description: "编码体系 / Code system" }
              - { path: code.coding.code, category: health-status, level: L3, tags: [medical-health], description: "编码 / Code" }
              - { path: code.coding.display, category: health-status, level: L3, tags: [medical-health], description: "名称 / Name" }
              - { path: code.text, category: health-status, level: L3, tags: [medical-health], description: "说明 / Text" }
              - { path: clinicalStatus.coding.system, category: health-status, level: L1, description: "临床状态编码体系 / Clinical status system" }
              - { path: clinicalStatus.coding.code, category: health-status, level: L3, tags: [medical-health], description: "临床状态 / Clinical status" }

          Communication:
            kind: fhir
            description: "健康建议消息 / Health advice messages"
            fields:
              - { path: status, category: medical-application, level: L2, description: "状态 / Status" }
              - { path: category.coding.system, category: medical-application, level: L1, description: "类别编码体系 / Category system" }
              - { path: category.coding.code, category: medical-application, level: L2, description: "类别 / Category" }
              - { path: payload.contentString, category: health-status, level: L3, tags: [medical-health], description: "内容 / Content" }

        """;

    protected override Task<CordonServer> StartServerAsync() => CordonServer.StartAsync(editProfile: _ =>
    {
        var text = BuiltInProfiles.Text("health-information-service");
        text = text.Replace("catalog:\n\n", "catalog:\n\n" + Types + "\n", StringComparison.Ordinal);
        return text.Replace("      HealthQuestion: [\"*\"]\n", "      HealthQuestion: [\"*\"]\n      Condition: [\"*\"]\n      Communication: [\"*\"]\n", StringComparison.Ordinal);
    });

    private static readonly object Diagnosis = new { resourceType = "Condition", clinicalStatus = new { coding = new[] { new { system = "http://terminology.hl7.org/CodeSystem/condition-clinical", code = "active" } } }, code = new { text = "2型糖尿病" } };

    [Fact]
    public async Task A_diagnosis_is_refused_R59_saying_what_may_be_written_instead_nothing_is_stored_and_the_attempt_is_audited()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "health-advice");

        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "health-advice", Diagnosis);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("care.outside-service-scope", problem!["code"]!.GetValue<string>());
        Assert.Equal("R59", problem["rule"]!.GetValue<string>());
        Assert.Contains("health information and general advice", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("糖尿病", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, await Server.CountRecordsAsync(subject));
        var entries = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { SubjectId = subject }, default);
        Assert.Contains(entries, e => e.Draft.Outcome == AuditOutcome.Deny && e.Draft.Code == "care.outside-service-scope" && e.Draft.Rules.Contains("R59"));
    }

    [Fact]
    public async Task A_communication_marked_as_a_diagnosis_is_refused_and_advice_and_a_reported_concern_are_written()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "health-advice");
        object Message(string code) => new { resourceType = "Communication", status = "completed", category = new[] { new { coding = new[] { new { system = "urn:cordon:communication-category", code } } } }, payload = new[] { new { contentString = "多休息" } } };

        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "health-advice", Message("diagnosis"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("care.outside-service-scope", problem!["code"]!.GetValue<string>());

        await Server.WriteAsync(subject, "health-advice", Message("advice"));
        await Server.WriteAsync(subject, "health-advice", new { resourceType = "Condition", code = new { text = "睡眠不好" } });
        Assert.Equal(2, await Server.CountRecordsAsync(subject));
    }
}

/// <summary>Telemedicine only between medical institutions (R59), under an internet hospital with a remote-consultation purpose, on both engines.</summary>
public abstract class TelemedicineTests : ServerTest
{
    private const string ServiceRequestType = """
          ServiceRequest:
            kind: fhir
            description: "远程会诊申请 / Remote consultation request"
            clinical: true
            medicalRecord: true
            retentionClass: internet-diagnosis-record
            fields:
              - { path: status, category: medical-application, level: L2, description: "状态 / Status" }
              - { path: intent, category: medical-application, level: L2, description: "意图 / Intent" }
              - { path: code.text, category: health-status, level: L3, tags: [medical-health], description: "会诊事由 / Reason" }
              - { path: requester.reference, category: health-resources, level: L1, description: "申请方 / Requester" }
              - { path: requester.type, category: health-resources, level: L1, description: "申请方类型 / Requester type" }
              - { path: performer.reference, category: health-resources, level: L1, description: "受邀方 / Performer" }
              - { path: performer.type, category: health-resources, level: L1, description: "受邀方类型 / Performer type" }

        """;

    private const string Purpose = """
          telemedicine:
            name: 远程会诊
            nameEn: Remote consultation
            description: "本院向其他医疗机构申请远程会诊（第二诊疗意见）。/ We ask another medical institution for a remote consultation (a second opinion)."
            legalBasis: contract
            consent: separate
            necessary: false
            service: telemedicine
            roles: { write: [app, physician], read: [app, physician] }
            collect:
              ServiceRequest: ["*"]
            retention: 15y
            afterRetention: delete
            notice:
              method: "本院医生为您申请其他医疗机构的会诊。/ Your physician asks another institution to consult on your case."
              necessity: "会诊事由是受邀机构给出意见所必需的。/ The reason is what the consulted institution needs."
              impact: "会诊信息属于敏感个人信息，仅提供给受邀机构。/ This is sensitive; only the consulted institution receives it."

        """;

    protected override Task<CordonServer> StartServerAsync() => CordonServer.StartAsync(Postgres, editProfile: text =>
    {
        var at = text.IndexOf("\ncatalog:\n", StringComparison.Ordinal) + "\ncatalog:\n".Length;
        text = text.Insert(at, "\n" + ServiceRequestType);
        at = text.IndexOf("\npurposes:\n", StringComparison.Ordinal) + "\npurposes:\n".Length;
        return text.Insert(at, "\n" + Purpose);
    });

    private static object Request(string requester, string performer = "Organization/hospital-b")
        => new { resourceType = "ServiceRequest", status = "active", intent = "order", code = new { text = "second opinion" }, requester = new { reference = requester }, performer = new[] { new { reference = performer } } };

    [Fact]
    public async Task A_patient_initiated_remote_consultation_is_refused_R59_and_nothing_is_stored()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "telemedicine");

        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "telemedicine", Request($"Patient/{subject}"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("care.telemedicine-not-institutional", problem!["code"]!.GetValue<string>());
        Assert.Equal("R59", problem["rule"]!.GetValue<string>());
        Assert.StartsWith("requester does not reference an Organization", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(subject, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await Server.CountRecordsAsync(subject));

        var (patient, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.Token(Core.Access.Role.Patient, "me", subject), "telemedicine", Request("Organization/hospital-a"));
        Assert.Equal(HttpStatusCode.Forbidden, patient.StatusCode);
        Assert.Equal(0, await Server.CountRecordsAsync(subject));
    }

    [Fact]
    public async Task A_request_from_one_institution_to_another_is_written()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "telemedicine");

        await Server.WriteAsync(subject, "telemedicine", Request("Organization/hospital-a"));

        var (toPhysician, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "telemedicine", Request("Organization/hospital-a", "Practitioner/dr-b"));
        Assert.Equal(HttpStatusCode.Forbidden, toPhysician.StatusCode);
        Assert.Equal("care.telemedicine-not-institutional", problem!["code"]!.GetValue<string>());
        Assert.Equal(1, await Server.CountRecordsAsync(subject));
    }
}

public sealed class SqliteTelemedicineTests : TelemedicineTests;

public sealed class PostgresTelemedicineTests : TelemedicineTests
{
    protected override bool Postgres => true;
}
