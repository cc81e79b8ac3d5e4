using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cordon.Core.Access;
using Cordon.Server.Subjects;

namespace Cordon.Server.Tests;

/// <summary>
/// The mistakes a new integrator makes in the first hour, each answered with a problem whose detail says what to
/// change: the purpose, the type, the role, a parameter, the charset, an id, the tenant. And every problem code the
/// server can answer is documented in docs/api.md.
/// </summary>
public sealed class CommonMistakesTests : ServerTest
{
    private static string Detail(JsonNode? problem) => problem?["detail"]?.GetValue<string>() ?? throw new InvalidOperationException("no problem detail");

    private static string Code(JsonNode? problem) => problem?["code"]?.GetValue<string>() ?? throw new InvalidOperationException("no problem code");

    private static object Observation() => new
    {
        resourceType = "Observation",
        status = "final",
        code = new { coding = new[] { new { system = "http://loinc.org", code = "8480-6" } } },
        valueQuantity = new { value = 132, unit = "mmHg" },
    };

    [Fact]
    public async Task A_misspelt_purpose_is_answered_with_the_nearest_one_and_the_valid_keys()
    {
        var subject = await Server.CreateSubjectAsync();
        var (response, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, "apointment");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("purpose.unknown", Code(problem));
        Assert.Contains("'appointment'", Detail(problem), StringComparison.Ordinal);
        Assert.Contains("consultation", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_record_type_refused_under_a_purpose_names_the_purpose_the_type_and_the_purposes_that_may_collect_it()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", Observation());
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("minimization.type-not-allowed", Code(problem));
        var detail = Detail(problem);
        Assert.Contains("'appointment'", detail, StringComparison.Ordinal);
        Assert.Contains("'Observation'", detail, StringComparison.Ordinal);
        var collectors = Server.TenantContext.Profile.Purposes.Where(p => p.Collect.ContainsKey("Observation")).Select(p => p.Key).ToList();
        Assert.NotEmpty(collectors);
        Assert.All(collectors, key => Assert.Contains(key, detail, StringComparison.Ordinal));
        Assert.Equal(0, await Server.CountRecordsAsync(subject));
    }

    [Fact]
    public async Task A_role_refusal_says_whether_the_purpose_or_the_endpoint_refused_and_lists_the_roles_allowed()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var patient = new { resourceType = "Patient", name = new[] { new { text = "王五" } } };

        // The purpose refuses: the endpoint admits physicians, but a physician does not book appointments.
        var (byPurpose, p1) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.Token(Role.Physician, "dr-li"), "appointment", patient);
        Assert.Equal(HttpStatusCode.Forbidden, byPurpose.StatusCode);
        Assert.Equal("access.role-not-allowed", Code(p1));
        var writers = Server.TenantContext.Profile.Purposes.Single(p => p.Key == "appointment").WriteRoles.Select(r => r.ToKey()).ToList();
        Assert.Contains("purpose 'appointment' refused", Detail(p1), StringComparison.Ordinal);
        Assert.All(writers, role => Assert.Contains(role, Detail(p1), StringComparison.Ordinal));
        Assert.Contains("'physician'", Detail(p1), StringComparison.Ordinal);

        // The endpoint refuses: a physician creates no campaigns, whatever the purpose.
        var (byEndpoint, p2) = await Server.SendAsync(HttpMethod.Post, "/v1/campaigns", Server.Token(Role.Physician, "dr-li"), json: new { name = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, byEndpoint.StatusCode);
        Assert.Equal("access.role-not-allowed", Code(p2));
        Assert.Contains("endpoint refused", Detail(p2), StringComparison.Ordinal);
        Assert.Contains("marketing", Detail(p2), StringComparison.Ordinal);
        Assert.Contains("'physician'", Detail(p2), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_parameter_of_the_wrong_type_names_the_parameter_and_what_it_takes_without_echoing_it()
    {
        var (response, problem) = await Server.SendAsync(HttpMethod.Get, "/v1/campaigns?limit=abc-13800138000", Server.Admin);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("request.invalid-parameter", Code(problem));
        Assert.Contains("'limit'", Detail(problem), StringComparison.Ordinal);
        Assert.Contains("whole number", Detail(problem), StringComparison.Ordinal);
        Assert.DoesNotContain("13800138000", problem!.ToJsonString(), StringComparison.Ordinal);
        Assert.NotNull(problem["errors"]!["limit"]);
    }

    [Fact]
    public async Task JSON_in_another_charset_is_told_to_send_utf_8()
    {
        using var request = Server.Request(HttpMethod.Post, "/v1/subjects", Server.App);
        request.Content = new ByteArrayContent(Encoding.Latin1.GetBytes("""{"externalId":"user-1","birthDate":"1990-01-01"}"""));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=iso-8859-1");
        using var response = await Server.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("request.unsupported-charset", Code(problem));
        Assert.Contains("charset=utf-8", Detail(problem), StringComparison.Ordinal);
        Assert.Contains("iso-8859-1", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_external_id_where_a_subject_id_belongs_points_to_the_search_and_a_404_names_the_tenant()
    {
        var (wrongKind, p1) = await Server.SendAsync(HttpMethod.Get, "/v1/subjects/110105198705121234/records", Server.App, "appointment");
        Assert.Equal(HttpStatusCode.NotFound, wrongKind.StatusCode);
        Assert.Contains("POST /v1/subjects/search", Detail(p1), StringComparison.Ordinal);
        Assert.Contains($"tenant '{CordonServer.Tenant}'", Detail(p1), StringComparison.Ordinal);
        Assert.DoesNotContain("110105198705121234", p1!.ToJsonString(), StringComparison.Ordinal);

        // A well-formed id that is not there is simply not in this tenant: no search hint, the tenant named.
        var (unknown, p2) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{SubjectVault.NewId("sub")}/records", Server.App, "appointment");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains($"tenant '{CordonServer.Tenant}'", Detail(p2), StringComparison.Ordinal);
        Assert.DoesNotContain("/v1/subjects/search", Detail(p2), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_code_the_server_can_answer_is_documented_in_the_API_reference()
    {
        var root = RepoRoot();
        var docs = File.ReadAllText(Path.Combine(root, "docs", "api.md"));
        var codes = new SortedSet<string>(StringComparer.Ordinal);
        var patterns = new[]
        {
            new Regex("""new Problem\(\s*[^,]+,\s*"(?<code>[a-z][a-z0-9.-]+)\x22""", RegexOptions.NonBacktracking),
            new Regex("""new Failure\(\s*FailureKind\.\w+,\s*"(?<code>[a-z][a-z0-9.-]+)\x22""", RegexOptions.NonBacktracking),
            new Regex("""(?:Problem|Failure)\.Conflict\(\s*"(?<code>[a-z][a-z0-9.-]+)\x22""", RegexOptions.NonBacktracking),
            new Regex("""Refusal\.Of\(\s*"(?<code>[a-z][a-z0-9.-]+)\x22""", RegexOptions.NonBacktracking),
        };
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            foreach (var pattern in patterns)
            {
                foreach (Match m in pattern.Matches(text))
                {
                    codes.Add(m.Groups["code"].Value);
                }
            }
        }

        Assert.True(codes.Count > 40, $"only {codes.Count} codes found: the scan is broken");
        Assert.Contains("request.invalid-parameter", codes);
        var missing = codes.Where(c => !docs.Contains("`" + c + "`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "not in docs/api.md: " + string.Join(", ", missing));
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cordon.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
