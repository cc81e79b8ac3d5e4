using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Care;

namespace Cordon.Core.Tests.Care;

public sealed class PrescriptionPolicyTests
{
    private const string Icd10 = CareSettings.Icd10;
    private static readonly IReadOnlySet<string> Systems = CareSettings.DefaultDiagnosisCodeSystems;

    [Theory]
    [InlineData("N02AA01", DrugClass.Narcotic)]
    [InlineData("N05BA01", DrugClass.Psychotropic)]
    [InlineData("N06BA04", DrugClass.Psychotropic)]
    [InlineData("V10XA01", DrugClass.Radioactive)]
    [InlineData("J07BB02", DrugClass.Vaccine)]
    [InlineData("B05AA01", DrugClass.BloodProduct)]
    [InlineData("R03CA02", DrugClass.PrecursorChemical)]
    [InlineData("L01XX27", DrugClass.MedicalToxic)]
    public void The_shipped_catalog_classes_controlled_substances_by_their_ATC_code(string code, DrugClass expected)
        => Assert.Equal(expected, DrugClasses.Default.ClassOf(Code.Of(DrugClasses.Atc, code)));

    [Theory]
    [InlineData("A10BA02", true)]
    [InlineData("a10ba02", true)]
    [InlineData("A10BA", false)]
    [InlineData("A10BA0X", false)]
    [InlineData("XYZ", false)]
    public void Only_a_full_ATC_substance_code_is_known(string code, bool known)
    {
        Assert.Equal(known, DrugClasses.Default.IsKnown(Code.Of(DrugClasses.Atc, code)));
        Assert.False(DrugClasses.Default.IsKnown(Code.Of("http://www.nlm.nih.gov/research/umls/rxnorm", "860975")));
    }

    [Fact]
    public void A_vaccine_is_prescribable_online_but_not_sold_online()
    {
        var vaccine = new MedicationRequestFacts(null, "active", [Code.Of(DrugClasses.Atc, "J07BB02")], null);
        Assert.True(PrescriptionPolicy.Drugs(vaccine, DrugClasses.Default).Passed);
        Assert.True(PrescriptionPolicy.Dispense(PrescriptionState.Active, vaccine, DrugClasses.Default, online: false).Passed);
        var online = PrescriptionPolicy.Dispense(PrescriptionState.Active, vaccine, DrugClasses.Default, online: true);
        Assert.False(online.Passed);
        Assert.Equal("R56", online.Rule);
        Assert.Equal(CareRefusals.OnlineSaleForbidden, online.Refusal);
        Assert.Equal(CareRefusals.PrescriptionNotActive, PrescriptionPolicy.Dispense(PrescriptionState.Signed, vaccine, DrugClasses.Default, online: false).Refusal);
    }

    [Fact]
    public void A_consultation_opens_only_for_a_condition_diagnosed_in_person_with_the_same_code()
    {
        var history = new CareHistory(
            [new EncounterFacts("clinic", "AMB", "finished", [], []), new EncounterFacts("home", "HH", "finished", [], [])],
            [new ConditionFacts("c1", [Code.Of(Icd10, "E11.9")], "clinic", "active", "confirmed"), new ConditionFacts("c2", [Code.Of(Icd10, "I10")], "home", "active", "confirmed")]);

        Assert.Null(ConsultationPolicy.CheckOpening(Consultation("e11.9"), history, Systems));
        Assert.Equal(CareRefusals.FirstVisitOffline.Code, ConsultationPolicy.CheckOpening(Consultation("I10"), history, Systems)!.Code);
        Assert.Equal(CareRefusals.FirstVisitOffline.Code, ConsultationPolicy.CheckOpening(new EncounterFacts("vr", "VR", "in-progress", [], ["dr"]), history, Systems)!.Code);

        var refuted = history with { Conditions = [new ConditionFacts("c1", [Code.Of(Icd10, "E11.9")], "clinic", "active", "refuted")] };
        Assert.NotNull(ConsultationPolicy.CheckOpening(Consultation("E11.9"), refuted, Systems));
    }

