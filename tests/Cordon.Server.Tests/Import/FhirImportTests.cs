using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cordon.Core.Audit;
using Cordon.Server.Audit;
using Cordon.Server.Import;
using Cordon.Server.Records;
using Cordon.Server.Subjects;

namespace Cordon.Server.Tests.Import;

/// <summary>Bulk import of FHIR R4 through the record write path, on the real Synthea bundles and on hand-made NDJSON.</summary>
public sealed class FhirImportTests : ServerTest
{
    [Fact]
    public async Task The_Synthea_bundles_import_with_counts_that_match_the_bundles_and_read_back_decrypted()
    {
        var files = SyntheaFiles();
        var expected = Expected(files);

        var report = await ImportAsync(files, new ImportOptions { OnInvalid = InvalidValueHandling.DropField, BatchSize = 300 });

        Assert.Equal(files.Count, report.Files);
        Assert.Equal(expected.Patients.Count, report.SubjectsCreated);
        Assert.Equal(expected.Stored, report.Records);
        Assert.Equal(expected.Skipped, report.Skipped);
        Assert.Equal(expected.Unlinked, report.Unlinked);
        Assert.Empty(report.Refused);
        Assert.Equal(11, report.Dropped["Patient.telecom.value (cn-mobile)"]);
        Assert.Equal(1, report.Dropped["Practitioner.telecom.value (email)"]);
        Assert.Equal(expected.Resources, report.Resources);

        // Every record of every patient opens under its subject's key and is byte for byte the resource of the bundle
        // (except the values dropped as invalid).
        var tenant = Server.TenantContext;
        var store = Server.Host.Store;
        foreach (var (patientId, sources) in expected.Patients)
        {
            var found = await store.FindSubjectsAsync(CordonServer.Tenant, "external-id", tenant.Indexer.Compute("external-id", patientId), default);
            using var subject = await SubjectVault.OpenAsync(tenant, store, Assert.Single(found), default);
            Assert.NotNull(subject);
            var rows = await store.ListRecordsAsync(CordonServer.Tenant, subject.Id, null, default);
            Assert.Equal(sources.Count, rows.Count);
            var unmatched = sources.Select(s => Encoding.UTF8.GetString(s)).ToList();
            var altered = 0;
            foreach (var row in rows)
            {
                Assert.Equal("record-keeping", row.Purpose);
                var text = Encoding.UTF8.GetString(RecordWriter.Open(tenant, subject, row));
                if (!unmatched.Remove(text))
                {
                    altered++;
                    Assert.Contains(row.Type, new[] { "Patient", "Practitioner" });
                }
            }

            Assert.InRange(altered, 1, 2);
        }

        var chain = await AuditVerification.VerifyAsync(tenant, store, witness: null, CancellationToken.None);
        Assert.True(chain.Valid, chain.Reason);
    }

