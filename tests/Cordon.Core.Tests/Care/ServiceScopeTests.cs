using System.Text;
using Cordon.Core.Access;
using Cordon.Core.Care;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;

namespace Cordon.Core.Tests.Care;

/// <summary>What a health-information service may write, by content, and telemedicine only between institutions (R59).</summary>
public sealed class ServiceScopeTests
{
    private const OperatorType Service = OperatorType.HealthInformationService;

    private static ScopeVerdict? Check(OperatorType type, string recordType, string json, string? service = "health-advice", Role writer = Role.App)
        => ServiceScope.Check(type, service, writer, recordType, Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("Condition", """{"resourceType":"Condition","clinicalStatus":{"coding":[{"code":"active"}]},"code":{"text":"x"}}""", "diagnosis")]
    [InlineData("MedicationRequest", """{"resourceType":"MedicationRequest","status":"draft"}""", "prescription")]
    [InlineData("CarePlan", """{"resourceType":"CarePlan","status":"active"}""", "treatment plan")]
    [InlineData("Communication", """{"resourceType":"Communication","category":[{"coding":[{"system":"urn:cordon:communication-category","code":"diagnosis"}]}]}""", "diagnosis")]
    [InlineData("Communication", """{"resourceType":"Communication","category":[{"coding":[{"system":"urn:cordon:communication-category","code":"treatment-plan"}]}]}""", "treatment plan")]
    public void A_health_information_service_may_not_write_a_diagnosis_a_treatment_plan_or_a_prescription_R59(string type, string json, string what)
    {
        var verdict = Check(Service, type, json);

        Assert.NotNull(verdict);
        Assert.Same(ScopeRefusals.OutsideServiceScope, verdict.Value.Refusal);
        Assert.Equal("R59", verdict.Value.Refusal.Rule);
        Assert.Equal("care.outside-service-scope", verdict.Value.Refusal.Code);
        Assert.Contains(what, verdict.Value.Detail, StringComparison.Ordinal);
        Assert.Contains("health information and general advice", verdict.Value.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Condition", """{"resourceType":"Condition","code":{"text":"reported headache"}}""")]
    [InlineData("Communication", """{"resourceType":"Communication","category":[{"coding":[{"system":"urn:cordon:communication-category","code":"advice"}]}]}""")]
    [InlineData("Communication", """{"resourceType":"Communication","category":[{"coding":[{"system":"urn:other","code":"diagnosis"}]}]}""")]
    [InlineData("HealthQuestion", """{"resourceType":"HealthQuestion","topic":"sleep","answer":"rest"}""")]
    public void Health_information_and_advice_are_within_a_health_information_service_s_scope(string type, string json)
        => Assert.Null(Check(Service, type, json));

    [Theory]
    [InlineData(OperatorType.InternetHospital)]
    [InlineData(OperatorType.MedicalInstitution)]
    public void A_medical_institution_writes_diagnoses_and_prescriptions(OperatorType type)
    {
        Assert.Null(Check(type, "Condition", """{"resourceType":"Condition","clinicalStatus":{"coding":[{"code":"active"}]}}""", "consultation"));
        Assert.Null(Check(type, "MedicationRequest", """{"resourceType":"MedicationRequest"}""", "prescription"));
    }

    private const string Institutional = """{"resourceType":"ServiceRequest","status":"active","intent":"order","requester":{"reference":"Organization/hospital-a"},"performer":[{"reference":"Organization/hospital-b"}]}""";

    [Theory]
    [InlineData(OperatorType.InternetHospital)]
    [InlineData(OperatorType.MedicalInstitution)]
    public void A_remote_consultation_requested_by_one_institution_of_another_is_admitted(OperatorType type)
    {
        Assert.Null(Check(type, "ServiceRequest", Institutional, "telemedicine", Role.App));
        Assert.Null(Check(type, "ServiceRequest", Institutional, "telemedicine", Role.Physician));
        Assert.Null(Check(type, "ServiceRequest", Institutional.Replace("\"reference\":\"Organization/hospital-b\"", "\"type\":\"Organization\"", StringComparison.Ordinal), "telemedicine"));
    }

    [Theory]
    [InlineData("""{"resourceType":"ServiceRequest","requester":{"reference":"Patient/p1"},"performer":[{"reference":"Organization/hospital-b"}]}""", "requester")]
    [InlineData("""{"resourceType":"ServiceRequest","requester":{"reference":"RelatedPerson/g1"},"performer":[{"reference":"Organization/hospital-b"}]}""", "requester")]
    [InlineData("""{"resourceType":"ServiceRequest","requester":{"reference":"Organization/x","type":"Patient"},"performer":[{"reference":"Organization/hospital-b"}]}""", "requester")]
    [InlineData("""{"resourceType":"ServiceRequest","performer":[{"reference":"Organization/hospital-b"}]}""", "requester")]
    [InlineData("""{"resourceType":"ServiceRequest","requester":{"reference":"Organization/hospital-a"}}""", "performer")]
    [InlineData("""{"resourceType":"ServiceRequest","requester":{"reference":"Organization/hospital-a"},"performer":[{"reference":"Practitioner/dr-b"}]}""", "performer")]
    public void A_remote_consultation_not_between_institutions_is_refused_R59(string json, string field)
    {
        var verdict = Check(OperatorType.InternetHospital, "ServiceRequest", json, "telemedicine");

        Assert.NotNull(verdict);
        Assert.Same(ScopeRefusals.TelemedicineNotInstitutional, verdict.Value.Refusal);
        Assert.Equal("R59", verdict.Value.Refusal.Rule);
        Assert.StartsWith(field, verdict.Value.Detail.Replace("a performer", "performer", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Role.Patient)]
    [InlineData(Role.Guardian)]
    public void A_patient_or_guardian_may_not_initiate_a_remote_consultation_even_with_an_institutional_body_R59(Role role)
    {
        var verdict = Check(OperatorType.InternetHospital, "ServiceRequest", Institutional, "telemedicine", role);

        Assert.Same(ScopeRefusals.TelemedicineNotInstitutional, verdict!.Value.Refusal);
        Assert.Null(Check(OperatorType.InternetHospital, "ServiceRequest", Institutional.Replace("Organization/hospital-a", "Patient/p1", StringComparison.Ordinal), "consultation", role));
    }

    [Fact]
    public void Every_scope_refusal_names_its_rule_and_says_what_to_do_without_patient_data()
    {
        foreach (var refusal in new[] { ScopeRefusals.AutomatedDecisionRefused, ScopeRefusals.OutsideServiceScope, ScopeRefusals.TelemedicineNotInstitutional })
        {
            Assert.NotNull(refusal.Rule);
            Assert.NotNull(refusal.Citation);
            Assert.Equal(403, refusal.Status);
            Assert.StartsWith("care.", refusal.Code, StringComparison.Ordinal);
        }
    }
}

/// <summary>The refusal of decisions made solely by automated means (R14).</summary>
public sealed class AutomatedDecisionsTests
{
    private static AutomatedDecisionEvent Event(AutomatedDecisionAction action) => new()
    {
        Id = "adr_1",
        Tenant = "t",
        SubjectId = "sub_1",
        Action = action,
        GivenBy = Cordon.Core.Consent.ConsentGiver.Self,
        Channel = "app",
        ActorId = "app",
        Time = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void A_refusal_is_in_force_until_withdrawn()
    {
        Assert.False(AutomatedDecisions.Refused(null));
        Assert.True(AutomatedDecisions.Refused(Event(AutomatedDecisionAction.Refuse)));
        Assert.False(AutomatedDecisions.Refused(Event(AutomatedDecisionAction.Withdraw)));
    }

    [Fact]
    public void After_a_refusal_an_automated_agent_is_refused_R14_and_a_human_is_not()
    {
        var refusal = AutomatedDecisions.CheckActor(automated: true, refused: true);
        Assert.Same(ScopeRefusals.AutomatedDecisionRefused, refusal);
        Assert.Equal("R14", refusal!.Rule);
        Assert.Null(AutomatedDecisions.CheckActor(automated: false, refused: true));
        Assert.Null(AutomatedDecisions.CheckActor(automated: true, refused: false));
    }

    [Theory]
    [InlineData(SubjectLink.Self, true)]
    [InlineData(SubjectLink.Guardian, true)]
    [InlineData(SubjectLink.None, false)]
    public void After_a_refusal_automated_records_are_served_only_to_the_subject_and_guardian(SubjectLink reader, bool served)
    {
        Assert.Equal(served, AutomatedDecisions.MayServeAutomatedRecord(refused: true, reader));
        Assert.True(AutomatedDecisions.MayServeAutomatedRecord(refused: false, reader));
    }

    [Theory]
    [InlineData("refuse", AutomatedDecisionAction.Refuse)]
    [InlineData("withdraw", AutomatedDecisionAction.Withdraw)]
    public void Actions_round_trip_and_others_are_not_parsed(string key, AutomatedDecisionAction action)
    {
        Assert.True(AutomatedDecisions.TryParse(key, out var parsed));
        Assert.Equal(action, parsed);
        Assert.Equal(key, parsed.ToKey());
        Assert.False(AutomatedDecisions.TryParse("Refuse", out _));
        Assert.False(AutomatedDecisions.TryParse(null, out _));
    }
}
