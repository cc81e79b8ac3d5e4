using System.Net;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Core.Rights;
using Cordon.Storage;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cordon.Server.Tests.Rights;

/// <summary>
/// Patients' rights end to end over HTTP, on SQLite and on PostgreSQL: who may ask, what each kind does, what is
/// deleted and what a law keeps, and how every refusal names its rule.
/// </summary>
public abstract class RightsRequestTests : ServerTest
{
    protected abstract override bool Postgres { get; }

    private string PatientToken(string subject) => Server.Token(Role.Patient, "patient-" + subject, subject);

    private Task<(HttpResponseMessage Response, JsonNode? Body)> AskAsync(string token, object body)
        => Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", token, json: body);

    private async Task<JsonNode> AskOkAsync(string token, object body)
    {
        var (response, json) = await AskAsync(token, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        return json!;
    }

    private async Task<int> CountRequestsAsync()
        => (await Server.Host.Store.ListRightsRequestsAsync(CordonServer.Tenant, new RightsRequestQuery { Limit = 1000 }, CancellationToken.None)).Count;

    /// <summary>An adult with an appointment Patient record (no legal floor) and a consultation Condition (kept 15 years, R58).</summary>
    private async Task<(string Subject, string PatientRecord, string ConditionRecord)> PatientWithRecordsAsync(string marker = "MARKER")
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        await Server.GrantAsync(subject, "consultation");
        var (id, mobile) = CordonServer.ChineseIdentifiers(3);
        var patient = await Server.WriteAsync(subject, "appointment", new
        {
            resourceType = "Patient",
            name = new[] { new { text = "李四" + marker } },
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = id } },
        });
        _ = mobile;
        var condition = await Server.WriteAsync(subject, "consultation", Condition("E11.9", "2型糖尿病", marker));
        return (subject, patient, condition);
    }

    /// <summary>A valid FHIR R4 Condition (its subject is required).</summary>
    private static object Condition(string code, string display, string note) => new
    {
        resourceType = "Condition",
        subject = new { reference = "Patient/p1" },
        code = new { coding = new[] { new { system = "http://hl7.org/fhir/sid/icd-10", code, display } } },
        note = new[] { new { text = note } },
    };

    [Fact]
    public async Task An_access_request_completes_at_once_with_a_due_date_and_exports_everything_decrypted()
    {
        var (subject, _, _) = await PatientWithRecordsAsync("MARKER-access-41c");
        var token = PatientToken(subject);

        var request = await AskOkAsync(token, new { subjectId = subject, kind = "access" });
        Assert.Equal("completed", request["status"]!.GetValue<string>());
        Assert.Equal("self", request["relation"]!.GetValue<string>());
        var today = DateOnly.FromDateTime(Server.Time.GetUtcNow().UtcDateTime.AddHours(8));
        Assert.Equal(WorkingCalendar.ChinaDefault.AddWorkingDays(today, 15).ToString("yyyy-MM-dd"), request["dueOn"]!.GetValue<string>());
        Assert.False(request["late"]!.GetValue<bool>());
        var id = request["id"]!.GetValue<string>();

        var (exported, json) = await Server.SendAsync(HttpMethod.Get, $"/v1/rights-requests/{id}/export", token);
        Assert.Equal(HttpStatusCode.OK, exported.StatusCode);
        Assert.Equal(subject, json!["subject"]!["id"]!.GetValue<string>());
        var records = json["records"]!.AsArray();
        Assert.Equal(2, records.Count);
        Assert.Contains(records, r => r!["resource"]!.ToJsonString().Contains("MARKER-access-41c", StringComparison.Ordinal));
        Assert.Equal(2, json["consents"]!["history"]!.AsArray().Count);
        Assert.Contains(json["rightsRequests"]!.AsArray(), r => r!["id"]!.GetValue<string>() == id);

        // The evidence counts what the copy holds: this request among the subject's rights requests.
        var evidence = request["result"]!["export"]!;
        Assert.Equal(json["rightsRequests"]!.AsArray().Count, evidence["rightsRequests"]!.GetValue<int>());
        Assert.Equal(1, evidence["rightsRequests"]!.GetValue<int>());
        Assert.Equal(records.Count, evidence["records"]!.GetValue<int>());
        Assert.Equal(json["disclosures"]!.AsArray().Count, evidence["disclosures"]!.GetValue<int>());

        // The same data as a FHIR R4 Bundle of type collection, which the HL7 parser accepts.
        using var fhirRequest = Server.Request(HttpMethod.Get, $"/v1/rights-requests/{id}/export?format=fhir", token);
        using var fhirResponse = await Server.Http.SendAsync(fhirRequest);
        Assert.Equal("application/fhir+json", fhirResponse.Content.Headers.ContentType!.MediaType);
        var bundle = new FhirJsonDeserializer().Deserialize<Hl7.Fhir.Model.Bundle>(await fhirResponse.Content.ReadAsStringAsync());
        Assert.Equal(Hl7.Fhir.Model.Bundle.BundleType.Collection, bundle.Type);
        Assert.Contains(bundle.Entry, e => e.Resource is Hl7.Fhir.Model.Patient);
        Assert.Contains(bundle.Entry, e => e.Resource is Hl7.Fhir.Model.Condition);
        Assert.Equal(2, bundle.Entry.Count(e => e.Resource is Hl7.Fhir.Model.Consent));

        // A complete copy in either format (PIPL Art. 45): the registered identity and the rights requests too.
        var identity = Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<Hl7.Fhir.Model.Patient>(), p => p.Identifier.Any(i => i.System == "https://cordon.dev/fhir/external-id"));
        Assert.Equal(json["subject"]!["externalId"]!.GetValue<string>(), identity.Identifier.Single(i => i.System == "https://cordon.dev/fhir/external-id").Value);
        Assert.Equal(json["subject"]!["birthDate"]!.GetValue<string>(), identity.BirthDate);
        var task = Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<Hl7.Fhir.Model.Task>());
        Assert.Equal(id, task.Identifier.Single().Value);
        Assert.Equal(Hl7.Fhir.Model.Task.TaskStatus.Completed, task.Status);
        Assert.Equal("Patient/" + identity.Id, task.For?.Reference);

        // Someone else's token cannot download it.
        var other = await Server.CreateSubjectAsync();
        var (refused, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/rights-requests/{id}/export", PatientToken(other));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task Only_the_subject_a_guardian_of_a_child_or_a_close_relative_of_the_deceased_may_ask()
    {
        var adult = await Server.CreateSubjectAsync();
        var guardian = await Server.CreateSubjectAsync();
        var child = await Server.CreateSubjectAsync(birthDate: "2018-03-01", guardian: guardian);
        var before = await CountRequestsAsync();

        async Task Refused(string token, object body, string code, string rule)
        {
            var (response, problem) = await AskAsync(token, body);
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
            Assert.Equal(code, problem!["code"]!.GetValue<string>());
            Assert.Equal(rule, problem["rule"]!.GetValue<string>());
            Assert.NotNull(problem["citation"]);
        }

        await Refused(Server.App, new { subjectId = adult, kind = "access" }, "rights.requester-not-allowed", "R22");
        await Refused(Server.Dpo, new { subjectId = adult, kind = "deletion" }, "rights.requester-not-allowed", "R22");
        await Refused(PatientToken(guardian), new { subjectId = adult, kind = "access" }, "rights.requester-not-allowed", "R22");
        await Refused(Server.Token(Role.Guardian, "guardian-x", guardian), new { subjectId = adult, kind = "access", relation = "guardian" }, "rights.requester-not-allowed", "R22");
        await Refused(PatientToken(child), new { subjectId = child, kind = "access" }, "rights.guardian-required", "R03");
        await Refused(PatientToken(guardian), new { subjectId = adult, kind = "access", relation = "close-relative", proofReference = "死亡证明 2026-001" }, "rights.requester-not-allowed", "R24");
        Assert.Equal(before, await CountRequestsAsync());

        // A guardian acts for the child.
        var guardianToken = Server.Token(Role.Guardian, "guardian-" + guardian, guardian);
        var forChild = await AskOkAsync(guardianToken, new { subjectId = child, kind = "access" });
        Assert.Equal("guardian", forChild["relation"]!.GetValue<string>());

        // After a recorded death, a close relative may access, copy, correct and delete, with a proof reference.
        var (dead, _) = await Server.SendAsync(HttpMethod.Put, $"/v1/subjects/{adult}/state", Server.Admin, json: new { state = "deceased", reason = "死亡证明已登记" });
        Assert.Equal(HttpStatusCode.OK, dead.StatusCode);
        var relative = PatientToken(guardian);
        await Refused(relative, new { subjectId = adult, kind = "access", relation = "close-relative" }, "rights.proof-required", "R24");
        await Refused(relative, new { subjectId = adult, kind = "cancellation", relation = "close-relative", proofReference = "死亡证明 2026-001" }, "rights.kind-not-allowed", "R24");
        await Refused(PatientToken(adult), new { subjectId = adult, kind = "access" }, "rights.requester-not-allowed", "R24");
        var byRelative = await AskOkAsync(relative, new { subjectId = adult, kind = "copy", relation = "close-relative", proofReference = "死亡证明 2026-001" });
        Assert.Equal("close-relative", byRelative["relation"]!.GetValue<string>());

        // The proof reference is a claim: nothing is served until an operator has verified the recorded proof.
        Assert.Equal("open", byRelative["status"]!.GetValue<string>());
        var (early, notYet) = await Server.SendAsync(HttpMethod.Get, $"/v1/rights-requests/{byRelative["id"]}/export", relative);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("rights.export-unavailable", notYet!["code"]!.GetValue<string>());
        Assert.Null(byRelative["proofReference"]);
        var (_, seenByDpo) = await Server.SendAsync(HttpMethod.Get, $"/v1/rights-requests/{byRelative["id"]}", Server.Dpo);
        Assert.Equal("死亡证明 2026-001", seenByDpo!["proofReference"]!.GetValue<string>());
        var (verified, done) = await Server.SendAsync(HttpMethod.Post, $"/v1/rights-requests/{byRelative["id"]}/verify-proof", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.Equal("completed", done!["status"]!.GetValue<string>());
        var (export, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/rights-requests/{byRelative["id"]}/export", relative);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var (again, twice) = await Server.SendAsync(HttpMethod.Post, $"/v1/rights-requests/{byRelative["id"]}/verify-proof", Server.Dpo);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("rights.nothing-to-verify", twice!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_a_problem_and_store_nothing()
    {
        var subject = await Server.CreateSubjectAsync();
        var token = PatientToken(subject);
        var before = await CountRequestsAsync();

        var (unknownKind, p1) = await AskAsync(token, new { subjectId = subject, kind = "forget-me" });
        Assert.True(unknownKind.StatusCode == HttpStatusCode.UnprocessableEntity, p1?.ToJsonString());
        Assert.Equal("validation.failed", p1!["code"]!.GetValue<string>());

        var (unknownField, p2) = await AskAsync(token, new { subjectId = subject, kind = "access", favourite = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Equal("request.malformed", p2!["code"]!.GetValue<string>());

        var (malformed, p3) = await AskAsync(token, "{\"subjectId\": ");
        Assert.Equal("request.malformed", p3!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var (noDestination, p4) = await AskAsync(token, new { subjectId = subject, kind = "portability" });
        Assert.Equal("validation.failed", p4!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noDestination.StatusCode);

        var (unknownPurpose, p5) = await AskAsync(token, new { subjectId = subject, kind = "deletion", purposes = new[] { "astrology" } });
        Assert.Equal("validation.failed", p5!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknownPurpose.StatusCode);

        var (noSubject, p6) = await AskAsync(token, new { subjectId = "sub_0000000000000000", kind = "access" });
        Assert.Equal(HttpStatusCode.NotFound, noSubject.StatusCode);
        Assert.Equal("not-found", p6!["code"]!.GetValue<string>());

        Assert.Equal(before, await CountRequestsAsync());
    }

    [Fact]
    public async Task Deletion_removes_what_no_law_keeps_and_restricts_the_rest_to_the_legal_purpose()
    {
        var (subject, patientRecord, conditionRecord) = await PatientWithRecordsAsync();
        var request = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "deletion" });

        Assert.Equal("completed", request["status"]!.GetValue<string>());
        var result = request["result"]!;
        Assert.Equal("Patient", result["deleted"]![0]!["type"]!.GetValue<string>());
        var kept = result["kept"]![0]!;
        Assert.Equal("Condition", kept["type"]!.GetValue<string>());
        Assert.Equal("R58", kept["rule"]!.GetValue<string>());
        Assert.Equal(Server.Time.GetUtcNow().AddYears(15).Year, kept["until"]!.GetValue<DateTimeOffset>().Year);
        Assert.Contains(result["summary"]!.AsArray(), line => line!.GetValue<string>().Contains("R58", StringComparison.Ordinal));

        // The deleted record is gone; the kept one is served to the legal purpose only (R19).
        var (gone, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{patientRecord}", Server.App, "appointment");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await Server.AddCareTeamAsync(subject, "dr-li", "physician");
        var (restricted, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{conditionRecord}", await Server.PractitionerTokenAsync(Role.Physician, "dr-li"), "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, restricted.StatusCode);
        Assert.Equal("access.record-restricted", problem!["code"]!.GetValue<string>());
        Assert.Equal("R19", problem["rule"]!.GetValue<string>());
        var (list, listed) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "consultation");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Empty(listed!["records"]!.AsArray());
        var (legal, kept2) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{conditionRecord}", Server.Dpo, "record-keeping");
        Assert.Equal(HttpStatusCode.OK, legal.StatusCode);
        Assert.Equal("Condition", kept2!["type"]!.GetValue<string>());

        // The kept record was re-sealed under a new key; the old key is destroyed.
        var keys = await Server.Host.Store.GetSubjectKeyAsync(CordonServer.Tenant, subject, 1, CancellationToken.None);
        Assert.Null(keys);
        Assert.NotNull(await Server.Host.Store.GetSubjectKeyAsync(CordonServer.Tenant, subject, 2, CancellationToken.None));
    }

    [Fact]
    public async Task Cancellation_with_nothing_kept_destroys_the_key_and_the_account_is_gone()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var (id, _) = CordonServer.ChineseIdentifiers(5);
        await Server.WriteAsync(subject, "appointment", new
        {
            resourceType = "Patient",
            name = new[] { new { text = "王五" } },
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = id } },
        });
        var token = PatientToken(subject);

        var request = await AskOkAsync(token, new { subjectId = subject, kind = "cancellation" });
        Assert.Equal("completed", request["status"]!.GetValue<string>());
        Assert.Contains("appointment", request["result"]!["withdrawn"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Empty(request["result"]!["kept"]!.AsArray());

        var row = await Server.Host.Store.GetSubjectAsync(CordonServer.Tenant, subject, CancellationToken.None);
        Assert.Equal(Core.Subjects.SubjectState.Cancelled, row!.State);
        Assert.Empty(row.Sealed);
        Assert.Null(await Server.Host.Store.GetSubjectKeyAsync(CordonServer.Tenant, subject, 1, CancellationToken.None));
        Assert.Equal(0, await Server.CountRecordsAsync(subject));
        var (read, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}", Server.App);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        var (_, found) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects/search", Server.App, json: new { kind = "cn-resident-id", value = id });
        Assert.Empty(found!["subjects"]!.AsArray());

        // The request and its evidence outlive the subject's key: the requester can still read what was done.
        var (evidence, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/rights-requests/{request["id"]}", token);
        Assert.Equal(HttpStatusCode.OK, evidence.StatusCode);
        Assert.Equal("cancellation", body!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_cancelled_account_is_shredded_once_what_the_law_kept_has_expired()
    {
        var (subject, _, condition) = await PatientWithRecordsAsync();
        var request = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "cancellation" });
        Assert.Equal("R58", request["result"]!["kept"]![0]!["rule"]!.GetValue<string>());
        Assert.NotNull(await Server.Host.Store.GetSubjectWithKeyAsync(CordonServer.Tenant, subject, CancellationToken.None));

        // Fifteen years on, the internet-diagnosis record expires; with nothing left, the identity and key go too.
        Server.Time.Advance(TimeSpan.FromDays((15 * 366) + 5));
        var (run, report) = await Server.SendAsync(HttpMethod.Post, "/v1/retention/run", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.True(report!["deleted"]!.GetValue<int>() >= 1);
        Assert.Null(await Server.Host.Store.GetRecordAsync(CordonServer.Tenant, condition, CancellationToken.None));
        Assert.Null(await Server.Host.Store.GetSubjectWithKeyAsync(CordonServer.Tenant, subject, CancellationToken.None));
        Assert.Empty((await Server.Host.Store.GetSubjectAsync(CordonServer.Tenant, subject, CancellationToken.None))!.Sealed);
    }

    [Fact]
    public async Task Withdrawal_stops_consent_based_processing_at_once_and_deletes_what_rested_on_it()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "health-advice");
        await Server.GrantAsync(subject, "appointment");
        var question = await Server.WriteAsync(subject, "health-advice", new { resourceType = "Communication", status = "completed", payload = new[] { new { contentString = "最近血压偏高怎么办？" } } });

        var request = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "withdrawal", purposes = new[] { "health-advice" } });
        Assert.Equal("completed", request["status"]!.GetValue<string>());
        Assert.Equal(["health-advice"], request["result"]!["withdrawn"]!.AsArray().Select(p => p!.GetValue<string>()));

        // Communication is a consultation-process record: kept 3 years by law (R58), restricted meanwhile.
        var kept = request["result"]!["kept"]![0]!;
        Assert.Equal("Communication", kept["type"]!.GetValue<string>());
        Assert.Equal("R58", kept["rule"]!.GetValue<string>());

        var (next, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{question}", Server.App, "health-advice");
        Assert.Equal(HttpStatusCode.Forbidden, next.StatusCode);
        Assert.Equal("R08", problem!["rule"]!.GetValue<string>());

        // Appointment consent stays: one purpose withdrawn, not all of them.
        var (consents, state) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/consents", Server.App);
        Assert.Equal(HttpStatusCode.OK, consents.StatusCode);
        Assert.Contains(state!["current"]!.AsArray(), c => c!["purpose"]!.GetValue<string>() == "appointment" && c["state"]!.GetValue<string>() == "granted");
    }

    [Fact]
    public async Task Restriction_serves_the_data_to_the_legal_purpose_only()
    {
        var (subject, _, condition) = await PatientWithRecordsAsync();
        var request = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "restriction", reason = "我要求限制处理" });
        Assert.Equal("completed", request["status"]!.GetValue<string>());

        var (refused, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "appointment");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("R19", problem!["rule"]!.GetValue<string>());
        var (legal, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{condition}", Server.Dpo, "record-keeping");
        Assert.Equal(HttpStatusCode.OK, legal.StatusCode);
    }

    [Fact]
    public async Task A_correction_the_patient_may_write_applies_at_once_and_a_medical_one_waits_for_review_and_shows_late()
    {
        var (subject, patientRecord, conditionRecord) = await PatientWithRecordsAsync();
        var token = PatientToken(subject);
        var (id, _) = CordonServer.ChineseIdentifiers(7);

        var fixedName = await AskOkAsync(token, new
        {
            subjectId = subject,
            kind = "correction",
            recordId = patientRecord,
            resource = new { resourceType = "Patient", name = new[] { new { text = "李思" } }, identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = id } } },
        });
        Assert.Equal("completed", fixedName["status"]!.GetValue<string>());
        Assert.Equal(2, fixedName["result"]!["correctedVersion"]!.GetValue<int>());
        var versions = await Server.Host.Store.GetRecordVersionsAsync(CordonServer.Tenant, patientRecord, CancellationToken.None);
        Assert.Equal([1, 2], versions.Select(v => v.Version));

        var medical = await AskOkAsync(token, new { subjectId = subject, kind = "correction", recordId = conditionRecord, resource = Condition("E11.8", "2型糖尿病伴并发症", "复核") });
        Assert.Equal("open", medical["status"]!.GetValue<string>());
        Assert.Equal(1, (await Server.Host.Store.GetRecordAsync(CordonServer.Tenant, conditionRecord, CancellationToken.None))!.Version);

        // Past its due date, the open request shows as late in the DPO's queue.
        Server.Time.Advance(TimeSpan.FromDays(40));
        var (queue, late) = await Server.SendAsync(HttpMethod.Get, "/v1/rights-requests?late=true", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, queue.StatusCode);
        var entry = Assert.Single(late!["requests"]!.AsArray());
        Assert.Equal(medical["id"]!.GetValue<string>(), entry!["id"]!.GetValue<string>());
        Assert.True(entry["late"]!.GetValue<bool>());

        // The DPO closes it: a refusal must name its rule and reasons (PIPL Art. 50).
        var (noRule, p) = await Server.SendAsync(HttpMethod.Post, $"/v1/rights-requests/{entry["id"]}/resolve", Server.Dpo, json: new { outcome = "refused", note = "诊断由医生依据检查作出" });
        Assert.Equal("validation.failed", p!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noRule.StatusCode);
        var (resolved, closed) = await Server.SendAsync(HttpMethod.Post, $"/v1/rights-requests/{entry["id"]}/resolve", Server.Dpo, json: new { outcome = "refused", note = "诊断由医生依据检查作出，经复核无误", rule = "R22" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        Assert.Equal("refused", closed!["status"]!.GetValue<string>());
        Assert.Equal("R22", closed["refusal"]!["rule"]!.GetValue<string>());
        Assert.Equal(3, closed["trail"]!.AsArray().Count);
    }

    [Fact]
    public async Task An_explanation_says_what_is_held_for_which_purpose_on_which_basis_until_when()
    {
        var (subject, _, _) = await PatientWithRecordsAsync();
        var request = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "explanation" });
        var explanation = request["result"]!["explanation"]!;
        var purposes = explanation["purposes"]!.AsArray();
        var consultation = purposes.Single(p => p!["purpose"]!.GetValue<string>() == "consultation")!;
        Assert.Equal("contract", consultation["legalBasis"]!.GetValue<string>());
        Assert.Equal(1, consultation["records"]!.GetValue<int>());
        Assert.Equal(Server.Time.GetUtcNow().AddYears(15).Year, consultation["heldUntil"]!.GetValue<DateTimeOffset>().Year);
        var appointment = purposes.Single(p => p!["purpose"]!.GetValue<string>() == "appointment")!;
        Assert.Equal("granted", appointment["consentState"]!.GetValue<string>());
        Assert.Equal(2, explanation["held"]!.AsArray().Count);
    }

    [Fact]
    public async Task Portability_delivers_a_FHIR_bundle_of_consent_and_contract_data_to_the_named_processor()
    {
        var (subject, _, _) = await PatientWithRecordsAsync("MARKER-port");
        var received = new List<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = builder.Build();
        receiver.MapPost("/fhir", async (HttpRequest http) =>
        {
            using var reader = new StreamReader(http.Body);
            received.Add(await reader.ReadToEndAsync());
            return Results.Ok();
        });
        await receiver.StartAsync();
        var endpoint = receiver.Urls.First() + "/fhir";

        var request = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "portability", destination = new { name = "另一家互联网医院", endpoint } });
        Assert.Equal("completed", request["status"]!.GetValue<string>());
        var bundle = new FhirJsonDeserializer().Deserialize<Hl7.Fhir.Model.Bundle>(Assert.Single(received));
        Assert.Equal(Hl7.Fhir.Model.Bundle.BundleType.Collection, bundle.Type);
        Assert.Contains(bundle.Entry, e => e.Resource is Hl7.Fhir.Model.Condition);

        // An endpoint that does not answer leaves the request open, to be retried.
        var failing = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "portability", destination = new { name = "不可达", endpoint = "http://127.0.0.1:9/fhir" } });
        Assert.Equal("open", failing["status"]!.GetValue<string>());

        // Both attempts are disclosures the subject's own copy accounts for, in the JSON, the FHIR and the evidence alike.
        var access = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "access" });
        var accessId = access["id"]!.GetValue<string>();
        var (_, json) = await Server.SendAsync(HttpMethod.Get, $"/v1/rights-requests/{accessId}/export", PatientToken(subject));
        Assert.Equal(2, json!["disclosures"]!.AsArray().Count);
        Assert.Equal(2, access["result"]!["export"]!["disclosures"]!.GetValue<int>());
        Assert.Equal(3, access["result"]!["export"]!["rightsRequests"]!.GetValue<int>());
        using var fhirRequest = Server.Request(HttpMethod.Get, $"/v1/rights-requests/{accessId}/export?format=fhir", PatientToken(subject));
        using var fhirResponse = await Server.Http.SendAsync(fhirRequest);
        var copy = new FhirJsonDeserializer().Deserialize<Hl7.Fhir.Model.Bundle>(await fhirResponse.Content.ReadAsStringAsync());
        var events = copy.Entry.Select(e => e.Resource).OfType<Hl7.Fhir.Model.AuditEvent>().ToList();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("disclosure.portability", e.Type.Code));
        Assert.Equal(3, copy.Entry.Count(e => e.Resource is Hl7.Fhir.Model.Task));
        Assert.Contains(copy.Entry.Select(e => e.Resource).OfType<Hl7.Fhir.Model.Task>(), t => t.Status == Hl7.Fhir.Model.Task.TaskStatus.InProgress);
    }

    [Fact]
    public async Task A_record_under_a_legal_minimum_or_a_legal_hold_is_not_deleted_and_retention_deletes_what_expired()
    {
        var (subject, patientRecord, conditionRecord) = await PatientWithRecordsAsync();

        var (minimum, p1) = await Server.SendAsync(HttpMethod.Delete, $"/v1/records/{conditionRecord}", Server.Dpo);
        Assert.Equal(HttpStatusCode.Conflict, minimum.StatusCode);
        Assert.Equal("retention.legal-minimum", p1!["code"]!.GetValue<string>());
        Assert.Equal("R58", p1["rule"]!.GetValue<string>());

        var (placed, hold) = await Server.SendAsync(HttpMethod.Post, "/v1/legal-holds", Server.Dpo, json: new { subjectId = subject, reason = "（2026）沪0101民初123号 诉讼保全" });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var (held, p2) = await Server.SendAsync(HttpMethod.Delete, $"/v1/records/{patientRecord}", Server.Dpo);
        Assert.Equal(HttpStatusCode.Conflict, held.StatusCode);
        Assert.Equal("R19", p2!["rule"]!.GetValue<string>());

        // Three years on (the appointment purpose's retention), a retention run: a hold keeps the subject's data.
        Server.Time.Advance(TimeSpan.FromDays((3 * 365) + 5));
        var (dry, dryReport) = await Server.SendAsync(HttpMethod.Post, "/v1/retention/run?dryRun=true", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        Assert.Equal(1, dryReport!["expired"]!.GetValue<int>());
        Assert.Equal(1, dryReport["held"]!.GetValue<int>());
        Assert.Equal(2, await Server.CountRecordsAsync(subject));

        var (released, _) = await Server.SendAsync(HttpMethod.Delete, $"/v1/legal-holds/{hold!["id"]}", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        var (dry2, dryReport2) = await Server.SendAsync(HttpMethod.Post, "/v1/retention/run?dryRun=true", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, dry2.StatusCode);
        Assert.Equal(0, dryReport2!["deleted"]!.GetValue<int>());
        Assert.Equal(2, await Server.CountRecordsAsync(subject));

        var (run, report) = await Server.SendAsync(HttpMethod.Post, "/v1/retention/run", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.Equal(1, report!["deleted"]!.GetValue<int>());
        var remaining = await Server.Host.Store.ListRecordsAsync(CordonServer.Tenant, subject, null, CancellationToken.None);
        Assert.Equal(conditionRecord, Assert.Single(remaining).Id);
    }

    [Fact]
    public async Task The_operator_calendar_moves_due_dates()
    {
        var subject = await Server.CreateSubjectAsync();
        var before = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "explanation" });
        var today = DateOnly.FromDateTime(Server.Time.GetUtcNow().UtcDateTime.AddHours(8));
        var year = today.Year;
        var holidays = Enumerable.Range(1, 10).Select(i => today.AddDays(i)).Where(d => d.Year == year && d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).ToList();

        var (bad, problem) = await Server.SendAsync(HttpMethod.Put, $"/v1/calendar/{year}", Server.Dpo, json: new { days = new[] { new { date = "2099-13-01", working = false } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Equal("validation.failed", problem!["code"]!.GetValue<string>());

        var (put, _) = await Server.SendAsync(HttpMethod.Put, $"/v1/calendar/{year}", Server.Dpo, json: new { days = holidays.Select(d => new { date = d.ToString("yyyy-MM-dd"), working = false }) });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var after = await AskOkAsync(PatientToken(subject), new { subjectId = subject, kind = "explanation" });
        var shift = DateOnly.Parse(after["dueOn"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).DayNumber - DateOnly.Parse(before["dueOn"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).DayNumber;
        Assert.True(shift >= holidays.Count, $"due date moved {shift} days for {holidays.Count} holidays");
    }
}

public sealed class SqliteRightsRequestTests : RightsRequestTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresRightsRequestTests : RightsRequestTests
{
    protected override bool Postgres => true;
}
