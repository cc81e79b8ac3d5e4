using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Server.Auth;
using Cordon.Storage.Keys;

namespace Cordon.Load;

/// <summary>
/// Prescriptions over HTTP against a real <c>cordon serve</c> on SQLite: each one written as a draft in the patient's
/// open consultation, its canonical form read, signed (P-256) and submitted, and approved by the pharmacist — four
/// requests, every precondition checked and audited — against audited writes of one consultation message by the same
/// number of concurrent clients, in the same run. Prescriptions per second and the p99 of the whole lifecycle.
/// </summary>
internal static class CareHttpBench
{
    private const string Physician = "dr-load-rx";
    private const string Pharmacist = "ph-load-rx";

    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(CordonProcess server, int patients, int workers, TextWriter log)
    {
        var keys = KeyFile.Open(KeyFile.PathIn(server.DataDirectory)).Find(HttpScenarios.Tenant) ?? throw new InvalidOperationException("The key file has no default tenant.");
        var now = DateTimeOffset.UtcNow;
        string Token(Role role, string actor) => TokenIssuer.Issue(new TokenRequest(HttpScenarios.Tenant, actor, role), keys.TokenKey, now, TimeSpan.FromHours(4));
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (app, admin, physician, pharmacist) = (Token(Role.App, "load-app"), Token(Role.Admin, "load-admin"), Token(Role.Physician, Physician), Token(Role.Pharmacist, Pharmacist));

        log.WriteLine($"care setup: 2 practitioners, {patients} patients with an in-person diagnosis and an open consultation");
        var today = DateOnly.FromDateTime(now.UtcDateTime.AddHours(8));
        await SendAsync(http, HttpMethod.Post, "/v1/practitioners", admin, null, Practitioner(Physician, "physician", today, Convert.ToBase64String(signing.ExportSubjectPublicKeyInfo())));
        await SendAsync(http, HttpMethod.Post, "/v1/practitioners", admin, null, Practitioner(Pharmacist, "pharmacist", today, null));
        var notice = (await http.GetFromJsonAsync<JsonObject>("/v1/privacy-notice"))!["version"]!.GetValue<string>();
        var subjects = new string[patients];
        await Parallel.ForAsync(0, patients, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var created = await SendAsync(http, HttpMethod.Post, "/v1/subjects", app, null, new JsonObject { ["externalId"] = $"rx-{i:D6}", ["birthDate"] = "1970-05-05" });
            var id = created["id"]!.GetValue<string>();
            subjects[i] = id;
            foreach (var purpose in new[] { "consultation", "prescription" })
            {
                await SendAsync(http, HttpMethod.Post, $"/v1/subjects/{id}/consents", app, null, new JsonObject { ["purpose"] = purpose, ["action"] = "grant", ["noticeVersion"] = notice, ["channel"] = "app", ["grantedBy"] = "self" });
            }

            foreach (var (actor, role) in new[] { (Physician, "physician"), (Pharmacist, "pharmacist") })
            {
                await SendAsync(http, HttpMethod.Post, $"/v1/subjects/{id}/care-team", app, null, new JsonObject { ["actor"] = actor, ["role"] = role, ["until"] = DateTimeOffset.UtcNow.AddDays(30).ToString("O", CultureInfo.InvariantCulture) });
            }

            await SendAsync(http, HttpMethod.Post, $"/v1/subjects/{id}/records", app, "consultation", Encounter("clinic", "AMB", "finished"));
            await SendAsync(http, HttpMethod.Post, $"/v1/subjects/{id}/records", app, "consultation", new JsonObject
            {
                ["resourceType"] = "Condition",
                ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://hl7.org/fhir/sid/icd-10", ["code"] = "E11.9" }) },
                ["encounter"] = new JsonObject { ["reference"] = "Encounter/clinic" },
            });
            await SendAsync(http, HttpMethod.Post, $"/v1/subjects/{id}/records", app, "consultation", Encounter("vr", "VR", "in-progress"));
        });