    [Fact]
    public void A_new_diagnosis_recorded_in_the_consultation_ends_it()
    {
        var consultation = Consultation("E11.9");
        var history = new CareHistory(
            [new EncounterFacts("clinic", "AMB", "finished", [], []), consultation],
            [new ConditionFacts("c1", [Code.Of(Icd10, "E11.9")], "clinic", "active", "confirmed")]);
        Assert.Equal(ConsultationState.Open, ConsultationPolicy.ConsultationOf(history, "dr", Systems).State);
        Assert.Equal(ConsultationState.Closed, ConsultationPolicy.ConsultationOf(history, "dr-other", Systems).State);

        var changed = history with { Conditions = [.. history.Conditions, new ConditionFacts("c2", [Code.Of(Icd10, "I10")], "vr", "active", "confirmed")] };
        Assert.Equal(ConsultationState.EndedNewDiagnosis, ConsultationPolicy.ConsultationOf(changed, "dr", Systems).State);

        // Named by its record id, and coded in a system the profile does not compare: a new diagnosis all the same.
        var byRecord = history with
        {
            Encounters = [history.Encounters[0], consultation with { RecordId = "rec_vr" }],
            Conditions = [.. history.Conditions, new ConditionFacts("c3", [Code.Of("urn:local:codes", "X1")], "rec_vr", "active", "confirmed")],
        };
        Assert.Equal(ConsultationState.EndedNewDiagnosis, ConsultationPolicy.ConsultationOf(byRecord, "dr", Systems).State);
    }

    [Fact]
    public void A_diagnosis_in_an_online_encounter_never_counts_as_in_person_even_under_a_shared_id()
    {
        var history = new CareHistory(
            [new EncounterFacts("e1", "AMB", "finished", [], []), new EncounterFacts("e1", "VR", "finished", [], ["dr"])],
            [new ConditionFacts("c1", [Code.Of(Icd10, "E11.9")], "e1", "active", "confirmed")]);
        Assert.Empty(ConsultationPolicy.InPersonDiagnoses(history, Systems));
    }

    [Fact]
    public void Every_precondition_is_checked_in_order_and_the_first_that_fails_refuses()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ClinicalFacts.MedicationRequest(Encoding.UTF8.GetBytes("""{"resourceType":"MedicationRequest","status":"draft","medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"A10BA02"}]},"encounter":{"reference":"Encounter/vr"}}"""));
        var canonical = Encoding.UTF8.GetBytes("{}");
        var good = new PrescriptionCase
        {
            Request = request,
            Canonical = canonical,
            Author = "dr",
            AuthorStanding = PractitionerStanding.Eligible,
            AuthorKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            Signature = key.SignData(canonical, HashAlgorithmName.SHA256),
            Consultation = Consultation("E11.9"),
            ConsultationState = ConsultationState.Open,
            Age = 40,
            Reviewer = "ph",
            ReviewerStanding = PractitionerStanding.Eligible,
            Drugs = DrugClasses.Default,
        };

