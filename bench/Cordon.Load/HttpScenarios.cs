using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Server.Auth;
using Cordon.Storage.Keys;

namespace Cordon.Load;

/// <summary>
/// The HTTP scenarios against a real <c>cordon serve</c>: the bare <c>/healthz</c> baseline, audited single-record writes
/// (the operator's backend writing an Observation under test-results: catalog, minimisation, consent decision, sealing,
/// record and audit entry in one group-committed transaction) and audited reads (the treating physician reading one
/// record, or a subject's records, under test-results: care team and consent decision, opening, masking, audit entry
/// durable before the answer).
/// </summary>
internal static class HttpScenarios
{
    public const string Tenant = "default";
    private const string Purpose = "test-results";
    private const string Physician = "dr-load";

    public static async Task<List<ScenarioResult>> RunAsync(CordonProcess server, IReadOnlyList<string> scenarios, int subjects, int recordsPerSubject, int connections, TimeSpan warmup, TimeSpan duration, TextWriter log)
    {
        var keys = KeyFile.Open(KeyFile.PathIn(server.DataDirectory)).Find(Tenant) ?? throw new InvalidOperationException("The key file has no default tenant.");
        var now = DateTimeOffset.UtcNow;
        var app = TokenIssuer.Issue(new TokenRequest(Tenant, "load-app", Role.App), keys.TokenKey, now, TimeSpan.FromHours(4));
        var physician = TokenIssuer.Issue(new TokenRequest(Tenant, Physician, Role.Physician), keys.TokenKey, now, TimeSpan.FromHours(4));

        log.WriteLine($"setup: {subjects} subjects with consent and a care team, {recordsPerSubject} records each");
        var (subjectIds, recordIds) = await SetupAsync(server, app, subjects, recordsPerSubject);
        // Writes go to the first half of the subjects, reads to the second half, so the read scenarios see the same
        // records whatever ran before them.
        var writeSubjects = subjectIds.Take(subjectIds.Count / 2).ToList();
        var readSubjects = subjectIds.Skip(subjectIds.Count / 2).ToList();
        var readRecords = recordIds.Skip(recordIds.Count / 2).ToList();
        var host = server.Endpoint.ToString();
        var results = new List<ScenarioResult>();
        ScenarioResult? baseline = null;
        foreach (var scenario in scenarios)
        {
            var (requests, status) = scenario switch
            {
                "healthz" => ((IReadOnlyList<byte[]>)[RawHttp.Request("GET", "/healthz", host, null)], 200),
                "write" => ([.. writeSubjects.Select((s, i) => RawHttp.Request("POST", $"/v1/subjects/{s}/records", host, app, Purpose, Observation(i)))], 201),
                "read" => ([.. readRecords.Select(r => RawHttp.Request("GET", $"/v1/records/{r}", host, physician, Purpose))], 200),
                "refused" => ([.. readRecords.Select(r => RawHttp.Request("GET", $"/v1/records/{r}", host, physician))], 400),
                "list" => ([.. readSubjects.Select(s => RawHttp.Request("GET", $"/v1/subjects/{s}/records?type=Observation", host, physician, Purpose))], 200),
                _ => throw new ArgumentException($"Unknown scenario '{scenario}': healthz, write, read, list or refused."),
            };
            log.WriteLine($"{scenario}: {connections} connections, {warmup.TotalSeconds:0} s warm-up, {duration.TotalSeconds:0} s measured");
            var result = await LoadRun.RunAsync(scenario, server.Endpoint, requests, status, connections, warmup, duration, server.Process);
            if (scenario == "healthz")
            {
                baseline = result;
                result = result with { Baseline = null, Ratio = null };
            }
            else if (baseline is not null)
            {
                result = result with { Baseline = "healthz", Ratio = Math.Round(result.Throughput / baseline.Throughput, 3) };
            }

            result = result with
            {
                Note = scenario switch
                {
                    "write" => "POST /v1/subjects/{id}/records, app role, test-results, one Observation",
                    "read" => "GET /v1/records/{id}, physician in the care team, test-results",
                    "refused" => "GET /v1/records/{id} without X-Purpose: authenticated, refused with purpose.missing, the denial audited",
                    "list" => string.Create(CultureInfo.InvariantCulture, $"GET /v1/subjects/{{id}}/records?type=Observation ({recordsPerSubject} records), physician in the care team, test-results"),
                    _ => "GET /healthz (store ping)",
                },
            };
            results.Add(result);
        }

        return results;
    }

    private static async Task<(List<string> Subjects, List<string> Records)> SetupAsync(CordonProcess server, string app, int subjects, int recordsPerSubject)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app);
        var notice = (await http.GetFromJsonAsync<JsonObject>("/v1/privacy-notice"))!["version"]!.GetValue<string>();
        var subjectIds = new string[subjects];
        var records = new List<string>[subjects];
        await Parallel.ForAsync(0, subjects, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancellationToken) =>
        {
            var birth = new DateOnly(1960 + (i % 40), 1 + (i % 12), 1 + (i % 28));
            var created = await PostAsync(http, "/v1/subjects", new { externalId = $"load-{i:D6}", birthDate = birth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), displayName = "测试患者" }, null, cancellationToken);
            var id = created["id"]!.GetValue<string>();
            subjectIds[i] = id;
            await PostAsync(http, $"/v1/subjects/{id}/consents", new { purpose = Purpose, action = "grant", noticeVersion = notice, channel = "app", grantedBy = "self" }, null, cancellationToken);
            await PostAsync(http, $"/v1/subjects/{id}/care-team", new { actor = Physician, role = "physician", until = DateTimeOffset.UtcNow.AddDays(30).ToString("O", CultureInfo.InvariantCulture) }, null, cancellationToken);
            records[i] = [];
            for (var r = 0; r < recordsPerSubject; r++)
            {
                var written = await PostAsync(http, $"/v1/subjects/{id}/records", JsonNode.Parse(Observation(i + r))!, Purpose, cancellationToken);
                records[i].Add(written["id"]!.GetValue<string>());
            }
        });
        return ([.. subjectIds], [.. records.SelectMany(r => r)]);
    }

    private static async Task<JsonObject> PostAsync(HttpClient http, string path, object body, string? purpose, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType()) };
        if (purpose is not null)
        {
            request.Headers.Add("X-Purpose", purpose);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {text}");
        }

        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>A blood-pressure Observation of a Chinese test patient, about 700 bytes.</summary>
    private static byte[] Observation(int n)
    {
        var systolic = 110 + (n % 50);
        var diastolic = 70 + (n % 30);
        var time = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.FromHours(8)).AddMinutes(n);
        var json = new JsonObject
        {
            ["resourceType"] = "Observation",
            ["status"] = "final",
            ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = "vital-signs" }) }),
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "85354-9", ["display"] = "Blood pressure panel" }), ["text"] = "血压" },
            ["effectiveDateTime"] = time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            ["component"] = new JsonArray(
                new JsonObject { ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "8480-6", ["display"] = "Systolic blood pressure" }) }, ["valueQuantity"] = new JsonObject { ["value"] = systolic, ["unit"] = "mmHg", ["system"] = "http://unitsofmeasure.org", ["code"] = "mm[Hg]" } },
                new JsonObject { ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "8462-4", ["display"] = "Diastolic blood pressure" }) }, ["valueQuantity"] = new JsonObject { ["value"] = diastolic, ["unit"] = "mmHg", ["system"] = "http://unitsofmeasure.org", ["code"] = "mm[Hg]" } }),
            ["note"] = new JsonArray(new JsonObject { ["text"] = "晨起静息状态下测量，左上臂。" }),
        };
        return Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
