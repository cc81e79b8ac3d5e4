using System.Net;
using System.Text;
using Cordon.Core.Access;
using Cordon.Testing;
using Hl7.Fhir.Serialization;

namespace Cordon.Server.Tests;

/// <summary>
/// The data path end to end over HTTP: request → decision → encrypted store → audit → response. Runs on SQLite
/// and on PostgreSQL (one subclass each).
/// </summary>
public abstract class RecordFlowTests : ServerTest
{
    protected abstract override bool Postgres { get; }

    [Fact]
    public async Task A_patient_record_is_written_and_read_back_under_its_purpose()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var (id, _) = CordonServer.ChineseIdentifiers();

        var (written, body) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", new
        {
            resourceType = "Patient",
            name = new[] { new { text = "张三" } },
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = id } },
        });
        Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        Assert.Equal("Patient", body!["type"]!.GetValue<string>());
        Assert.Equal("L4", body["level"]!.GetValue<string>());
        Assert.Equal($"/v1/records/{body["id"]}", written.Headers.Location!.OriginalString);

        var (read, records) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "appointment");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var resource = records!["records"]![0]!["resource"]!;
        Assert.Equal(id, resource["identifier"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("张三", resource["name"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Support_staff_see_ID_numbers_and_mobiles_masked()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var idNumber = "11010519491231002X";
        await Server.WriteAsync(subject, "appointment", new
        {
            resourceType = "Patient",
            name = new[] { new { text = "李四" } },
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = idNumber } },
        });
        await Server.GrantAsync(subject, "account");
        await Server.WriteAsync(subject, "account", new { resourceType = "Account", mobile = "13812345678" });

        var support = Server.Token(Role.Support, "support-zhao");
        var (response, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records?type=Patient", support, "appointment");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patient = body!["records"]![0]!["resource"]!;
        Assert.Equal("110105********002X", patient["identifier"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("李*", patient["name"]![0]!["text"]!.GetValue<string>());

        var (_, account) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records?type=Account", support, "account");
        Assert.Equal("138****5678", account!["records"]![0]!["resource"]!["mobile"]!.GetValue<string>());

        var audit = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { ActorId = "support-zhao" }, default);
        Assert.Contains(audit, e => e.Draft.Outcome == Core.Audit.AuditOutcome.PermitMasked);
    }

    [Fact]
    public async Task A_read_returns_only_the_fields_the_purpose_allows()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        await Server.GrantAsync(subject, "consultation");
        var (id, _) = CordonServer.ChineseIdentifiers(2);
        await Server.WriteAsync(subject, "appointment", new
        {
            resourceType = "Patient",
            name = new[] { new { text = "王五" } },
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = id } },
        });

        // consultation reads Patient name but not the ID number.
        var physician = await Server.PractitionerTokenAsync(Role.Physician, "dr-li");
        await Server.AddCareTeamAsync(subject, "dr-li", "physician");
        var (response, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records?type=Patient", physician, "consultation");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var resource = body!["records"]![0]!["resource"]!;
        Assert.Equal("王五", resource["name"]![0]!["text"]!.GetValue<string>());
        Assert.Null(resource["identifier"]);
    }

    [Fact]
    public async Task Writing_without_consent_is_refused_with_the_rule_and_stores_nothing()
    {
        var subject = await Server.CreateSubjectAsync();
        var auditBefore = await Server.CountAuditAsync();

        var (response, body) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("consent.missing", body!["code"]!.GetValue<string>());
        Assert.Equal("R02", body["rule"]!.GetValue<string>());
        Assert.Contains("PIPL Art. 29", body["citation"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await Server.CountRecordsAsync(subject));
        var denial = (await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { SubjectId = subject }, default))[^1];
        Assert.Equal(Core.Audit.AuditOutcome.Deny, denial.Draft.Outcome);
        Assert.Equal("consent.missing", denial.Draft.Code);
        Assert.Equal(auditBefore + 1, await Server.CountAuditAsync());
    }

    [Fact]
    public async Task A_withdrawal_takes_effect_for_the_very_next_request()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));
        var (before, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "consultation");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await Server.WithdrawAsync(subject, "consultation");

        var (after, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Equal("consent.missing", body!["code"]!.GetValue<string>());
        Assert.Equal("R08", body["rule"]!.GetValue<string>());
        var (write, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "consultation", CordonServer.Condition("I10", "高血压"));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
    }

    [Fact]
    public async Task Physicians_read_clinical_records_only_within_a_care_relationship()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));
        var physician = await Server.PractitionerTokenAsync(Role.Physician, "dr-chen");

        var (outside, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", physician, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Equal("access.no-care-relationship", problem!["code"]!.GetValue<string>());

        await Server.AddCareTeamAsync(subject, "dr-chen", "physician", TimeSpan.FromDays(2));
        var (inside, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", physician, "consultation");
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        Assert.Single(body!["records"]!.AsArray());

        Server.Time.Advance(TimeSpan.FromDays(3));
        var (expired, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", physician, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
    }

    [Fact]
    public async Task Break_glass_access_needs_a_justification_and_is_flagged_with_it_sealed_in_the_audit()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("I21.9", "急性心肌梗死"));
        var physician = await Server.PractitionerTokenAsync(Role.Physician, "dr-er");

        var (response, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", physician, "consultation", justification: "急诊抢救，患者昏迷");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var entry = (await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { ActorId = "dr-er" }, default))[^1];
        Assert.True(entry.Draft.Flags.HasFlag(Core.Audit.AuditFlags.BreakGlass));
        Assert.NotNull(entry.Draft.SealedNote);
        Assert.DoesNotContain("急诊", Encoding.UTF8.GetString(entry.Draft.SealedNote!), StringComparison.Ordinal);
        var (_, page) = await Server.SendAsync(HttpMethod.Get, "/v1/audit?actor=dr-er", Server.Token(Role.Security, "sec-1"));
        Assert.Equal("急诊抢救，患者昏迷", page!["entries"]![0]!["justification"]!.GetValue<string>());
        Assert.Contains("break-glass", page["entries"]![0]!["flags"]!.AsArray().Select(f => f!.GetValue<string>()));
    }

    [Fact]
    public async Task Level_5_records_are_served_only_to_the_treating_physician_with_a_justification()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        var hiv = await Server.WriteAsync(subject, "consultation", CordonServer.Condition("B20", "HIV disease"));
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));
        await Server.AddCareTeamAsync(subject, "dr-li", "physician");
        await Server.AddCareTeamAsync(subject, "nurse-wu", "nurse");
        var physician = await Server.PractitionerTokenAsync(Role.Physician, "dr-li");
        var nurse = await Server.PractitionerTokenAsync(Role.Nurse, "nurse-wu");

        var (_, nurseView) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", nurse, "consultation");
        Assert.DoesNotContain(nurseView!["records"]!.AsArray(), r => r!["id"]!.GetValue<string>() == hiv);
        Assert.Single(nurseView["records"]!.AsArray());

        var (single, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{hiv}", physician, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, single.StatusCode);
        Assert.Equal("access.level-restricted", problem!["code"]!.GetValue<string>());

        var (allowed, record) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{hiv}", physician, "consultation", justification: "复诊需核对抗病毒治疗");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("L5", record!["level"]!.GetValue<string>());
        var entry = (await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { ActorId = "dr-li" }, default))[^1];
        Assert.True(entry.Draft.Flags.HasFlag(Core.Audit.AuditFlags.HighestLevel));

        var patient = Server.Token(Role.Patient, "user-self", subject);
        var (own, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{hiv}", patient, "consultation");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task Restricted_subjects_data_is_stored_but_served_only_to_the_legal_purpose()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));

        var (state, _) = await Server.SendAsync(HttpMethod.Put, $"/v1/subjects/{subject}/state", Server.Admin, json: new { state = "restricted", reason = "患者要求限制处理" });
        Assert.Equal(HttpStatusCode.OK, state.StatusCode);

        var (refused, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("access.subject-restricted", problem!["code"]!.GetValue<string>());
        Assert.Equal("R19", problem["rule"]!.GetValue<string>());
        Assert.Equal(1, await Server.CountRecordsAsync(subject));

        var (legal, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.Dpo, "record-keeping");
        Assert.Equal(HttpStatusCode.OK, legal.StatusCode);
        Assert.Single(body!["records"]!.AsArray());
    }

    [Fact]
    public async Task Children_need_a_guardian_and_their_guardians_consent()
    {
        var guardian = await Server.CreateSubjectAsync("1980-01-01");
        var child = await Server.CreateSubjectAsync("2019-05-05", guardian);

        var (selfGrant, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{child}/consents", Server.App, json: new { purpose = "consultation", action = "grant", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.Equal(HttpStatusCode.Forbidden, selfGrant.StatusCode);
        Assert.Equal("consent.guardian-required", problem!["code"]!.GetValue<string>());
        Assert.Equal("R03", problem["rule"]!.GetValue<string>());

        var guardianToken = Server.Token(Role.Guardian, "parent-1", guardian);
        await Server.GrantAsync(child, "consultation", "guardian", guardianToken);
        await Server.WriteAsync(child, "consultation", CordonServer.Condition("J06.9", "上呼吸道感染"));
        var (read, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{child}/records", guardianToken, "consultation");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        var stranger = Server.Token(Role.Guardian, "parent-2", await Server.CreateSubjectAsync("1979-02-02"));
        var (other, otherProblem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{child}/records", stranger, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal("access.not-the-subject", otherProblem!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_correction_stores_a_new_version_and_keeps_the_old_one_for_the_audit()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        var id = await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));

        using var request = Server.Request(HttpMethod.Put, $"/v1/records/{id}", Server.App, "consultation", System.Text.Json.JsonSerializer.Serialize(CordonServer.Condition("E10.9", "1型糖尿病")));
        request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        var corrected = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);

        var (_, record) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{id}", Server.App, "consultation");
        Assert.Equal(2, record!["version"]!.GetValue<int>());
        Assert.Equal("E10.9", record["resource"]!["code"]!["coding"]![0]!["code"]!.GetValue<string>());
        Assert.Equal(2, (await Server.Host.Store.GetRecordVersionsAsync(CordonServer.Tenant, id, default)).Count);

        using var stale = Server.Request(HttpMethod.Put, $"/v1/records/{id}", Server.App, "consultation", System.Text.Json.JsonSerializer.Serialize(CordonServer.Condition("E11.9", "2型糖尿病")));
        stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        var conflict = await Server.Http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
    }

    public static TheoryData<string, string, string, string> InvalidFhir => new()
    {
        // body, purpose, the element the error names, what its message must say
        { """{"resourceType":"Patient","gender":"M"}""", "appointment", "gender", "Use one of: male, female, other, unknown" },
        { """{"resourceType":"Patient","birthdate":"1985-06-01"}""", "appointment", "birthdate", "did you mean 'birthDate'?" },
        { """{"resourceType":"Patient","name":"李雷"}""", "appointment", "name[0]", "HumanName" },
        { """{"resourceType":"Patient","birthDate":"1985-13-01"}""", "appointment", "birthDate", "not a correct literal for a date" },
        { """{"resourceType":"Patient","active":"yes"}""", "appointment", "active", "boolean" },
        { """{"resourceType":"Observation","status":"final","code":{"text":"血压"},"valueQuantiy":{"value":120}}""", "test-results", "value", "'valueQuantiy' is not an element of Observation; did you mean 'valueQuantity'?" },
        { """{"resourceType":"Observation","code":{"text":"血压"},"valueQuantity":{"value":120}}""", "test-results", "status", "required" },
        { """{"resourceType":"Observation","status":"final","code":{"text":"血压"},"valueQuantity":{"value":120,"unti":"mmHg"}}""", "test-results", "value.unti", "did you mean 'unit'?" },
        // The SDK's own checks throw on a contained resource given as one object rather than a list: still a refusal, not a 500.
        { """{"resourceType":"Observation","status":"final","code":{"text":"血压"},"contained":{"resourceType":"Patient","id":"p1","gender":"female"}}""", "test-results", "$", "collection" },
    };

    [Theory]
    [MemberData(nameof(InvalidFhir))]
    public async Task Invalid_FHIR_is_refused_naming_the_element_what_is_wrong_and_the_nearest_valid_name(string body, string purpose, string element, string says)
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, purpose);
        var before = await Server.CountAuditAsync();

        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, purpose, body);

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Equal("fhir.invalid", problem!["code"]!.GetValue<string>());
        Assert.True(problem["errors"]?[element] is System.Text.Json.Nodes.JsonArray, problem.ToJsonString());
        var messages = problem["errors"]![element]!.AsArray().Select(m => m!.GetValue<string>()).ToList();
        Assert.Contains(messages, m => m.Contains(says, StringComparison.Ordinal));
        Assert.Contains(element, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("1985-13-01", problem.ToJsonString(), StringComparison.Ordinal);
        var (list, stored) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, purpose);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Empty(stored!["records"]!.AsArray());
        Assert.True(await Server.CountAuditAsync() > before, "the refusal is audited");
    }

    [Fact]
    public async Task A_FHIR_client_gets_the_refusal_as_an_OperationOutcome()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "test-results");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/subjects/{subject}/records")
        {
            Content = new StringContent("""{"resourceType":"Observation","status":"final","code":{"text":"血压"},"valueQuantiy":{"value":120}}""", System.Text.Encoding.UTF8, "application/fhir+json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Server.App);
        request.Headers.Add("X-Purpose", "test-results");
        request.Headers.Accept.ParseAdd("application/fhir+json");

        var response = await Server.Http.SendAsync(request);

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType!.MediaType);
        var outcome = new FhirJsonDeserializer().Deserialize<Hl7.Fhir.Model.OperationOutcome>(await response.Content.ReadAsStringAsync());
        var issue = Assert.Single(outcome.Issue);
        Assert.Equal(Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Error, issue.Severity);
        Assert.Equal(Hl7.Fhir.Model.OperationOutcome.IssueType.Structure, issue.Code);
        Assert.Equal("value", Assert.Single(issue.Expression));
        Assert.Contains("did you mean 'valueQuantity'?", issue.Diagnostics, StringComparison.Ordinal);
        Assert.Contains(issue.Details!.Coding, c => c.System == "https://cordon.dev/problems" && c.Code == "fhir.invalid");

        // The same for a refusal without element errors: the problem's detail, its code and its rule.
        using var unknown = new HttpRequestMessage(HttpMethod.Get, $"/v1/subjects/{subject}/records");
        unknown.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Server.App);
        unknown.Headers.Add("X-Purpose", "consultaton");
        unknown.Headers.Accept.ParseAdd("application/fhir+json");
        var refused = await Server.Http.SendAsync(unknown);
        var refusal = Assert.Single(new FhirJsonDeserializer().Deserialize<Hl7.Fhir.Model.OperationOutcome>(await refused.Content.ReadAsStringAsync()).Issue);
        Assert.Contains("Did you mean 'consultation'?", refusal.Diagnostics, StringComparison.Ordinal);
        Assert.Contains(refusal.Details!.Coding, c => c.System == "https://cordon.dev/rules" && c.Code == "R01");
    }

    [Fact]
    public async Task Refused_records_store_nothing_and_name_the_problem()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        await Server.GrantAsync(subject, "consultation");
        var (id, mobile) = CordonServer.ChineseIdentifiers(3);

        var unknownType = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "consultation", new { resourceType = "Claim", status = "active" });
        Assert.Equal("catalog.unknown-type", unknownType.Body!["code"]!.GetValue<string>());

        // A valid R4 element the catalog does not classify is a catalog question; a name that is no R4 element is not.
        var unclassified = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", new { resourceType = "Patient", name = new[] { new { text = "张三" } }, photo = new[] { new { contentType = "image/jpeg" } } });
        Assert.Equal("catalog.unclassified-field", unclassified.Body!["code"]!.GetValue<string>());
        Assert.NotNull(unclassified.Body["errors"]!["photo.contentType"]);
        var notAnElement = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", new { resourceType = "Patient", name = new[] { new { text = "张三" } }, favouriteColour = "blue" });
        Assert.Equal("fhir.invalid", notAnElement.Body!["code"]!.GetValue<string>());
        Assert.NotNull(notAnElement.Body["errors"]!["favouriteColour"]);

        var notAllowed = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", CordonServer.Patient(id, mobile));
        Assert.Equal(HttpStatusCode.Forbidden, notAllowed.Response.StatusCode);
        Assert.Equal("minimization.field-not-allowed", notAllowed.Body!["code"]!.GetValue<string>());
        Assert.Equal("R06", notAllowed.Body["rule"]!.GetValue<string>());
        Assert.NotNull(notAllowed.Body["errors"]!["telecom.value"]);

        var badId = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", new
        {
            resourceType = "Patient",
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = "110105198506011234" } },
        });
        Assert.Equal((HttpStatusCode)422, badId.Response.StatusCode);
        Assert.Equal("validation.failed", badId.Body!["code"]!.GetValue<string>());
        Assert.NotNull(badId.Body["errors"]!["identifier.value"]);
        Assert.DoesNotContain("110105198506011234", badId.Body.ToJsonString(), StringComparison.Ordinal);

        // A number whose check character is right but whose birth date has not come yet is no number of anyone.
        var future = Core.Identifiers.ChineseResidentId.Create("110105", new DateOnly(2099, 12, 31), 2).Value;
        Assert.Equal("110105209912310029", future);
        var unborn = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", new
        {
            resourceType = "Patient",
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = future } },
        });
        Assert.Equal((HttpStatusCode)422, unborn.Response.StatusCode);
        Assert.Contains("in the future", unborn.Body!["errors"]!["identifier.value"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var typeNotInPurpose = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", CordonServer.Condition("E11.9", "2型糖尿病"));
        Assert.Equal("minimization.type-not-allowed", typeNotInPurpose.Body!["code"]!.GetValue<string>());

        var noPurpose = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, null, CordonServer.Condition("E11.9", "x"));
        Assert.Equal("purpose.missing", noPurpose.Body!["code"]!.GetValue<string>());
        var unknownPurpose = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "sales", CordonServer.Condition("E11.9", "x"));
        Assert.Equal("purpose.unknown", unknownPurpose.Body!["code"]!.GetValue<string>());
        Assert.Contains("appointment, ", unknownPurpose.Body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("Did you mean", unknownPurpose.Body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var typo = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "consultaton");
        Assert.Contains("Did you mean 'consultation'?", typo.Body!["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var wrongRole = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.Token(Role.Nurse, "n1"), "consultation", CordonServer.Condition("E11.9", "x"));
        Assert.Equal("access.role-not-allowed", wrongRole.Body!["code"]!.GetValue<string>());

        Assert.Equal(0, await Server.CountRecordsAsync(subject));
    }

    [Fact]
    public async Task Patient_data_reaches_neither_the_database_files_nor_the_logs()
    {
        // Every needle is at least eight bytes in each encoding searched: a shorter one (a two-character
        // name is four bytes in UTF-16) turns up by chance in megabytes of ciphertext and WAL.
        const string Marker = "MARKER-糖尿病-7f3a9c";
        const string Name = "欧阳明月";
        var (idNumber, mobile) = CordonServer.ChineseIdentifiers(9);
        var subject = await Server.CreateSubjectAsync(displayName: Name + " " + Marker);
        await Server.GrantAsync(subject, "appointment");
        await Server.GrantAsync(subject, "consultation");
        await Server.WriteAsync(subject, "appointment", new
        {
            resourceType = "Patient",
            name = new[] { new { text = Name } },
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = idNumber } },
        });
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病", Marker));
        await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", CordonServer.Patient(idNumber, mobile));
        await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/search", Server.App, json: new { kind = "cn-resident-id", value = idNumber });

        var files = await DatabaseFilesAsync();
        Assert.NotEmpty(files);
        foreach (var needle in new[] { Marker, idNumber, Name, mobile })
        {
            foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode })
            {
                var pattern = encoding.GetBytes(needle);
                Assert.True(pattern.Length >= 8, $"needle '{needle}' is too short to search for in {encoding.WebName}");
                foreach (var file in files)
                {
                    Assert.True(IndexOf(await ReadAllBytesSharedAsync(file), pattern) < 0, $"'{needle}' ({encoding.WebName}) found in {file}");
                }
            }

            Assert.DoesNotContain(Server.Logs.Lines, line => line.Contains(needle, StringComparison.Ordinal));
        }

        var (_, found) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects/search", Server.App, json: new { kind = "cn-resident-id", value = idNumber });
        Assert.Equal(subject, found!["subjects"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task The_audit_chain_verifies_and_an_edited_row_is_found()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));
        var security = Server.Token(Role.Security, "sec-1");

        var (ok, verified) = await Server.SendAsync(HttpMethod.Get, "/v1/audit/verify", security);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(verified!["valid"]!.GetValue<bool>());
        Assert.True(verified.AsObject().ContainsKey("firstBroken"));
        Assert.Null(verified["firstBroken"]);
        Assert.True(verified["entries"]!.GetValue<long>() >= 4);

        var target = (await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { SubjectId = subject }, default))[1];
        await Server.ExecuteSqlAsync($"UPDATE audit_entries SET actor = 'someone-else' WHERE id = {target.Id}");

        var (_, broken) = await Server.SendAsync(HttpMethod.Get, "/v1/audit/verify", security);
        Assert.False(broken!["valid"]!.GetValue<bool>());
        Assert.Equal(target.Seq, broken["firstBroken"]!.GetValue<long>());
        Assert.Equal(target.Lane, broken["lane"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_decision_endpoint_explains_rule_by_rule()
    {
        var subject = await Server.CreateSubjectAsync();
        var (response, body) = await Server.SendAsync(HttpMethod.Post, "/v1/decisions", Server.Dpo, json: new
        {
            actor = new { role = "support", id = "support-zhao" },
            purpose = "appointment",
            subjectId = subject,
            recordType = "Patient",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("deny", body!["decision"]!.GetValue<string>());
        Assert.Equal("consent.missing", body["code"]!.GetValue<string>());
        Assert.Equal("R02", body["rule"]!.GetValue<string>());

        await Server.GrantAsync(subject, "appointment");
        var (_, masked) = await Server.SendAsync(HttpMethod.Post, "/v1/decisions", Server.Dpo, json: new
        {
            actor = new { role = "support", id = "support-zhao" },
            purpose = "appointment",
            subjectId = subject,
            recordType = "Patient",
        });
        Assert.Equal("permit-masked", masked!["decision"]!.GetValue<string>());
        Assert.Contains(masked["masks"]!.AsArray(), m => m!["path"]!.GetValue<string>() == "identifier.value" && m["method"]!.GetValue<string>() == "keep-ends(6,4)");
        Assert.All(masked["rules"]!.AsArray(), r => Assert.True(r!["passed"]!.GetValue<bool>()));
    }

    private async Task<IReadOnlyList<string>> DatabaseFilesAsync()
    {
        if (!Postgres)
        {
            return [.. Directory.GetFiles(Server.Directory).Where(f => Path.GetFileName(f).StartsWith(Storage.CordonStores.SqliteFileName, StringComparison.Ordinal))];
        }

        var pg = await PostgresServer.GetAsync();
        await pg.CheckpointAsync();
        return [.. Directory.GetFiles(pg.DataDirectory!, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".log", StringComparison.Ordinal) && !f.Contains("postmaster", StringComparison.Ordinal))];
    }

    /// <summary>A file's bytes; empty when PostgreSQL removed it meanwhile (its relation-cache init files come and go).</summary>
    private static async Task<byte[]> ReadAllBytesSharedAsync(string path)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            return memory.ToArray();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}

public sealed class SqliteRecordFlowTests : RecordFlowTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresRecordFlowTests : RecordFlowTests
{
    protected override bool Postgres => true;
}