        Assert.Null(PrescriptionPolicy.FirstFailure(PrescriptionPolicy.Evaluate(good, PrescriptionStep.Approve)));
        Assert.Equal(CareRefusals.SelfReview, PrescriptionPolicy.FirstFailure(PrescriptionPolicy.Evaluate(good with { Reviewer = "dr" }, PrescriptionStep.Approve))!.Refusal);
        Assert.Equal(CareRefusals.AutomatedPrescriber, PrescriptionPolicy.FirstFailure(PrescriptionPolicy.Evaluate(good with { ReviewerAutomated = true }, PrescriptionStep.Approve))!.Refusal);
        Assert.Equal(CareRefusals.SignatureInvalid, PrescriptionPolicy.FirstFailure(PrescriptionPolicy.Evaluate(good with { Canonical = Encoding.UTF8.GetBytes("{\"x\":1}") }, PrescriptionStep.Sign))!.Refusal);
        Assert.Equal(CareRefusals.PaediatricAttendance, PrescriptionPolicy.FirstFailure(PrescriptionPolicy.Evaluate(good with { Age = 5 }, PrescriptionStep.Sign))!.Refusal);
        Assert.Null(PrescriptionPolicy.FirstFailure(PrescriptionPolicy.Evaluate(good with { Age = 5, GuardianPresent = true, AccompanyingPhysician = "dr-2", AccompanyingStanding = PractitionerStanding.Eligible }, PrescriptionStep.Sign)));
        Assert.Equal(CareRefusals.PractitionerNotEligible, PrescriptionPolicy.FirstFailure(PrescriptionPolicy.Evaluate(good with { AuthorStanding = PractitionerStanding.Suspended }, PrescriptionStep.Sign))!.Refusal);
        Assert.Equal(CareRefusals.NotConsultationPhysician, PrescriptionPolicy.FirstFailure(PrescriptionPolicy.Evaluate(good with { ConsultationState = ConsultationState.Closed }, PrescriptionStep.Sign))!.Refusal);
        Assert.Equal(9, PrescriptionPolicy.Evaluate(good, PrescriptionStep.Approve).Count);
    }

    [Fact]
    public void The_canonical_form_sorts_members_drops_meta_text_and_status_and_ignores_whitespace()
    {
        var a = PrescriptionSignature.Canonical(Encoding.UTF8.GetBytes("""{ "status": "draft", "b": [ 2, {"z":1,"a":"药"} ], "a": 1.50, "meta": {"versionId":"1"} }"""));
        var b = PrescriptionSignature.Canonical(Encoding.UTF8.GetBytes("""{"a":1.50,"status":"active","b":[2,{"a":"药","z":1}]}"""));
        Assert.Equal("""{"a":1.50,"b":[2,{"a":"药","z":1}]}""", Encoding.UTF8.GetString(a));
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_key_that_is_neither_SM2_nor_P256_verifies_nothing()
    {
        using var rsa = RSA.Create(2048);
        var data = "x"u8.ToArray();
        Assert.False(PrescriptionSignature.Verify(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), data, rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
        Assert.Null(PrescriptionSignature.AlgorithmOf("not a key"));
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.False(PrescriptionSignature.Verify(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo()), data, p384.SignData(data, HashAlgorithmName.SHA256)));
    }

    private static EncounterFacts Consultation(string code) => new("vr", "VR", "in-progress", [Code.Of(Icd10, code)], ["dr"]);
}

public sealed class CareProfileTests
{
    private static string WithCare(string care) => RepoFiles.ReadProfile("internet-hospital.yaml").Replace(
        "care:\n  diagnosisCodeSystems: [http://hl7.org/fhir/sid/icd-10, http://hl7.org/fhir/sid/icd-10-cn, http://snomed.info/sct]\n",
        care,
        StringComparison.Ordinal);

    [Fact]
    public void A_profile_adds_a_drug_code_system_and_controlled_codes_and_keeps_the_shipped_list()
    {
        var text = WithCare("""
            care:
              diagnosisCodeSystems: [http://hl7.org/fhir/sid/icd-10]
              drugCodeSystems: [urn:oid:1.2.156.example.drug]
              controlledDrugs:
                - { class: narcotic, system: "urn:oid:1.2.156.example.drug", codes: [X-1001], substances: "示例 / example", source: "示例公告 / example announcement" }

            """);
        var profile = Cordon.Core.Profiles.ProfileLoader.Load(text, "care.yaml");
        Assert.True(profile.Errors.Count == 0, string.Join("; ", profile.Errors));
        var care = profile.Profile!.Care;
        Assert.Equal(["http://hl7.org/fhir/sid/icd-10"], care.DiagnosisCodeSystems);
        Assert.Equal(DrugClass.Narcotic, care.Drugs.ClassOf(Code.Of("urn:oid:1.2.156.example.drug", "x-1001")));
        Assert.True(care.Drugs.IsKnown(Code.Of("urn:oid:1.2.156.example.drug", "Y-2")));
        Assert.Equal(DrugClass.Narcotic, care.Drugs.ClassOf(Code.Of(DrugClasses.Atc, "N02AA01")));
    }

    [Theory]
    [InlineData("    - { class: sedative, codes: [N05CD08], substances: x, source: y }\n", "class 'sedative' is not known")]
    [InlineData("    - { class: narcotic, codes: [N05CD08], substances: x }\n", "source")]
    [InlineData("    - { class: narcotic, system: \"urn:other\", codes: [A1], substances: x, source: y }\n", "not one of care.drugCodeSystems")]
    public void A_controlled_drug_entry_with_a_mistake_is_refused_with_the_line(string entry, string message)
    {
        var loaded = Cordon.Core.Profiles.ProfileLoader.Load(WithCare("care:\n  controlledDrugs:\n" + entry + "\n"), "care.yaml");
        Assert.Null(loaded.Profile);
        Assert.Contains(loaded.Errors, e => e.Message.Contains(message, StringComparison.Ordinal) && e.Line > 1);
    }
}
