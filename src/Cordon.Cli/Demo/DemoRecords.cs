using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cordon.Cli.Demo;

/// <summary>A record to write for a demo subject: its purpose and FHIR R4 (or declared) JSON.</summary>
/// <summary>A demo record under its purpose; <paramref name="Prescription"/> marks a draft prescription, written with its lifecycle row.</summary>
internal readonly record struct DemoRecord(string Purpose, byte[] Json, bool Prescription = false);

/// <summary>
/// The records of a demo person: what an internet hospital would hold — the real-name Patient for booking, the account,
/// appointments, follow-up consultations (Encounter, Condition, Communication), results and prescriptions.
/// Each record carries only the paths its purpose may collect (minimum necessary).
/// </summary>
internal static class DemoRecords
{
    private const string Icd10 = "http://hl7.org/fhir/sid/icd-10";
    private const string Loinc = "http://loinc.org";
    private const string Atc = "http://www.whocc.no/atc";
    private const string Snomed = "http://snomed.info/sct";
    private const string Hospital = "示例互联网医院";

    private static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static List<DemoRecord> For(DemoPerson person, IReadOnlyList<DemoStaff> staff, DemoPerson? guardian, DateTimeOffset now, Random random)
    {
        var records = new List<DemoRecord>(16);
        var patientRef = $"Patient/{person.ExternalId}";
        records.Add(new("appointment", Json(new JsonObject
        {
            ["resourceType"] = "Patient",
            ["id"] = person.ExternalId,
            ["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:cordon:sid:cn-resident-id", ["use"] = "official", ["value"] = person.ResidentId }),
            ["name"] = new JsonArray(new JsonObject { ["use"] = "official", ["text"] = person.Name, ["family"] = person.Family, ["given"] = new JsonArray(person.Given) }),
        })));

        if (!person.Child)
        {
            var registered = now.AddDays(-random.Next(30, 900));
            records.Add(new("account", Json(new JsonObject
            {
                ["resourceType"] = "Account",
                ["mobile"] = person.Mobile,
                ["nickname"] = person.Family + (person.Male ? "先生" : "女士"),
                ["registeredAt"] = Time(registered),
                ["channel"] = random.Next(3) switch { 0 => "app", 1 => "mini-program", _ => "web" },
                ["status"] = "active",
                ["realNameVerified"] = true,
                ["lastSignInAt"] = Time(now.AddHours(-random.Next(1, 24 * 30))),
            })));
        }