    [Fact]
    public async Task By_default_a_resource_with_an_invalid_value_is_refused_whole_and_audited_as_a_denial()
    {
        var files = SyntheaFiles();
        var expected = Expected(files);

        var report = await ImportAsync(files, new ImportOptions());

        Assert.Equal(12, report.Refused["validation.failed"]);
        Assert.Empty(report.Dropped);
        Assert.False(report.Records.ContainsKey("Patient"));
        Assert.Equal(expected.Stored["Practitioner"] - 1, report.Records["Practitioner"]);
        Assert.Equal(expected.Stored["Observation"], report.Records["Observation"]);
        Assert.Equal(11, report.SubjectsCreated);
        Assert.All(report.FirstRefusals, r => Assert.Matches(@"^file \d+, entry \d+$", r.Where));

        // Catalog checks run ahead on other threads; refusals are still reported in the order the files were read.
        var fileNumbers = report.FirstRefusals.Select(r => int.Parse(r.Where.Split(' ', ',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(fileNumbers.Order(), fileNumbers);
        var denials = 0;
        await foreach (var entry in Server.Host.Store.ReadChainAsync(CordonServer.Tenant, CancellationToken.None))
        {
            denials += entry.Draft is { ActorId: "cordon-import", Outcome: AuditOutcome.Deny, Code: "validation.failed" } ? 1 : 0;
        }

        Assert.Equal(12, denials);
    }

    [Fact]
    public async Task A_file_with_a_bad_line_reports_it_and_stores_nothing_of_that_resource()
    {
        var (idNumber, mobile) = CordonServer.ChineseIdentifiers(7);
        var lines = new[]
        {
            // An observation before its patient: held until the patient is known.
            Observation("obs-early", "Patient/p-77", 120),
            Line(new { resourceType = "Patient", id = "p-77", birthDate = "1979-02-03", name = new[] { new { text = "赵敏" } }, identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = idNumber } }, telecom = new[] { new { system = "phone", value = mobile } } }),
            "{\"resourceType\":\"Observation\",\"status\":\"final\",",
            Line(new { resourceType = "Observation", id = "obs-extra", status = "final", subject = new { reference = "Patient/p-77" }, secretField = "MARKER-UNCLASSIFIED" }),
            Observation("obs-orphan", "Patient/nobody", 130),
            Observation("obs-good", "Patient/p-77", 118),
            string.Empty,
            Line(new { resourceType = "Claim", id = "claim-1", patient = new { reference = "Patient/p-77" } }),
        };
        var file = Path.Combine(Server.Directory, "input.ndjson");
        await File.WriteAllLinesAsync(file, lines);

        var report = await ImportAsync([file], new ImportOptions());

        Assert.Equal(1, report.Records["Patient"]);
        Assert.Equal(2, report.Records["Observation"]);
        Assert.Equal(1, report.Refused["request.malformed"]);
        Assert.Equal(1, report.Refused["fhir.invalid"]);
        Assert.Equal(1, report.Refused["import.no-patient"]);
        Assert.Equal(1, report.Skipped["Claim"]);
        Assert.Contains(report.FirstRefusals, r => r.Where == "file 1, line 3" && r.Code == "request.malformed");
        Assert.Contains(report.FirstRefusals, r => r.Where == "file 1, line 4" && r.Code == "fhir.invalid");

        var tenant = Server.TenantContext;
        var store = Server.Host.Store;
        var id = Assert.Single(await store.FindSubjectsAsync(CordonServer.Tenant, "external-id", tenant.Indexer.Compute("external-id", "p-77"), default));
        using var subject = await SubjectVault.OpenAsync(tenant, store, id, default);
        Assert.Equal(new DateOnly(1979, 2, 3), subject!.Profile.BirthDate);
        var stored = (await store.ListRecordsAsync(CordonServer.Tenant, id, null, default))
            .Select(r => JsonNode.Parse(RecordWriter.Open(tenant, subject, r))!["id"]!.GetValue<string>())
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["obs-early", "obs-good", "p-77"], stored);
        Assert.Empty(await store.FindSubjectsAsync(CordonServer.Tenant, "external-id", tenant.Indexer.Compute("external-id", "nobody"), default));
        Assert.Equal(new[] { id }, await store.FindSubjectsAsync(CordonServer.Tenant, "cn-resident-id", tenant.Indexer.Compute("cn-resident-id", idNumber), default));
        Assert.DoesNotContain(Server.Logs.Lines, l => l.Contains(idNumber, StringComparison.Ordinal) || l.Contains("MARKER-UNCLASSIFIED", StringComparison.Ordinal));

        // Importing more records for the same patient later adds them to the same subject.
        var more = Path.Combine(Server.Directory, "more.ndjson");
        await File.WriteAllLinesAsync(more, [Observation("obs-later", "Patient/p-77", 125)]);
        var second = await ImportAsync([more], new ImportOptions());
        Assert.Equal(0, second.SubjectsCreated);
        Assert.Equal(1, second.SubjectsMatched);
        Assert.Equal(4, (await store.ListRecordsAsync(CordonServer.Tenant, id, null, default)).Count);
    }

