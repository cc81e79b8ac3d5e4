using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Cordon.Server.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cordon.Server.Tests.Hosting;

/// <summary>
/// The served OpenAPI document as an integrator's tooling reads it: every operation named, summarised and, when it
/// takes a body, shown with an example body Cordon accepts; and the reference page's Content-Security-Policy.
/// </summary>
public sealed partial class OpenApiDocumentTests : IAsyncLifetime
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
    private CordonServer? _server;

    private CordonServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await CordonServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_operation_has_a_unique_operationId_a_summary_and_an_example_for_each_request_body()
    {
        var operations = await OperationsAsync();
        Assert.True(operations.Count >= 40, $"only {operations.Count} operations in the document");

        var problems = new List<string>();
        foreach (var (method, path, operation) in operations)
        {
            if (string.IsNullOrWhiteSpace(operation["operationId"]?.GetValue<string>()))
            {
                problems.Add($"{method} {path}: no operationId");
            }

            if (string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()))
            {
                problems.Add($"{method} {path}: no summary");
            }

            foreach (var (mediaType, media) in operation["requestBody"]?["content"]?.AsObject() ?? [])
            {
                if (media?["example"] is null || media["example"]!.GetValueKind() == JsonValueKind.Null)
                {
                    problems.Add($"{method} {path}: no example for {mediaType}");
                }
            }
        }

        var duplicates = operations.GroupBy(o => o.Operation["operationId"]?.GetValue<string>()).Where(g => g.Key is not null && g.Count() > 1);
        problems.AddRange(duplicates.Select(g => $"operationId {g.Key} is used by {string.Join(", ", g.Select(o => $"{o.Method} {o.Path}"))}"));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));

        var ids = operations.ToDictionary(o => $"{o.Method} {o.Path}", o => o.Operation["operationId"]!.GetValue<string>());
        Assert.Equal("postSubjectRecords", ids["POST /v1/subjects/{id}/records"]);
        Assert.Equal("getRecord", ids["GET /v1/records/{id}"]);
        Assert.Equal("postRightsRequestResolve", ids["POST /v1/rights-requests/{id}/resolve"]);
        Assert.Equal("unsubscribe", ids["GET /u/{token}"]);
    }

    [Theory]
    [InlineData("POST", "v1/subjects/{id}/records", "postSubjectRecords")]
    [InlineData("GET", "v1/subjects/{id}", "getSubject")]
    [InlineData("DELETE", "v1/subjects/{id}/tags/{tagId}", "deleteSubjectTag")]
    [InlineData("DELETE", "v1/subjects/{id}/tags", "deleteSubjectTags")]
    [InlineData("PUT", "v1/calendar/{year}", "putCalendar")]
    [InlineData("GET", "v1/audit/verify", "getAuditVerify")]
    [InlineData("GET", "healthz", "getHealthz")]
    public void An_operationId_is_the_method_and_the_route_words(string method, string route, string expected)
        => Assert.Equal(expected, OpenApiOperations.OperationId(method, route));

    [Fact]
    public async Task Every_JSON_example_deserializes_with_its_endpoints_strict_contract()
    {
        var accepted = AcceptedTypes();
        var checkedCount = 0;
        var problems = new List<string>();
        foreach (var (method, path, operation) in await OperationsAsync())
        {
            if (operation["requestBody"]?["content"]?["application/json"]?["example"] is not { } example)
            {
                continue;
            }

            var type = accepted[(method, path)];
            if (type == typeof(JsonElement))
            {
                continue; // a FHIR resource: written through the API below
            }

            var typeInfo = CordonApp.FeatureJson.Select(c => c.GetTypeInfo(type)).FirstOrDefault(t => t is not null);
            if (typeInfo is null)
            {
                problems.Add($"{method} {path}: no strict contract for {type.Name}");
                continue;
            }

            var outcome = Deserialize(Encoding.UTF8.GetBytes(example.ToJsonString()), typeInfo);
            if (outcome is not null)
            {
                problems.Add($"{method} {path}: {outcome}");
            }

            checkedCount++;
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(checkedCount >= 14, $"only {checkedCount} examples checked");
    }

    [Fact]
    public async Task The_record_examples_are_valid_R4_that_the_API_stores_and_corrects()
    {
        var operations = (await OperationsAsync()).ToDictionary(o => $"{o.Method} {o.Path}", o => o.Operation);
        var write = operations["POST /v1/subjects/{id}/records"]["requestBody"]!["content"]!;
        var correct = operations["PUT /v1/records/{id}"]["requestBody"]!["content"]!;
        Assert.Equal("Observation", write["application/fhir+json"]!["example"]!["resourceType"]!.GetValue<string>());

        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "test-results");
        var (created, record) = await SendFhirAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", write["application/fhir+json"]!["example"]!);
        Assert.True(created.StatusCode == HttpStatusCode.Created, record?.ToJsonString());
        Assert.Equal("Observation", record!["type"]!.GetValue<string>());

        var (corrected, version) = await SendFhirAsync(HttpMethod.Put, $"/v1/records/{record["id"]!.GetValue<string>()}", correct["application/json"]!["example"]!);
        Assert.True(corrected.StatusCode == HttpStatusCode.OK, version?.ToJsonString());
        Assert.Equal(2, version!["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_subject_and_profile_examples_are_accepted_as_sent()
    {
        var operations = (await OperationsAsync()).ToDictionary(o => $"{o.Method} {o.Path}", o => o.Operation);
        var subject = operations["POST /v1/subjects"]["requestBody"]!["content"]!["application/json"]!["example"]!;
        var (created, body) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects", Server.App, json: subject.ToJsonString());
        Assert.True(created.StatusCode == HttpStatusCode.Created, body?.ToJsonString());

        var yaml = operations["PUT /v1/profile"]["requestBody"]!["content"]!["application/yaml"]!["example"]!.GetValue<string>();
        using var publish = new HttpRequestMessage(HttpMethod.Put, "/v1/profile") { Content = new StringContent(yaml, Encoding.UTF8, "application/yaml") };
        publish.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Server.Admin);
        using var published = await Server.Http.SendAsync(publish);
        Assert.True(published.StatusCode == HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_reference_page_is_served_under_a_policy_that_admits_this_server_only()
    {
        using var page = await Server.Http.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        var directives = policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d.Split(' ').Skip(1).ToArray());

        Assert.Equal(["'none'"], directives["default-src"]);
        Assert.Equal(["'self'"], directives["connect-src"]);
        Assert.Equal(["'self'", "data:"], directives["font-src"]);
        var nonce = Assert.Single(directives["script-src"], s => s.StartsWith("'nonce-", StringComparison.Ordinal))[7..^1];
        Assert.Contains($"nonce=\"{nonce}\"", html, StringComparison.Ordinal);
        Assert.All(directives.Values.SelectMany(v => v), source => Assert.DoesNotContain("http", source, StringComparison.Ordinal));

        using var again = await Server.Http.GetAsync("/docs/");
        Assert.DoesNotContain(nonce, string.Join(";", again.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    private async Task<List<(string Method, string Path, JsonNode Operation)>> OperationsAsync()
    {
        var (response, document) = await Server.SendAsync(HttpMethod.Get, "/openapi/v1.json", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. from path in document!["paths"]!.AsObject()
                from member in path.Value!.AsObject()
                where Methods.Contains(member.Key)
                select (member.Key.ToUpperInvariant(), path.Key, member.Value!)];
    }

    /// <summary>The type each endpoint declares it accepts, by method and the document's path.</summary>
    private Dictionary<(string Method, string Path), Type> AcceptedTypes()
    {
        var endpoints = Server.Host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        var types = new Dictionary<(string, string), Type>();
        foreach (var endpoint in endpoints)
        {
            var type = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var path = "/" + Constraint().Replace(endpoint.RoutePattern.RawText!.Trim('/'), "{$1}");
            foreach (var method in methods)
            {
                if (type is not null)
                {
                    types[(method, path)] = type;
                }
            }
        }

        return types;
    }

    [GeneratedRegex(@"\{([^}:?=]+)[^}]*\}")]
    private static partial Regex Constraint();

    private static string? Deserialize(byte[] body, JsonTypeInfo typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(body, typeInfo) is null ? "the example is null" : null;
        }
        catch (JsonException ex)
        {
            return ex.Message;
        }
    }

    private async Task<(HttpResponseMessage Response, JsonNode? Body)> SendFhirAsync(HttpMethod method, string path, JsonNode resource)
    {
        using var request = Server.Request(method, path, Server.App, "test-results");
        request.Content = new StringContent(resource.ToJsonString(), Encoding.UTF8, "application/fhir+json");
        var response = await Server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}