        var physician = person.Physician >= 0 ? staff[person.Physician] : staff[0];
        var department = person.Department ?? physician.Department;
        for (var i = 0; i < person.Appointments; i++)
        {
            var past = i < person.Consultations || random.Next(2) == 0;
            var start = past ? now.AddDays(-random.Next(2, 180)).Date.AddHours(random.Next(8, 17)) : now.AddDays(random.Next(1, 21)).Date.AddHours(random.Next(8, 17));
            var status = past ? (random.Next(8) == 0 ? "cancelled" : "fulfilled") : "booked";
            var appointment = new JsonObject
            {
                ["resourceType"] = "Appointment",
                ["id"] = $"apt-{person.ExternalId}-{i + 1}",
                ["status"] = status,
                ["serviceType"] = new JsonArray(new JsonObject { ["text"] = i < person.Consultations ? "在线复诊" : "门诊挂号" }),
                ["specialty"] = new JsonArray(new JsonObject
                {
                    ["coding"] = new JsonArray(new JsonObject { ["system"] = Snomed, ["code"] = department.Code, ["display"] = department.NameEn }),
                    ["text"] = department.Name,
                }),
                ["start"] = Time(start),
                ["end"] = Time(start.AddMinutes(15)),
                ["minutesDuration"] = 15,
                ["created"] = Time(start.AddDays(-random.Next(1, 7))),
                ["participant"] = new JsonArray(
                    new JsonObject { ["actor"] = new JsonObject { ["reference"] = patientRef, ["display"] = person.Name }, ["required"] = "required", ["status"] = "accepted" },
                    new JsonObject { ["actor"] = new JsonObject { ["reference"] = $"Practitioner/{physician.Actor}", ["display"] = physician.Name }, ["required"] = "required", ["status"] = "accepted" }),
            };
            if (status == "cancelled")
            {
                appointment["cancelationReason"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", ["code"] = "pat", ["display"] = "Patient" }) };
            }

            records.Add(new("appointment", Json(appointment)));
        }

        if (person.Department is null)
        {
            return records;
        }

        var condition = department.Conditions[random.Next(department.Conditions.Count)];
        var onset = now.AddDays(-random.Next(200, 2000));
        var speaker = guardian ?? person;

        // The first visit, in person at the hospital, where the condition was diagnosed: online visits are its follow-ups (R52).
        var clinicRef = $"Encounter/enc-{person.ExternalId}-clinic";
        records.Add(new("consultation", Json(new JsonObject
        {
            ["resourceType"] = "Encounter",
            ["id"] = $"enc-{person.ExternalId}-clinic",
            ["status"] = "finished",
            ["class"] = new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v3-ActCode", ["code"] = "AMB", ["display"] = "ambulatory" },
            ["type"] = new JsonArray(new JsonObject { ["text"] = "门诊首诊" }),
            ["subject"] = new JsonObject { ["reference"] = patientRef, ["display"] = person.Name },
            ["participant"] = new JsonArray(new JsonObject { ["individual"] = new JsonObject { ["reference"] = $"Practitioner/{physician.Actor}", ["display"] = physician.Name } }),
            ["period"] = new JsonObject { ["start"] = Time(onset), ["end"] = Time(onset.AddMinutes(20)) },
            ["reasonCode"] = new JsonArray(Coded(Icd10, condition.Icd, condition.Display)),
            ["serviceProvider"] = new JsonObject { ["display"] = Hospital },
        })));
        for (var c = 0; c < person.Consultations; c++)
        {
            // The prescribed patient's first consultation is today's, still open: its physician prescribes in it (R54).
            var open = c == 0 && person.Prescribed;
            var when = open ? now.AddHours(-1) : now.AddDays(-random.Next(2, 120)).Date.AddHours(random.Next(8, 21)).AddMinutes(random.Next(60));
            var encounterId = $"enc-{person.ExternalId}-{c + 1}";
            var encounterRef = $"Encounter/{encounterId}";
            var reason = new JsonArray(Coded(Icd10, condition.Icd, condition.Display));
            records.Add(new("consultation", Json(new JsonObject
            {
                ["resourceType"] = "Encounter",
                ["id"] = encounterId,
                ["status"] = open ? "in-progress" : "finished",
                ["class"] = new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v3-ActCode", ["code"] = "VR", ["display"] = "virtual" },
                ["type"] = new JsonArray(new JsonObject { ["text"] = "互联网复诊" }),
                ["subject"] = new JsonObject { ["reference"] = patientRef, ["display"] = person.Name },
                ["participant"] = new JsonArray(new JsonObject { ["individual"] = new JsonObject { ["reference"] = $"Practitioner/{physician.Actor}", ["display"] = physician.Name } }),
                ["period"] = open ? new JsonObject { ["start"] = Time(when) } : new JsonObject { ["start"] = Time(when), ["end"] = Time(when.AddMinutes(random.Next(8, 25))) },
                ["reasonCode"] = reason,
                ["serviceProvider"] = new JsonObject { ["display"] = Hospital },
            })));
            if (c == 0)
            {
                records.Add(new("consultation", Json(new JsonObject
                {
                    ["resourceType"] = "Condition",
                    ["id"] = $"cond-{person.ExternalId}",
                    ["clinicalStatus"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/condition-clinical", ["code"] = "active" }) },
                    ["verificationStatus"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/condition-ver-status", ["code"] = "confirmed" }) },
                    ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/condition-category", ["code"] = "encounter-diagnosis" }) }),
                    ["code"] = Coded(Icd10, condition.Icd, condition.Display),
                    ["subject"] = new JsonObject { ["reference"] = patientRef },
                    ["encounter"] = new JsonObject { ["reference"] = clinicRef },
                    ["onsetDateTime"] = Time(onset),
                    ["recordedDate"] = Time(onset.AddMinutes(15)),
                    ["recorder"] = new JsonObject { ["reference"] = $"Practitioner/{physician.Actor}", ["display"] = physician.Name },
                })));
            }

            records.Add(new("consultation", Json(Message(person, speaker, physician, encounterRef, condition, when, fromPatient: true))));
            records.Add(new("consultation", Json(Message(person, speaker, physician, encounterRef, condition, when.AddMinutes(6), fromPatient: false))));

            foreach (var measure in department.Measures)
            {
                if (random.Next(3) == 0 && c > 0)
                {
                    continue;
                }

                var value = Math.Round(measure.Low + (random.NextDouble() * (measure.High - measure.Low)), measure.Decimals);
                records.Add(new("test-results", Json(new JsonObject
                {
                    ["resourceType"] = "Observation",
                    ["status"] = "final",
                    ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = measure.Category }) }),
                    ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = Loinc, ["code"] = measure.Loinc, ["display"] = measure.Display }), ["text"] = measure.Text },
                    ["subject"] = new JsonObject { ["reference"] = patientRef },
                    ["encounter"] = new JsonObject { ["reference"] = encounterRef },
                    ["effectiveDateTime"] = Time(when.AddMinutes(-30)),
                    ["issued"] = Time(when.AddMinutes(-20)),
                    ["valueQuantity"] = new JsonObject { ["value"] = value, ["unit"] = measure.Unit, ["system"] = "http://unitsofmeasure.org", ["code"] = measure.UcumCode },
                })));
            }

            if (c == 0 && !department.Paediatric && random.Next(2) == 0)
            {
                var hb = random.Next(118, 160);
                var wbc = Math.Round(3.8 + (random.NextDouble() * 5.5), 1);
                records.Add(new("test-results", Json(new JsonObject
                {
                    ["resourceType"] = "DiagnosticReport",
                    ["status"] = "final",
                    ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v2-0074", ["code"] = "LAB", ["display"] = "Laboratory" }) }),
                    ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = Loinc, ["code"] = "58410-2", ["display"] = "CBC panel - Blood by Automated count" }), ["text"] = "血常规" },
                    ["subject"] = new JsonObject { ["reference"] = patientRef },
                    ["encounter"] = new JsonObject { ["reference"] = encounterRef },
                    ["effectiveDateTime"] = Time(when.AddHours(-2)),
                    ["issued"] = Time(when.AddHours(-1)),
                    ["performer"] = new JsonArray(new JsonObject { ["display"] = "检验科" }),
                    ["conclusion"] = string.Create(CultureInfo.InvariantCulture, $"血红蛋白 {hb} g/L，白细胞 {wbc} ×10⁹/L，未见明显异常。"),
                })));
            }

            if (person.Prescribed && condition.Atc is not null && c == 0)
            {
                records.Add(new("prescription", Json(new JsonObject
                {
                    ["resourceType"] = "MedicationRequest",
                    ["status"] = "draft",
                    ["intent"] = "order",
                    ["medicationCodeableConcept"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = Atc, ["code"] = condition.Atc }), ["text"] = condition.Drug },
                    ["subject"] = new JsonObject { ["reference"] = patientRef },
                    ["encounter"] = new JsonObject { ["reference"] = encounterRef },
                    ["authoredOn"] = Time(when.AddMinutes(12)),
                    ["requester"] = new JsonObject { ["reference"] = $"Practitioner/{physician.Actor}", ["display"] = physician.Name },
                    ["reasonCode"] = new JsonArray(Coded(Icd10, condition.Icd, condition.Display)),
                    ["dosageInstruction"] = new JsonArray(new JsonObject { ["text"] = condition.Dosage }),
                }), Prescription: true));
            }
        }

        return records;
    }

    /// <summary>The Practitioner record a member of staff is registered with (kept under record-keeping).</summary>
    public static DemoRecord Practitioner(DemoStaff staff) => new("record-keeping", Json(new JsonObject
    {
        ["resourceType"] = "Practitioner",
        ["id"] = staff.Actor,
        ["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:cordon:sid:cn-resident-id", ["value"] = staff.ResidentId }),
        ["active"] = true,
        ["name"] = new JsonArray(new JsonObject { ["use"] = "official", ["text"] = staff.Name, ["family"] = staff.Name[..1], ["given"] = new JsonArray(staff.Name[1..]) }),
        ["telecom"] = new JsonArray(new JsonObject { ["system"] = "email", ["value"] = $"{staff.Actor}@example-hospital.cn", ["use"] = "work" }),
        ["gender"] = staff.Male ? "male" : "female",
        ["birthDate"] = staff.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["qualification"] = new JsonArray(new JsonObject
        {
            ["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:cordon:sid:practising-licence", ["value"] = staff.Licence }),
            ["code"] = new JsonObject { ["text"] = staff.Role switch { Core.Access.Role.Physician => "医师执业证书", Core.Access.Role.Nurse => "护士执业证书", _ => "执业药师注册证" } },
            ["issuer"] = new JsonObject { ["display"] = "国家卫生健康委员会" },
        }),
    }));

    private static JsonObject Message(DemoPerson person, DemoPerson speaker, DemoStaff physician, string encounterRef, DemoCondition condition, DateTimeOffset sent, bool fromPatient)
    {
        var patient = new JsonObject { ["reference"] = $"Patient/{speaker.ExternalId}", ["display"] = speaker.Name };
        var doctor = new JsonObject { ["reference"] = $"Practitioner/{physician.Actor}", ["display"] = physician.Name };
        return new JsonObject
        {
            ["resourceType"] = "Communication",
            ["status"] = "completed",
            ["medium"] = new JsonArray(new JsonObject { ["text"] = "图文问诊" }),
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{person.ExternalId}" },
            ["encounter"] = new JsonObject { ["reference"] = encounterRef },
            ["sent"] = Time(sent),
            ["sender"] = fromPatient ? patient : doctor,
            ["recipient"] = new JsonArray(fromPatient ? doctor : patient),
            ["payload"] = new JsonArray(new JsonObject { ["contentString"] = fromPatient ? condition.Complaint : condition.Reply }),
        };
    }

    private static JsonObject Coded(string system, string code, string display)
        => new() { ["coding"] = new JsonArray(new JsonObject { ["system"] = system, ["code"] = code, ["display"] = display }), ["text"] = display };

    private static string Time(DateTimeOffset time) => time.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static byte[] Json(JsonObject resource) => JsonSerializer.SerializeToUtf8Bytes(resource, Output);
}