    [Fact]
    public async Task Json_files_are_read_entry_by_entry_so_a_bad_file_or_resource_refuses_only_itself()
    {
        // The resource type last: the entry's resource is found in the Bundle's bytes and stored exactly as written.
        const string ObservationTypeLast = """{"id":"obs-late","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}]},"subject":{"reference":"urn:uuid:p-91"},"valueQuantity":{"value":119,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"},"resourceType":"Observation"}""";
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:p-91","resource":{"resourceType":"Patient","id":"p-91","birthDate":"1985-04-05"},"request":{"method":"POST","url":"Patient"}},
              {"fullUrl":"urn:uuid:o-1","resource":{{{Observation("obs-a", "urn:uuid:p-91", 121)}}} },
              {"resource":{"id":"claim-9","resourceType":"Claim","patient":{"reference":"urn:uuid:p-91"}} },
              {"resource":{"id":"no-type","status":"final"}},
              {"resource":"not a resource"},
              {"resource":{"resourceType":"Observation","id":"obs-dup","status":"final","status":"amended","subject":{"reference":"urn:uuid:p-91"}} },
              {"resource":{{{ObservationTypeLast}}} },
              42
            ]}

            """;
        var files = new[]
        {
            ("bundle.json", bundle),
            ("truncated.json", """{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","""),
            ("single.json", Observation("obs-single", "Patient/p-91", 117)),
            ("trailing.json", """{"resourceType":"Bundle","entry":[]} {"resourceType":"Patient"}"""),
            ("twice.json", $$$"""{"resourceType":"Bundle","entry":[],"entry":[{"resource":{{{Observation("obs-twice", "Patient/p-91", 140)}}} }]}"""),
        };
        var paths = new List<string>();
        foreach (var (name, text) in files)
        {
            paths.Add(Path.Combine(Server.Directory, name));
            await File.WriteAllTextAsync(paths[^1], text);
        }

        var report = await ImportAsync(paths, new ImportOptions());

        Assert.Equal(5, report.Files);
        Assert.Equal(11, report.Resources);
        Assert.Equal(1, report.Records["Patient"]);
        Assert.Equal(3, report.Records["Observation"]);
        Assert.Equal(1, report.Skipped["Claim"]);
        Assert.Equal(4, report.Refused["request.malformed"]);
        Assert.Equal(2, report.Refused["import.no-resource-type"]);
        Assert.Equal(
            new (string, string, string)[]
            {
                ("file 1, entry 4", "?", "import.no-resource-type"),
                ("file 1, entry 5", "?", "import.no-resource-type"),
                ("file 1, entry 6", "Observation", "request.malformed"),
                ("file 2", "?", "request.malformed"),
                ("file 4", "?", "request.malformed"),
                ("file 5", "?", "request.malformed"),
            },
            report.FirstRefusals.Select(r => (r.Where, r.Type, r.Code)));
        Assert.All(report.FirstRefusals, r => Assert.NotEmpty(r.Issues));
        Assert.All(report.FirstRefusals, r => Assert.NotNull(r.Hint));
        Assert.Equal("resourceType", report.FirstRefusals[0].Issues.Single().Path);

        var tenant = Server.TenantContext;
        var store = Server.Host.Store;
        var id = Assert.Single(await store.FindSubjectsAsync(CordonServer.Tenant, "external-id", tenant.Indexer.Compute("external-id", "p-91"), default));
        using var subject = await SubjectVault.OpenAsync(tenant, store, id, default);
        var stored = (await store.ListRecordsAsync(CordonServer.Tenant, id, null, default))
            .Select(r => Encoding.UTF8.GetString(RecordWriter.Open(tenant, subject!, r)))
            .ToDictionary(text => JsonNode.Parse(text)!["id"]!.GetValue<string>(), StringComparer.Ordinal);
        Assert.Equal(["obs-a", "obs-late", "obs-single", "p-91"], stored.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(ObservationTypeLast, stored["obs-late"]);
    }

    [Fact]
    public async Task Text_that_is_not_text_refuses_only_its_own_resource_and_never_stops_the_run()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:p-77","resource":{"resourceType":"Patient","id":"p-77","birthDate":"1985-04-05"}},
              {"resource":{{{Observation("obs-good", "urn:uuid:p-77", 121)}}} },
              {"resource":{"resourceType":"Observation\ud83d","id":"bad-type","status":"final"}},
              {"fullUrl":"urn:uuid:\udc00","resource":{"resourceType":"Observation","id":"bad-value","status":"final\ud83d","subject":{"reference":"urn:uuid:p-77"}} },
              {"resource":{"resourceType":"Observation","id":"bad-name","\ud83d":1,"subject":{"reference":"urn:uuid:p-77"}} }
            ]}
            """;
        var files = new List<(string Name, byte[] Bytes)>
        {
            ("bundle.json", Encoding.UTF8.GetBytes(bundle)),
            ("lone.json", Encoding.UTF8.GetBytes("""{"resourceType":"Observation","id":"lone","status":"final","subject":{"reference":"Patient/p-77"},"note":[{"text":"x\ud83d"}]}""")),
            ("type.json", Encoding.UTF8.GetBytes("""{"resourceType":"\udc00","id":"t"}""")),
            ("bytes.json", [.. Encoding.UTF8.GetBytes("""{"resourceType":"Observation","id":"b","status":"fin"""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}")]),
            ("lines.ndjson", [.. Encoding.UTF8.GetBytes(Observation("obs-line", "Patient/p-77", 119) + "\n"), .. Encoding.UTF8.GetBytes("""{"resourceType":"Observation","id":"nul","status":"final\u0000"}""" + "\n"), 0xFF, 0xFE, (byte)'\n']),
        };
        var paths = new List<string>();
        foreach (var (name, bytes) in files)
        {
            paths.Add(Path.Combine(Server.Directory, name));
            await File.WriteAllBytesAsync(paths[^1], bytes);
        }

        var report = await ImportAsync(paths, new ImportOptions());

        Assert.Equal(5, report.Files);
        Assert.Equal(1, report.Records["Patient"]);
        Assert.Equal(2, report.Records["Observation"]);
        Assert.Equal(8, report.Refused["request.malformed"]);
        Assert.Equal(8, report.RefusedTotal);
        var tenant = Server.TenantContext;
        var id = Assert.Single(await Server.Host.Store.FindSubjectsAsync(CordonServer.Tenant, "external-id", tenant.Indexer.Compute("external-id", "p-77"), default));
        Assert.Equal(3, (await Server.Host.Store.ListRecordsAsync(CordonServer.Tenant, id, null, default)).Count);
        var chain = await AuditVerification.VerifyAsync(tenant, Server.Host.Store, witness: null, CancellationToken.None);
        Assert.True(chain.Valid, chain.Reason);
    }

    [Fact]
    public async Task The_purpose_decides_so_a_consent_purpose_refuses_records_of_subjects_without_consent()
    {
        var file = Path.Combine(Server.Directory, "consent.ndjson");
        await File.WriteAllLinesAsync(file,
        [
            Line(new { resourceType = "Patient", id = "p-88", birthDate = "1990-01-01" }),
            Observation("obs-1", "Patient/p-88", 121),
        ]);

        var report = await ImportAsync([file], new ImportOptions { Purpose = "test-results" });

        Assert.Equal(1, report.SubjectsCreated);
        Assert.Equal(1, report.Refused["consent.missing"]);
        Assert.Equal(1, report.Refused["minimization.type-not-allowed"]);
        Assert.Equal(0, report.RecordsStored);
    }

    [Fact]
    public async Task A_refused_Patient_is_reported_with_the_element_the_reason_and_what_would_help_never_its_values()
    {
        var bundle = Path.Combine(Server.Directory, "refused.json");
        await File.WriteAllTextAsync(bundle, $$$"""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"urn:uuid:p-40","resource":{"resourceType":"Patient","id":"p-40","birthDate":"1970-05-06","name":[{"text":"MARKER-NAME"}],"telecom":[{"system":"phone","value":"555-010-4477"}]}},
              {"fullUrl":"urn:uuid:p-41","resource":{"resourceType":"Patient","id":"p-41","birthDate":"1971-05-06","gender":"M"}},
              {"fullUrl":"urn:uuid:p-42","resource":{"resourceType":"Patient","id":"p-42","name":[{"text":"MARKER-NONAME"}]}},
              {"resource":{{{Observation("obs-42", "urn:uuid:p-42", 120)}}} }
            ]}
            """);

        var report = await ImportAsync([bundle], new ImportOptions());

        var phone = Assert.Single(report.FirstRefusals, r => r.Where == "file 1, entry 1");
        Assert.Equal(("Patient", "validation.failed"), (phone.Type, phone.Code));
        Assert.Equal("telecom.value", Assert.Single(phone.Issues).Path);
        Assert.Contains("mobile", phone.Issues[0].Reason, StringComparison.Ordinal);
        Assert.Contains("--on-invalid drop-field", phone.Hint, StringComparison.Ordinal);

        var gender = Assert.Single(report.FirstRefusals, r => r.Where == "file 1, entry 2");
        Assert.Equal("fhir.invalid", gender.Code);
        Assert.Contains(gender.Issues, i => i.Path == "gender" && i.Reason.Contains("male", StringComparison.Ordinal));

        var birth = Assert.Single(report.FirstRefusals, r => r.Where == "file 1, entry 3");
        Assert.Equal(("import.patient-birth-date", "birthDate"), (birth.Code, Assert.Single(birth.Issues).Path));
        var observation = Assert.Single(report.FirstRefusals, r => r.Where == "file 1, entry 4");
        Assert.Equal("import.patient-birth-date", observation.Code);
        Assert.Contains("Patient it belongs to was refused", Assert.Single(observation.Issues).Reason, StringComparison.Ordinal);

        // Every refusal is counted under its element and reason, not only the listed ones.
        Assert.Equal(1, Assert.Single(report.RefusedElements, e => e.Key.StartsWith("Patient.telecom.value: ", StringComparison.Ordinal) && e.Key.EndsWith("(validation.failed)", StringComparison.Ordinal)).Value);
        Assert.Equal(4, report.RefusedElements.Values.Sum());
        var everything = string.Join('\n', report.FirstRefusals.SelectMany(r => r.Issues.Select(i => $"{i.Path} {i.Reason} {r.Hint}")).Concat(report.RefusedElements.Keys));
        foreach (var value in new[] { "MARKER-NAME", "MARKER-NONAME", "555-010-4477", "p-40", "p-41", "p-42", "1970-05-06", "\"M\"" })
        {
            Assert.DoesNotContain(value, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_Synthea_bundles_store_the_medical_record_types_a_patient_record_needs()
    {
        var report = await ImportAsync(SyntheaFiles(), new ImportOptions { OnInvalid = InvalidValueHandling.DropField });

        Assert.Equal(2, report.Records["AllergyIntolerance"]);
        Assert.Equal(135, report.Records["Immunization"]);
        Assert.Equal(365, report.Records["Procedure"]);
        Assert.Equal(7, report.Records["ImagingStudy"]);
        Assert.Equal(43, report.Records["CarePlan"]);
        Assert.Equal(23, report.Records["Goal"]);
        Assert.Equal(43, report.Records["CareTeam"]);
        Assert.Equal(481, report.Records["DocumentReference"]);
        Assert.Equal(4004, report.RecordsStored);
        Assert.Empty(report.Refused);

        // Left out on purpose: US payer billing, directory data that is not about the patient, and the bundles' provenance.
        Assert.Equal(["Claim", "ExplanationOfBenefit", "Location", "Organization", "PractitionerRole", "Provenance"], report.Skipped.Keys);
        Assert.Equal(1275, report.Skipped.Values.Sum());
    }

    private async Task<ImportReport> ImportAsync(IReadOnlyList<string> files, ImportOptions options)
        => await FhirImport.RunAsync(Server.TenantContext, Server.Host.Store, files, options, Server.Time, null, CancellationToken.None);

    internal static List<string> SyntheaFiles()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var folder = Path.Combine(dir.FullName, "data", "synthea-r4");
            if (Directory.Exists(folder))
            {
                return [.. Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal)];
            }
        }

        Assert.Fail("The Synthea bundles (data/synthea-r4 in the repository) were not found above the test binaries.");
        return [];
    }

    /// <summary>What the bundles hold, counted independently of the importer.</summary>
    private Expectation Expected(List<string> files)
    {
        var result = new Expectation();
        foreach (var file in files)
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            var entries = document.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();
            var patients = entries.Where(r => r.GetProperty("resourceType").GetString() == "Patient").ToList();
            var sources = new List<byte[]>();
            foreach (var resource in entries)
            {
                result.Resources++;
                var type = resource.GetProperty("resourceType").GetString()!;
                if (!Server.TenantContext.Catalog.TryGetType(type, out _))
                {
                    Count(result.Skipped, type);
                }
                else if (type == "Patient" || resource.TryGetProperty("subject", out _) || resource.TryGetProperty("patient", out _) || patients.Count == 1)
                {
                    Count(result.Stored, type);
                    sources.Add(Encoding.UTF8.GetBytes(resource.GetRawText()));
                }
                else
                {
                    Count(result.Unlinked, type);
                }
            }

            if (patients.Count == 1)
            {
                result.Patients[patients[0].GetProperty("id").GetString()!] = sources;
            }
        }

        return result;
    }

    private static void Count(SortedDictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    internal static string Observation(string id, string patient, int systolic) => Line(new
    {
        resourceType = "Observation",
        id,
        status = "final",
        code = new { coding = new[] { new { system = "http://loinc.org", code = "8480-6", display = "Systolic blood pressure" } } },
        subject = new { reference = patient },
        valueQuantity = new { value = systolic, unit = "mmHg", system = "http://unitsofmeasure.org", code = "mm[Hg]" },
    });

    internal static string Line(object resource) => JsonSerializer.Serialize(resource);

    private sealed class Expectation
    {
        public long Resources { get; set; }

        public SortedDictionary<string, long> Stored { get; } = new(StringComparer.Ordinal);

        public SortedDictionary<string, long> Skipped { get; } = new(StringComparer.Ordinal);

        public SortedDictionary<string, long> Unlinked { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<byte[]>> Patients { get; } = [];
    }
}
