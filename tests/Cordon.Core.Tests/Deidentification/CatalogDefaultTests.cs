using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cordon.Core.Deidentification;

namespace Cordon.Core.Tests.Deidentification;

/// <summary>The catalog-driven defaults on real Synthea resources: identifiers pseudonymised, direct identifiers removed, quasi-identifiers generalised, dates shifted per subject.</summary>
public sealed class CatalogDefaultTests
{
    private static readonly byte[] Bundle = Deid.FirstSyntheaBundle();
    private const string PatientId = "fe07e69a-4d6d-4e11-a675-de69f62de5f3";

    [Fact]
    public void A_Synthea_Patient_loses_names_contacts_and_street_keeps_province_and_city_and_its_birth_year()
    {
        var patient = Deid.SyntheaResource(Bundle, "Patient");
        var (output, result) = Deid.Apply(Deid.Plan(), patient, PatientId);
        var text = output.GetRawText();

        Assert.False(output.TryGetProperty("name", out _));
        Assert.False(output.TryGetProperty("telecom", out _));
        Assert.DoesNotContain("Antonia30", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Ruelas156", text, StringComparison.Ordinal);
        Assert.DoesNotContain("555-", text, StringComparison.Ordinal);
        Assert.DoesNotContain("999-40-8244", text, StringComparison.Ordinal);
        Assert.DoesNotContain(PatientId, text, StringComparison.Ordinal);

        var address = output.GetProperty("address")[0];
        Assert.Equal(["city", "country", "state"], address.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        using var original = JsonDocument.Parse(patient);
        Assert.Equal(original.RootElement.GetProperty("address")[0].GetProperty("city").GetString(), address.GetProperty("city").GetString());
        Assert.Equal(original.RootElement.GetProperty("birthDate").GetString()![..4], output.GetProperty("birthDate").GetString());
        Assert.Equal("female", output.GetProperty("gender").GetString());

        Assert.Equal(["REDACTED", "PSEUDED", "PERTURBED", "GENERALIZED"], Deid.Labels(output));
        Assert.Equal(SecurityLabels.Redacted | SecurityLabels.Pseudonymised | SecurityLabels.Perturbed | SecurityLabels.Generalized, result.Labels);
        Assert.Equal(["birthYear", "city", "gender", "province"], result.QuasiIdentifiers.Select(q => q.Key));
        Assert.Equal(output.GetProperty("id").GetString(), result.Id);
        Assert.Equal(result.Subject, result.Id);
    }

    [Fact]
    public void Identifiers_get_pseudonyms_in_a_system_of_their_own_that_names_the_tenant()
    {
        var (output, _) = Deid.Apply(Deid.Plan(), Deid.SyntheaResource(Bundle, "Patient"), PatientId);

        var identifiers = output.GetProperty("identifier").EnumerateArray().ToList();
        Assert.Equal(5, identifiers.Count);
        Assert.All(identifiers, i =>
        {
            Assert.StartsWith("urn:cordon:pseudonym:t1:", i.GetProperty("system").GetString(), StringComparison.Ordinal);
            Assert.Matches("^[0-9a-f]{32}$", i.GetProperty("value").GetString()!);
        });
        Assert.Equal(5, identifiers.Select(i => i.GetProperty("system").GetString()).Distinct().Count());
        Assert.Equal("MR", identifiers[1].GetProperty("type").GetProperty("coding")[0].GetProperty("code").GetString());
    }

    [Fact]
    public void A_resource_id_gets_the_same_pseudonym_as_every_reference_to_it_and_differs_with_the_key()
    {
        var plan = Deid.Plan();
        var (patient, _) = Deid.Apply(plan, Deid.SyntheaResource(Bundle, "Patient"), PatientId);
        var (observation, _) = Deid.Apply(plan, Deid.SyntheaResource(Bundle, "Observation"), PatientId);
        var (encounter, _) = Deid.Apply(plan, Deid.SyntheaResource(Bundle, "Encounter"), PatientId);
        var (other, _) = Deid.Apply(Deid.Plan(keyFill: 8), Deid.SyntheaResource(Bundle, "Patient"), PatientId);

        var id = patient.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
        Assert.Equal("urn:uuid:" + id, observation.GetProperty("subject").GetProperty("reference").GetString());
        Assert.Equal("urn:uuid:" + id, encounter.GetProperty("subject").GetProperty("reference").GetString());
        Assert.Equal("urn:uuid:" + encounter.GetProperty("id").GetString(), EncounterOfFirstObservationOf(encounter, plan));
        Assert.NotEqual(id, other.GetProperty("id").GetString());
    }

    private static string EncounterOfFirstObservationOf(JsonElement encounter, Cordon.Core.Deidentification.DeidentificationPlan plan)
    {
        // The first Observation that names this Encounter, de-identified with the same plan.
        using var document = JsonDocument.Parse(Bundle);
        var originalEncounter = document.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource"))
            .First(r => r.GetProperty("resourceType").GetString() == "Encounter").GetProperty("id").GetString();
        var observation = document.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource"))
            .First(r => r.TryGetProperty("encounter", out var e) && e.GetProperty("reference").GetString() == "urn:uuid:" + originalEncounter);
        Assert.NotEqual(JsonValueKind.Undefined, encounter.ValueKind);
        return Deid.Apply(plan, observation.GetRawText(), PatientId).Output.GetProperty("encounter").GetProperty("reference").GetString()!;
    }

    [Fact]
    public void Dates_of_one_subject_move_by_one_offset_within_the_range_and_a_year_alone_stays()
    {
        var plan = Deid.Plan();
        var observation = Deid.SyntheaResource(Bundle, "Observation");
        var encounter = Deid.SyntheaResource(Bundle, "Encounter");
        var (o, result) = Deid.Apply(plan, observation, PatientId);
        var (e, _) = Deid.Apply(plan, encounter, PatientId);
        var (other, _) = Deid.Apply(plan, observation, "another-subject");

        var shift = Days(observation, o, r => r.GetProperty("effectiveDateTime").GetString()!);
        Assert.InRange(Math.Abs(shift), 1, 50);
        Assert.Equal(shift, Days(observation, o, r => r.GetProperty("issued").GetString()!));
        Assert.Equal(shift, Days(encounter, e, r => r.GetProperty("period").GetProperty("start").GetString()!));
        Assert.NotEqual(shift, Days(observation, other, r => r.GetProperty("effectiveDateTime").GetString()!));
        Assert.EndsWith("T11:58:37-07:00", o.GetProperty("effectiveDateTime").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, result.DatesShifted);
        Assert.Equal(268.1m, o.GetProperty("valueQuantity").GetProperty("value").GetDecimal());
        Assert.Equal(["PSEUDED", "PERTURBED"], Deid.Labels(o));
    }

    private static int Days(string before, JsonElement after, Func<JsonElement, string> date)
    {
        using var original = JsonDocument.Parse(before);
        var from = DateOnly.ParseExact(date(original.RootElement)[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = DateOnly.ParseExact(date(after)[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return to.DayNumber - from.DayNumber;
    }

    [Fact]
    public void Labels_are_added_to_the_security_labels_and_profile_the_resource_already_had()
    {
        var json = """
            {"resourceType":"Observation","id":"o1","meta":{"profile":["http://example.org/p"],"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]},
             "status":"final","subject":{"reference":"Patient/p1"}}
            """;
        var (output, _) = Deid.Apply(Deid.Plan(), json);

        var meta = output.GetProperty("meta");
        Assert.Equal("http://example.org/p", meta.GetProperty("profile")[0].GetString());
        var security = meta.GetProperty("security").EnumerateArray().Select(s => s.GetProperty("code").GetString()).ToList();
        Assert.Equal(["R", "PSEUDED"], security);
        Assert.StartsWith("Patient/", output.GetProperty("subject").GetProperty("reference").GetString(), StringComparison.Ordinal);
        Assert.Equal("Patient/" + Deid.Apply(Deid.Plan(), """{"resourceType":"Patient","id":"p1"}""").Output.GetProperty("id").GetString(), output.GetProperty("subject").GetProperty("reference").GetString());
    }

    [Fact]
    public void Elements_the_catalog_does_not_classify_are_removed_and_counted_and_unknown_types_withheld()
    {
        var (output, result) = Deid.Apply(Deid.Plan(), """{"resourceType":"Observation","id":"o1","status":"final","secretField":{"a":1},"photo":"x"}""");
        Assert.False(output.TryGetProperty("secretField", out _));
        Assert.False(output.TryGetProperty("photo", out _));
        Assert.Equal(2, result.Unclassified);
        Assert.Contains("REDACTED", Deid.Labels(output));

        var buffer = new ArrayBufferWriter<byte>();
        var claim = Deid.Plan().Apply(Encoding.UTF8.GetBytes("""{"resourceType":"Claim","id":"c1"}"""), "p1", buffer);
        Assert.False(claim.Failed);
        Assert.Equal("catalog.unknown-type", claim.Value.Withheld);
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void Attachment_data_and_the_patient_name_in_other_resources_are_removed()
    {
        var document = Deid.SyntheaResource(Bundle, "DocumentReference");
        var (output, _) = Deid.Apply(Deid.Plan(), document, PatientId);

        var attachment = output.GetProperty("content")[0].GetProperty("attachment");
        Assert.False(attachment.TryGetProperty("data", out _));
        Assert.Equal("text/plain", attachment.GetProperty("contentType").GetString());
    }
}