        log.WriteLine($"care: {workers} clients, audited writes of a consultation message (baseline)");
        var baseline = await TimeAsync(patients, workers, async i => await SendAsync(http, HttpMethod.Post, $"/v1/subjects/{subjects[i]}/records", app, "consultation", Message(i)));
        log.WriteLine($"care: {workers} clients, prescriptions drafted, signed and approved");
        var lifecycle = await TimeAsync(patients, workers, async i =>
        {
            var draft = await SendAsync(http, HttpMethod.Post, $"/v1/subjects/{subjects[i]}/records", physician, "prescription", Prescription(i));
            var id = draft["id"]!.GetValue<string>();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/prescriptions/{id}/canonical");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", physician);
            using var canonical = await http.SendAsync(request);
            var bytes = await canonical.Content.ReadAsByteArrayAsync();
            var signature = Convert.ToBase64String(signing.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            await SendAsync(http, HttpMethod.Post, $"/v1/prescriptions/{id}/signature", physician, null, new JsonObject { ["signature"] = signature });
            var approved = await SendAsync(http, HttpMethod.Post, $"/v1/prescriptions/{id}/review", pharmacist, null, new JsonObject { ["decision"] = "approve" });
            if (approved["state"]!.GetValue<string>() != "active")
            {
                throw new InvalidOperationException("a bench prescription was not approved");
            }
        });
        log.WriteLine($"care: audited write {baseline.Throughput:F0}/s p99 {baseline.P99:F1} ms; prescription {lifecycle.Throughput:F0}/s p99 {lifecycle.P99:F1} ms");
        return
        [
            new ScenarioResult("audited-write", patients, baseline.Seconds, baseline.Throughput, baseline.P50, baseline.P99, 0, null, null, workers, Note: "POST /v1/subjects/{id}/records, one Communication under consultation"),
            new ScenarioResult("prescription-lifecycle", patients, lifecycle.Seconds, lifecycle.Throughput, lifecycle.P50, lifecycle.P99, 0, "audited-write", lifecycle.Throughput / baseline.Throughput, workers, Note: "draft, canonical, signature (P-256), approval: four requests per prescription; ratio of throughput"),
        ];
    }

    private static async Task<(double Seconds, double Throughput, double P50, double P99)> TimeAsync(int count, int workers, Func<int, Task> work)
    {
        var samples = new double[count];
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, async (i, _) =>
        {
            var started = Stopwatch.GetTimestamp();
            await work(i);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        });
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(samples);
        return (seconds, count / seconds, samples[count / 2], samples[(int)(count * 0.99)]);
    }

    private static async Task<JsonObject> SendAsync(HttpClient http, HttpMethod method, string path, string token, string? purpose, JsonObject body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (purpose is not null)
        {
            request.Headers.Add("X-Purpose", purpose);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonNode.Parse(text)!.AsObject() : throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
    }

    private static JsonObject Practitioner(string id, string role, DateOnly today, string? publicKey)
    {
        string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["id"] = id,
            ["role"] = role,
            ["name"] = "压测医师",
            ["realName"] = new JsonObject { ["status"] = "verified", ["method"] = "id-card-and-face", ["verifiedOn"] = Day(today.AddDays(-30)) },
            ["licence"] = role == "physician" ? "110101000000009" : "p-2019-0009",
            ["registration"] = new JsonObject { ["kind"] = "this-institution", ["institution"] = "示例互联网医院", ["registeredOn"] = Day(today.AddYears(-8)) },
            ["independentPracticeSince"] = Day(today.AddYears(-8)),
            ["onlinePracticeConsentedOn"] = Day(today.AddDays(-10)),
        };
        if (publicKey is not null)
        {
            body["publicKey"] = publicKey;
        }

        return body;
    }

    private static JsonObject Encounter(string id, string klass, string status) => new()
    {
        ["resourceType"] = "Encounter",
        ["id"] = id,
        ["status"] = status,
        ["class"] = new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v3-ActCode", ["code"] = klass },
        ["reasonCode"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://hl7.org/fhir/sid/icd-10", ["code"] = "E11.9" }) }),
        ["participant"] = new JsonArray(new JsonObject { ["individual"] = new JsonObject { ["reference"] = $"Practitioner/{Physician}" } }),
    };

    private static JsonObject Message(int i) => new()
    {
        ["resourceType"] = "Communication",
        ["status"] = "completed",
        ["encounter"] = new JsonObject { ["reference"] = "Encounter/vr" },
        ["payload"] = new JsonArray(new JsonObject { ["contentString"] = string.Create(CultureInfo.InvariantCulture, $"空腹血糖 {6 + (i % 30) / 10.0:F1} mmol/L，继续用药吗？") }),
    };

    private static JsonObject Prescription(int i) => new()
    {
        ["resourceType"] = "MedicationRequest",
        ["status"] = "draft",
        ["intent"] = "order",
        ["medicationCodeableConcept"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://www.whocc.no/atc", ["code"] = "A10BA02" }) },
        ["encounter"] = new JsonObject { ["reference"] = "Encounter/vr" },
        ["dosageInstruction"] = new JsonArray(new JsonObject { ["text"] = string.Create(CultureInfo.InvariantCulture, $"每日两次，每次 {500 + (i % 2) * 250} mg") }),
    };
}
