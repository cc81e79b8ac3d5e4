using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Cordon.Server.Tests.Care;

/// <summary>
/// Online consultations as follow-ups only (R52) and the prescription lifecycle (R53–R57) over HTTP, on both engines:
/// the whole path from an in-person diagnosis to a dispensed prescription, and every way it is refused — each with its
/// code and rule, nothing taking effect, the attempt audited.
/// </summary>
public abstract class PrescriptionTests : ServerTest
{
    private const string Atc = "http://www.whocc.no/atc";
    private const string Icd10 = "http://hl7.org/fhir/sid/icd-10";

    [Fact]
    public async Task A_prescription_is_drafted_signed_approved_and_dispensed_and_only_then_is_active()
    {
        var c = await ConsultationAsync("dr-rx", "ph-rx");
        var id = await DraftAsync(c, "A10BA02");
        Assert.Equal("draft", await StateAsync(id));

        var (early, dispenseProblem) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/dispense", c.Pharmacist, json: new { channel = "pharmacy" });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        AssertProblem(dispenseProblem, "care.prescription-not-active", "R54");

        var (signed, view) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature = await SignAsync(c, id, c.Key) });
        Assert.True(signed.StatusCode == HttpStatusCode.OK, view?.ToJsonString());
        Assert.Equal("signed", view!["state"]!.GetValue<string>());
        Assert.Equal("dr-rx", view["author"]!.GetValue<string>());

        var (approved, active) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/review", c.Pharmacist, json: new { decision = "approve" });
        Assert.True(approved.StatusCode == HttpStatusCode.OK, active?.ToJsonString());
        Assert.Equal("active", active!["state"]!.GetValue<string>());
        Assert.All(active["checks"]!.AsArray(), check => Assert.True(check!["passed"]!.GetValue<bool>(), check.ToJsonString()));
        Assert.Equal(["R54", "R53", "R55", "R57"], active["checks"]!.AsArray().Select(k => k!["rule"]!.GetValue<string>()).Distinct(), StringComparer.Ordinal);

        var (read, record) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{id}", c.Physician, "prescription");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("active", record!["resource"]!["status"]!.GetValue<string>());
        Assert.Equal(2, record["version"]!.GetValue<int>());

        // Once approved, the record is not rewritten under another purpose either (record-keeping lets the app write it).
        var rewritten = Prescription("N02AA01", "Encounter/enc-vr");
        rewritten["status"] = "active";
        var (rewrite, rewriteProblem) = await Server.SendAsync(HttpMethod.Put, $"/v1/records/{id}", Server.App, "record-keeping", rewritten);
        Assert.False(rewrite.IsSuccessStatusCode, rewriteProblem?.ToJsonString());
        Assert.Equal("R54", rewriteProblem!["rule"]!.GetValue<string>());

        // A physician outside the patient's care team reads neither the prescription's state nor its content.
        var outsider = await Server.PractitionerTokenAsync(Role.Physician, "dr-elsewhere");
        var (state, stateProblem) = await Server.SendAsync(HttpMethod.Get, $"/v1/prescriptions/{id}", outsider);
        Assert.Equal(HttpStatusCode.Forbidden, state.StatusCode);
        Assert.Equal("access.no-care-relationship", stateProblem!["code"]!.GetValue<string>());
        var (listed, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/prescriptions?subject={c.Subject}", outsider);
        Assert.Equal(HttpStatusCode.Forbidden, listed.StatusCode);

        var (dispensed, done) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/dispense", c.Pharmacist, json: new { channel = "delivery" });
        Assert.True(dispensed.StatusCode == HttpStatusCode.OK, done?.ToJsonString());
        Assert.Equal("dispensed", done!["state"]!.GetValue<string>());
        var (twice, again) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/dispense", c.Pharmacist, json: new { channel = "pharmacy" });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        AssertProblem(again, "care.prescription-not-active", "R54");

        var entries = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { SubjectId = c.Subject }, default);
        Assert.Contains(entries, e => e.Draft.Action == "prescription.sign" && e.Draft.Outcome == AuditOutcome.Done);
        Assert.Contains(entries, e => e.Draft.Action == "prescription.review" && e.Draft.Outcome == AuditOutcome.Done && e.Draft.Rules.Contains("R54"));
        Assert.Contains(entries, e => e.Draft.Action == "prescription.dispense" && e.Draft.Outcome == AuditOutcome.Done);
    }

    [Fact]
    public async Task A_consultation_for_a_first_visit_is_refused_with_a_referral_and_nothing_is_stored()
    {
        var c = await ConsultationAsync("dr-first", "ph-first");
        var before = await Server.CountRecordsAsync(c.Subject);

        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{c.Subject}/records", Server.App, "consultation", Encounter("enc-new", "VR", "in-progress", "I10", "dr-first"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        AssertProblem(problem, "care.first-visit-offline", "R52");
        Assert.Contains("Refer the patient to an in-person visit", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await Server.CountRecordsAsync(c.Subject));
        await AssertAuditedAsync(c.Subject, "care.first-visit-offline", "R52");

        // An open consultation carries its id and names its physician, so that what is written in it can be traced.
        var withoutId = JsonNode.Parse((string)Encounter("x", "VR", "in-progress", "E11.9", "dr-first"))!.AsObject();
        withoutId.Remove("id");
        var (noId, noIdProblem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{c.Subject}/records", Server.App, "consultation", withoutId);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noId.StatusCode);
        Assert.Equal("R52", noIdProblem!["rule"]!.GetValue<string>());
        Assert.NotNull(noIdProblem["errors"]!["id"]);
        var (noPhysician, noPhysicianProblem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{c.Subject}/records", Server.App, "consultation", Encounter("enc-nobody", "VR", "in-progress", "E11.9", null));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noPhysician.StatusCode);
        Assert.Equal("R53", noPhysicianProblem!["rule"]!.GetValue<string>());
        Assert.NotNull(noPhysicianProblem["errors"]!["participant"]);
        Assert.Equal(before, await Server.CountRecordsAsync(c.Subject));

        // An in-person visit and diagnosis an automated agent recorded count for nothing: no AI makes a first visit.
        var ai = Server.Token(Role.App, "intake-bot", automated: true);
        await Server.WriteAsync(c.Subject, "consultation", Encounter("enc-ai", "AMB", "finished", null, null), ai);
        await Server.WriteAsync(c.Subject, "consultation", Condition("J45.9", "Encounter/enc-ai"), ai);
        var (byAi, byAiProblem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{c.Subject}/records", Server.App, "consultation", Encounter("enc-asthma", "VR", "in-progress", "J45.9", "dr-first"));
        Assert.Equal(HttpStatusCode.Forbidden, byAi.StatusCode);
        AssertProblem(byAiProblem, "care.first-visit-offline", "R52");

        // Under any purpose: an open online encounter written under record-keeping is a consultation too.
        var (keeping, keepingProblem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{c.Subject}/records", Server.App, "record-keeping", Encounter("enc-rk", "VR", "in-progress", null, "dr-first"));
        Assert.Equal(HttpStatusCode.Forbidden, keeping.StatusCode);
        AssertProblem(keepingProblem, "care.first-visit-offline", "R52");

        // An online consultation never becomes an in-person visit by a correction.
        var (laundered, launderedProblem) = await Server.SendAsync(HttpMethod.Put, $"/v1/records/{c.Consultation}", Server.App, "consultation", Encounter("enc-vr", "AMB", "finished", "E11.9", "dr-first"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, laundered.StatusCode);
        Assert.NotNull(launderedProblem!["errors"]!["class"]);

        // The same condition as diagnosed in person opens (the consultation of the set-up); an ineligible physician does not.
        await Server.SendAsync(HttpMethod.Post, "/v1/practitioners", Server.Admin, json: Server.PractitionerBody(Role.Physician, "dr-junior", years: 1));
        var (junior, notEligible) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{c.Subject}/records", Server.App, "consultation", Encounter("enc-jr", "VR", "in-progress", "E11.9", "dr-junior"));
        Assert.Equal(HttpStatusCode.Forbidden, junior.StatusCode);
        AssertProblem(notEligible, "care.practitioner-not-eligible", "R53");
    }

    [Fact]
    public async Task A_signature_by_another_key_and_a_prescription_changed_after_signing_are_refused()
    {
        var c = await ConsultationAsync("dr-key", "ph-key");
        var id = await DraftAsync(c, "C09AA05");
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (wrongKey, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature = await SignAsync(c, id, other) });
        Assert.Equal(HttpStatusCode.Forbidden, wrongKey.StatusCode);
        AssertProblem(problem, "care.signature-invalid", "R54");
        Assert.Equal("draft", await StateAsync(id));

        var (signed, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature = await SignAsync(c, id, c.Key) });
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);

        // Changed after signing (a correction of the dose): the signature no longer covers it, so the approval fails.
        var changed = Prescription("C09AA05", "Encounter/enc-vr", dose: "每日两次，每次 10 mg");
        var (corrected, _) = await Server.SendAsync(HttpMethod.Put, $"/v1/records/{id}", c.Physician, "prescription", changed);
        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        var (review, tampered) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/review", c.Pharmacist, json: new { decision = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, review.StatusCode);
        AssertProblem(tampered, "care.signature-invalid", "R54");
        Assert.Contains("changed after it was signed", tampered!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("signed", await StateAsync(id));
        await AssertAuditedAsync(c.Subject, "care.signature-invalid", "R54");
    }

    [Theory]
    [InlineData("N02AA01", "care.controlled-drug", "R55", 403)]
    [InlineData("N05BA01", "care.controlled-drug", "R55", 403)]
    [InlineData("A10BA", "care.unknown-drug", "R55", 422)]
    [InlineData("XYZ", "care.unknown-drug", "R55", 422)]
    public async Task A_controlled_or_unknown_drug_is_refused_at_the_draft_and_nothing_is_stored(string code, string expected, string rule, int status)
    {
        var c = await ConsultationAsync("dr-drug", "ph-drug");
        var before = await Server.CountRecordsAsync(c.Subject);

        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{c.Subject}/records", c.Physician, "prescription", Prescription(code, "Encounter/enc-vr"));

        Assert.Equal(status, (int)response.StatusCode);
        AssertProblem(problem, expected, rule);
        Assert.Equal(before, await Server.CountRecordsAsync(c.Subject));
        Assert.Equal(0, await Server.ScalarAsync("SELECT COUNT(*) FROM prescriptions"));
        await AssertAuditedAsync(c.Subject, expected, rule);
    }

    [Fact]
    public async Task A_prescription_written_active_is_refused_it_is_a_draft_until_approved()
    {
        var c = await ConsultationAsync("dr-act", "ph-act");
        var active = Prescription("A10BA02", "Encounter/enc-vr");
        active["status"] = "active";
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{c.Subject}/records", c.Physician, "prescription", active);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("R54", problem!["rule"]!.GetValue<string>());
        Assert.NotNull(problem["errors"]!["status"]);
    }

    [Fact]
    public async Task A_pharmacist_does_not_approve_their_own_prescription_and_an_AI_never_approves_or_signs()
    {
        var c = await ConsultationAsync("dr-self", "ph-self");
        var id = await DraftAsync(c, "A10BA02");
        await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature = await SignAsync(c, id, c.Key) });

        var (own, self) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/review", Server.Token(Role.Pharmacist, "dr-self"), json: new { decision = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        AssertProblem(self, "care.self-review", "R54");

        var ai = Server.Token(Role.App, "triage-bot", automated: true);
        var (byAi, automated) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/review", ai, json: new { decision = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, byAi.StatusCode);
        AssertProblem(automated, "care.automated-prescriber", "R54");
        var (signByAi, aiSign) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", ai, json: new { signature = "AAAA" });
        Assert.Equal(HttpStatusCode.Forbidden, signByAi.StatusCode);
        AssertProblem(aiSign, "care.automated-prescriber", "R54");
        Assert.Equal("signed", await StateAsync(id));
        await AssertAuditedAsync(c.Subject, "care.automated-prescriber", "R54");

        // An AI may propose a draft, which the physician then signs as its author.
        var proposed = await Server.WriteAsync(c.Subject, "prescription", Prescription("A10BA02", "Encounter/enc-vr"), ai);
        var (signedProposal, view) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{proposed}/signature", c.Physician, json: new { signature = await SignAsync(c, proposed, c.Key) });
        Assert.True(signedProposal.StatusCode == HttpStatusCode.OK, view?.ToJsonString());
        Assert.True(view!["proposedAutomated"]!.GetValue<bool>());
        Assert.Equal("dr-self", view["author"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_young_childs_prescription_needs_the_guardian_and_an_accompanying_physician()
    {
        var c = await ConsultationAsync("dr-child", "ph-child", birthDate: DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-4).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await Server.PractitionerTokenAsync(Role.Physician, "dr-paed");
        var id = await DraftAsync(c, "R06AE07");
        var signature = await SignAsync(c, id, c.Key);

        var (alone, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature });
        Assert.Equal(HttpStatusCode.Forbidden, alone.StatusCode);
        AssertProblem(problem, "care.paediatric-attendance-required", "R57");
        Assert.Equal("draft", await StateAsync(id));

        var (attended, view) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature, guardian = new { relationship = "母亲" }, accompanyingPhysician = "dr-paed" });
        Assert.True(attended.StatusCode == HttpStatusCode.OK, view?.ToJsonString());
        var (approved, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/review", c.Pharmacist, json: new { decision = "approve" });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
    }

    [Fact]
    public async Task A_new_diagnosis_in_the_consultation_ends_online_care_and_nothing_more_is_prescribed()
    {
        var c = await ConsultationAsync("dr-new", "ph-new");
        var id = await DraftAsync(c, "A10BA02");
        var (listed, before) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{c.Subject}/consultations", c.Physician, "consultation");
        Assert.True(listed.StatusCode == HttpStatusCode.OK, before?.ToJsonString());
        Assert.Equal(1, before!["inPersonDiagnoses"]!.GetValue<int>());
        var open = Assert.Single(before["consultations"]!.AsArray());
        Assert.Equal("open", open!["state"]!.GetValue<string>());
        Assert.All(open["checks"]!.AsArray(), k => Assert.True(k!["passed"]!.GetValue<bool>(), k.ToJsonString()));

        await Server.WriteAsync(c.Subject, "consultation", Condition("I10", $"Encounter/{c.Consultation}"), Server.App);
        var (_, after) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{c.Subject}/consultations", c.Physician, "consultation");
        var ended = Assert.Single(after!["consultations"]!.AsArray());
        Assert.Equal("ended-new-diagnosis", ended!["state"]!.GetValue<string>());
        Assert.Contains(ended["checks"]!.AsArray(), k => !k!["passed"]!.GetValue<bool>() && k["rule"]!.GetValue<string>() == "R52");
        var (wrongPurpose, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{c.Subject}/consultations", c.Physician, "prescription");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongPurpose.StatusCode);

        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature = await SignAsync(c, id, c.Key) });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        AssertProblem(problem, "care.first-visit-offline", "R52");
        var (_, explained) = await Server.SendAsync(HttpMethod.Get, $"/v1/prescriptions/{id}", c.Pharmacist);
        var check = Assert.Single(explained!["checks"]!.AsArray(), k => k!["check"]!.GetValue<string>() == "open consultation of this physician");
        Assert.False(check!["passed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_vaccine_may_be_prescribed_but_not_sold_online()
    {
        var c = await ConsultationAsync("dr-vac", "ph-vac");
        var id = await DraftAsync(c, "J07BB02");
        await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature = await SignAsync(c, id, c.Key) });
        await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/review", c.Pharmacist, json: new { decision = "approve" });

        var (delivery, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/dispense", c.Pharmacist, json: new { channel = "delivery" });
        Assert.Equal(HttpStatusCode.Forbidden, delivery.StatusCode);
        AssertProblem(problem, "care.online-sale-forbidden", "R56");
        var (pharmacy, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/dispense", c.Pharmacist, json: new { channel = "pharmacy" });
        Assert.Equal(HttpStatusCode.OK, pharmacy.StatusCode);
    }

    [Fact]
    public async Task An_SM2_key_signs_as_well_as_a_P256_one_and_malformed_bodies_are_refused_naming_the_field()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(new ECDomainParameters(GMNamedCurves.GetByName("sm2p256v1")), new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var spki = Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded());
        var c = await ConsultationAsync("dr-sm2", "ph-sm2", publicKey: spki);
        var id = await DraftAsync(c, "A10BA02");

        var (bad, invalid) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature = "not base64!" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.NotNull(invalid!["errors"]!["signature"]);
        var (unknown, unknownField) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/review", c.Pharmacist, json: new { decision = "approve", override_ = true });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.NotNull(unknownField!["code"]);

        var canonical = await CanonicalAsync(c, id);
        var signer = new SM2Signer(new SM3Digest());
        signer.Init(true, new ParametersWithRandom(pair.Private, new SecureRandom()));
        signer.BlockUpdate(canonical, 0, canonical.Length);
        var (signed, view) = await Server.SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/signature", c.Physician, json: new { signature = Convert.ToBase64String(signer.GenerateSignature()) });
        Assert.True(signed.StatusCode == HttpStatusCode.OK, view?.ToJsonString());
    }

    private sealed record Setup(string Subject, string Physician, string Pharmacist, ECDsa Key, string Consultation);

    /// <summary>A patient diagnosed in person with type 2 diabetes (E11.9) and an open online follow-up with <paramref name="physician"/>.</summary>
    private async Task<Setup> ConsultationAsync(string physician, string pharmacist, string birthDate = "1985-06-01", string? publicKey = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var body = Server.PractitionerBody(Role.Physician, physician);
        body["publicKey"] = publicKey ?? Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
        var (registered, json) = await Server.SendAsync(HttpMethod.Post, "/v1/practitioners", Server.Admin, json: body);
        Assert.True(registered.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        var pharmacistToken = await Server.PractitionerTokenAsync(Role.Pharmacist, pharmacist);

        string subject;
        if (string.CompareOrdinal(birthDate, "2015") > 0)
        {
            var guardian = await Server.CreateSubjectAsync("1990-01-01");
            subject = await Server.CreateSubjectAsync(birthDate, guardian);
            var parent = Server.Token(Role.Guardian, "parent", guardian);
            await Server.GrantAsync(subject, "consultation", "guardian", parent);
            await Server.GrantAsync(subject, "prescription", "guardian", parent);
        }
        else
        {
            subject = await Server.CreateSubjectAsync(birthDate);
            await Server.GrantAsync(subject, "consultation");
            await Server.GrantAsync(subject, "prescription");
        }
        await Server.AddCareTeamAsync(subject, physician, "physician");
        await Server.AddCareTeamAsync(subject, pharmacist, "pharmacist");
        await Server.WriteAsync(subject, "consultation", Encounter("enc-clinic", "AMB", "finished", null, null));
        await Server.WriteAsync(subject, "consultation", Condition("E11.9", "Encounter/enc-clinic"));
        var consultation = await Server.WriteAsync(subject, "consultation", Encounter("enc-vr", "VR", "in-progress", "E11.9", physician));
        return new Setup(subject, Server.Token(Role.Physician, physician), pharmacistToken, key, consultation);
    }

    private async Task<string> DraftAsync(Setup c, string atc) => await Server.WriteAsync(c.Subject, "prescription", Prescription(atc, "Encounter/enc-vr"), c.Physician);

    private async Task<byte[]> CanonicalAsync(Setup c, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/prescriptions/{id}/canonical");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", c.Physician);
        var response = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<string> SignAsync(Setup c, string id, ECDsa key)
        => Convert.ToBase64String(key.SignData(await CanonicalAsync(c, id), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    private async Task<string> StateAsync(string id)
        => (string)(await Server.Host.Store.GetPrescriptionAsync(CordonServer.Tenant, id, default))!.State;

    private async Task AssertAuditedAsync(string subject, string code, string rule)
    {
        var entries = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { SubjectId = subject }, default);
        Assert.Contains(entries, e => e.Draft.Outcome == AuditOutcome.Deny && e.Draft.Code == code && e.Draft.Rules.Contains(rule));
    }

    private static void AssertProblem(JsonNode? problem, string code, string rule)
    {
        Assert.NotNull(problem);
        Assert.Equal(code, problem["code"]!.GetValue<string>());
        Assert.Equal(rule, problem["rule"]!.GetValue<string>());
    }

    private static object Encounter(string id, string klass, string status, string? reason, string? practitioner)
    {
        var encounter = new JsonObject
        {
            ["resourceType"] = "Encounter",
            ["id"] = id,
            ["status"] = status,
            ["class"] = new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v3-ActCode", ["code"] = klass },
        };
        if (reason is not null)
        {
            encounter["reasonCode"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = Icd10, ["code"] = reason }) });
        }

        if (practitioner is not null)
        {
            encounter["participant"] = new JsonArray(new JsonObject { ["individual"] = new JsonObject { ["reference"] = $"Practitioner/{practitioner}" } });
        }

        return encounter.ToJsonString();
    }

    private static object Condition(string code, string encounter) => new JsonObject
    {
        ["resourceType"] = "Condition",
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = Icd10, ["code"] = code }) },
        ["encounter"] = new JsonObject { ["reference"] = encounter },
    }.ToJsonString();

    private static JsonObject Prescription(string atc, string encounter, string dose = "每日一次，每次 500 mg") => new()
    {
        ["resourceType"] = "MedicationRequest",
        ["status"] = "draft",
        ["intent"] = "order",
        ["medicationCodeableConcept"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = Atc, ["code"] = atc }) },
        ["encounter"] = new JsonObject { ["reference"] = encounter },
        ["dosageInstruction"] = new JsonArray(new JsonObject { ["text"] = dose }),
    };
}

public sealed class SqlitePrescriptionTests : PrescriptionTests;

public sealed class PostgresPrescriptionTests : PrescriptionTests
{
    protected override bool Postgres => true;
}
