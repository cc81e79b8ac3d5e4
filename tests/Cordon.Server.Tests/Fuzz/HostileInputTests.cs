using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Server.Audit;
using Cordon.Server.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cordon.Server.Tests.Fuzz;

/// <summary>
/// Our own fuzz suite, from public corpora kept in <c>data/fuzz</c> with their licences: JSONTestSuite's parsing cases
/// (every one of them as the body of every endpoint that reads one) and the big list of naughty strings (in every string
/// of a valid body, in every query parameter and in every path segment of every route). Each test asserts that no
/// request is answered 5xx or without a problem code, that the process stays up, that a batch refused whole stored
/// nothing, that everything stored reads and exports back as valid JSON, and that the chain verifies at the end.
/// </summary>
public abstract class HostileInputTests : ServerTest
{
    private const int Parallel = 8;

    private static readonly string DataRoot = FindData();

    private static readonly Lazy<IReadOnlyList<(string Name, byte[] Bytes)>> JsonCases = new(() =>
        [.. Directory.GetFiles(Path.Combine(DataRoot, "jsontestsuite", "test_parsing"), "*.json").Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f)))]);

    /// <summary>The naughty strings as bytes: most are UTF-8 text, 66 are not (and must be refused as such).</summary>
    private static readonly Lazy<IReadOnlyList<byte[]>> Naughty = new(() =>
        [.. JsonSerializer.Deserialize<string[]>(File.ReadAllBytes(Path.Combine(DataRoot, "naughty-strings", "blns.base64.json")))!.Select(Convert.FromBase64String)]);

    private readonly ConcurrentQueue<string> _failures = new();
    private int _sent;
    private int _stored;
    private Fixture? _fixture;

    protected override Task<CordonServer> StartServerAsync() => CordonServer.StartAsync(Postgres, maxBodyBytes: 1024 * 1024);

    [Fact]
    public async Task Every_JSONTestSuite_case_is_answered_by_every_endpoint_that_reads_a_body()
    {
        var fixture = await FixtureAsync();
        Assert.Equal(318, JsonCases.Value.Count);
        foreach (var target in Targets().Where(t => t.Body is not null))
        {
            await BatchAsync($"{target.Method} {target.Template} × JSONTestSuite", JsonCases.Value.Select(c => Request(target, fixture, Fill(target.Template, fixture, null), c.Bytes, c.Name)));
        }

        await AssertAllReadableAsync();
    }

    [Fact]
    public async Task Naughty_strings_in_every_string_of_a_valid_body_are_answered()
    {
        var fixture = await FixtureAsync();
        Assert.Equal(676, Naughty.Value.Count);
        foreach (var target in Targets().Where(t => t.Body is not null))
        {
            var template = Template(target, fixture);
            await BatchAsync($"{target.Method} {target.Template} × naughty bodies", Naughty.Value.Select((naughty, i) => Request(target, fixture, Fill(target.Template, fixture, null), Substitute(template, naughty, i), $"naughty #{i}")));
        }

        await AssertAllReadableAsync();
    }

    [Fact]
    public async Task Naughty_strings_in_every_query_parameter_are_answered()
    {
        var fixture = await FixtureAsync();
        var (_, openApi) = await Server.SendAsync(HttpMethod.Get, "/openapi/v1.json", null);
        foreach (var target in Targets())
        {
            var parameters = QueryParameters(openApi!, target);
            if (parameters.Count == 0)
            {
                continue;
            }

            var path = Fill(target.Template, fixture, null);
            await BatchAsync($"{target.Method} {target.Template} × naughty query", Naughty.Value.Select((naughty, i) =>
            {
                var escaped = Escape(naughty);
                var query = string.Join('&', parameters.Select(p => $"{p}={escaped}"));
                return Request(target, fixture, $"{path}?{query}", target.Body is null ? null : Template(target, fixture), $"naughty #{i}");
            }));
        }

        await AssertAllReadableAsync();
    }

    [Fact]
    public async Task Naughty_strings_in_every_path_segment_are_answered()
    {
        var fixture = await FixtureAsync();
        foreach (var target in Targets().Where(t => t.Template.Contains('{', StringComparison.Ordinal)))
        {
            await BatchAsync($"{target.Method} {target.Template} × naughty path", Naughty.Value.Select((naughty, i) =>
                Request(target, fixture, Fill(target.Template, fixture, Escape(naughty)), target.Body is null ? null : Template(target, fixture), $"naughty #{i}")));
        }

        await AssertAllReadableAsync();
    }

    /// <summary>Every route of the server with what calling it takes: its roles, whether it reads a body and of what media type.</summary>
    private List<Target> Targets()
    {
        var targets = new List<Target>();
        foreach (var endpoint in Server.Host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var template = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>();
            foreach (var method in methods)
            {
                targets.Add(new Target(method, template, endpoint.Metadata.GetMetadata<AllowedRoles>()?.Roles, accepts?.ContentTypes.FirstOrDefault()));
            }
        }

        Assert.True(targets.Count > 40, $"only {targets.Count} routes found");
        return [.. targets.OrderBy(t => t.Template, StringComparer.Ordinal).ThenBy(t => t.Method, StringComparer.Ordinal)];
    }

    private async Task<Fixture> FixtureAsync()
    {
        if (_fixture is not null)
        {
            return _fixture;
        }

        var subject = await Server.CreateSubjectAsync();
        foreach (var purpose in new[] { "consultation", "appointment", "marketing.push", "marketing.personalization" })
        {
            await Server.GrantAsync(subject, purpose);
        }

        await Server.AddCareTeamAsync(subject, "dr-fuzz", "physician");
        var record = await Server.WriteAsync(subject, "consultation", Communication("头痛两天"));
        var patient = Server.Token(Role.Patient, "patient-fuzz", subject);
        var (_, rights) = await Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", patient, json: new { subjectId = subject, kind = "copy" });
        var (_, hold) = await Server.SendAsync(HttpMethod.Post, "/v1/legal-holds", Server.Dpo, json: new { subjectId = subject, reason = "诉讼保全" });
        var marketer = Server.Token(Role.Marketing, "mkt-fuzz");
        var (_, campaign) = await Server.SendAsync(HttpMethod.Post, "/v1/campaigns", marketer, json: new { name = "讲座", channel = "push", sender = new { name = "示例互联网医院", contact = "400-000-0000" }, content = new { personalised = "您好，健康讲座本周六举行。退订回T", plain = "健康讲座本周六举行。退订回T" } });
        var (_, tag) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/tags", Server.App, "marketing.personalization", new { text = "关注睡眠" });
        _fixture = new Fixture(subject, record, rights?["id"]?.GetValue<string>() ?? "rr_none", hold?["id"]?.GetValue<string>() ?? "lh_none", campaign?["id"]?.GetValue<string>() ?? "cmp_none", tag?["id"]?.GetValue<string>() ?? "tag_none", patient);
        return _fixture;
    }

    /// <summary>The route with its parameters filled: the fixture's own ids, or <paramref name="value"/> in every one.</summary>
    private static string Fill(string template, Fixture f, string? value)
    {
        var segments = template.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            if (!s.StartsWith('{'))
            {
                continue;
            }

            segments[i] = value ?? (s, template) switch
            {
                ("{tagId}", _) => f.Tag,
                ("{year:int}", _) => "2026",
                ("{file?}", _) => "index.html",
                ("{token}", _) => "not-a-link",
                (_, var t) when t.StartsWith("/v1/subjects", StringComparison.Ordinal) => f.Subject,
                (_, var t) when t.StartsWith("/v1/records", StringComparison.Ordinal) => f.Record,
                (_, var t) when t.StartsWith("/v1/rights-requests", StringComparison.Ordinal) => f.Rights,
                (_, var t) when t.StartsWith("/v1/legal-holds", StringComparison.Ordinal) => f.Hold,
                (_, var t) when t.StartsWith("/v1/campaigns", StringComparison.Ordinal) => f.Campaign,
                _ => "x",
            };
        }

        return string.Join('/', segments);
    }

    /// <summary>A valid body for the endpoint (where the suite knows one), in which every string is then replaced.</summary>
    private byte[] Template(Target target, Fixture f)
    {
        object body = (target.Method, target.Template) switch
        {
            ("POST", "/v1/subjects") => new { externalId = "fuzz-ext", birthDate = "1990-01-01", displayName = "张三" },
            ("POST", "/v1/subjects/search") => new { kind = "cn-mobile", value = "13800001234" },
            ("POST", "/v1/subjects/{id}/consents") => new { purpose = "consultation", action = "grant", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" },
            ("POST", "/v1/subjects/{id}/care-team") => new { actor = "dr-zhou", role = "physician", until = "2030-01-01T00:00:00Z" },
            ("POST", "/v1/subjects/{id}/records") or ("PUT", "/v1/records/{id}") => Communication("发热三天，咳嗽"),
            ("PUT", "/v1/subjects/{id}/state") => new { state = "restricted", reason = "患者要求" },
            ("POST", "/v1/subjects/{id}/tags") => new { text = "关注血压", source = "app" },
            ("POST", "/v1/decisions") => new { actor = new { role = "nurse", id = "n-1" }, purpose = "consultation", subjectId = f.Subject, recordType = "Condition" },
            ("POST", "/v1/rights-requests") => new { subjectId = f.Subject, kind = "access", reason = "想看看" },
            ("POST", "/v1/rights-requests/{id}/resolve") => new { outcome = "refused", note = "不符合", rule = "R21" },
            ("POST", "/v1/legal-holds") => new { subjectId = f.Subject, reason = "诉讼" },
            ("POST", "/v1/campaigns") => new { name = "讲座", channel = "push", sender = new { name = "示例互联网医院", contact = "400-000-0000" }, content = new { personalised = "讲座。退订回T", plain = "讲座。退订回T" } },
            ("PUT", "/v1/campaigns/ad-terms") => new { term = "根治", category = "efficacy" },
            ("PUT", "/v1/calendar/{year:int}") => new { days = new[] { new { date = "2026-10-01", working = false } } },
            ("POST", "/v1/token-revocations") => new { actor = "someone", reason = "test" },
            _ => new { note = "text" },
        };
        return JsonSerializer.SerializeToUtf8Bytes(body);
    }

    /// <summary>The body with every string value replaced by <paramref name="naughty"/> (raw bytes when they are not UTF-8).</summary>
    private static byte[] Substitute(byte[] template, byte[] naughty, int n)
    {
        var node = JsonNode.Parse(template)!;
        const string Marker = "\u0001NAUGHTY\u0001";
        Replace(node, Marker);
        var text = node.ToJsonString();
        var marker = JsonSerializer.Serialize(Marker);
        string inner;
        try
        {
            inner = JsonSerializer.Serialize(new UTF8Encoding(false, true).GetString(naughty));
        }
        catch (DecoderFallbackException)
        {
            // Not UTF-8: the bytes go in raw, between quotes (what a careless client sends); the server must refuse them.
            var raw = new List<byte> { (byte)'"' };
            foreach (var b in naughty)
            {
                if (b is (byte)'"' or (byte)'\\')
                {
                    raw.Add((byte)'\\');
                }

                raw.Add(b < 0x20 ? (byte)' ' : b);
            }

            raw.Add((byte)'"');
            var parts = text.Split(marker);
            var bytes = new List<byte>();
            for (var i = 0; i < parts.Length; i++)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(parts[i]));
                if (i < parts.Length - 1)
                {
                    bytes.AddRange(raw);
                }
            }

            return [.. bytes];
        }

        // Keep one field per body valid now and then, so that naughty values get stored too, not only refused.
        return Encoding.UTF8.GetBytes(n % 2 == 0 ? text.Replace(marker, inner, StringComparison.Ordinal) : ReplaceFirst(text, marker, inner).Replace(marker, "\"ok\"", StringComparison.Ordinal));
    }

    private static string ReplaceFirst(string text, string what, string with)
    {
        var at = text.IndexOf(what, StringComparison.Ordinal);
        return at < 0 ? text : string.Concat(text.AsSpan(0, at), with, text.AsSpan(at + what.Length));
    }

    private static void Replace(JsonNode node, string value)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    if (child is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        obj[key] = value;
                    }
                    else if (child is not null)
                    {
                        Replace(child, value);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        array[i] = value;
                    }
                    else if (array[i] is { } child)
                    {
                        Replace(child, value);
                    }
                }

                break;
        }
    }

    private static List<string> QueryParameters(JsonNode openApi, Target target)
    {
        var pathKey = System.Text.RegularExpressions.Regex.Replace(target.Template, @"\{(\w+)(:\w+|\?)?\}", "{$1}");
        if (openApi["paths"]?[pathKey]?[target.Method.ToLowerInvariant()]?["parameters"] is not JsonArray parameters)
        {
            return [];
        }

        return [.. parameters.Where(p => p!["in"]?.GetValue<string>() == "query").Select(p => p!["name"]!.GetValue<string>())];
    }

    private static string Escape(byte[] value) => string.Concat(value.Select(b => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~' ? ((char)b).ToString() : $"%{b:X2}"));

    private HttpRequestMessage Request(Target target, Fixture f, string path, byte[]? body, string what)
    {
        var request = new HttpRequestMessage(new HttpMethod(target.Method), path);
        request.Options.Set(new HttpRequestOptionsKey<string>("what"), what);
        if (TokenFor(target, f) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        request.Headers.Add(Call.PurposeHeader, target.Template.Contains("tags", StringComparison.Ordinal) ? "marketing.personalization" : "consultation");
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(target.Body ?? "application/json");
        }

        return request;
    }

    private string? TokenFor(Target target, Fixture f)
    {
        if (target.Roles is not { Count: > 0 } roles)
        {
            return Server.Admin;
        }

        foreach (var role in new[] { Role.App, Role.Admin, Role.Dpo, Role.Security, Role.Marketing })
        {
            if (roles.Contains(role))
            {
                return Server.Token(role, $"fuzz-{role.ToKey()}");
            }
        }

        return roles.Contains(Role.Patient) ? f.Patient : Server.Token(roles.First(), "fuzz-" + roles.First().ToKey());
    }

    /// <summary>Sends a batch (at most <see cref="Parallel"/> at a time); records every 5xx or problem without a code; a batch refused whole must store nothing.</summary>
    private async Task BatchAsync(string name, IEnumerable<HttpRequestMessage> requests)
    {
        var before = await RowsAsync();
        var accepted = 0;
        using var gate = new SemaphoreSlim(Parallel);
        var tasks = requests.Select(async request =>
        {
            await gate.WaitAsync();
            try
            {
                request.Options.TryGetValue(new HttpRequestOptionsKey<string>("what"), out var what);
                using var response = await Server.Http.SendAsync(request);
                Interlocked.Increment(ref _sent);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                if (status >= 500)
                {
                    _failures.Enqueue($"{name}: {what} → {status} {text[..Math.Min(text.Length, 200)]}");
                }
                else if (status >= 400 && response.Content.Headers.ContentType?.MediaType == "application/problem+json" && JsonNode.Parse(text)?["code"] is null)
                {
                    _failures.Enqueue($"{name}: {what} → {status} without a problem code");
                }
                else if (status < 300)
                {
                    Interlocked.Increment(ref accepted);
                    Interlocked.Increment(ref _stored);
                }
            }
            finally
            {
                request.Dispose();
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks);

        var (health, _) = await Server.SendAsync(HttpMethod.Get, "/healthz", null);
        Assert.True(health.StatusCode == HttpStatusCode.OK, $"the server stopped answering after {name}");
        Assert.True(_failures.IsEmpty, string.Join(Environment.NewLine, _failures.Take(20)));
        if (accepted == 0)
        {
            Assert.True(before == await RowsAsync(), $"{name}: every request was refused, yet rows were stored");
        }
    }

    /// <summary>All rows of the tenant's data (not the audit): a refused request must leave this unchanged.</summary>
    private async Task<long> RowsAsync()
    {
        var tables = new[] { "subjects", "lookups", "consent_events", "care_team", "records", "record_versions", "rights_requests", "legal_holds", "calendar_days", "campaigns", "outbox", "subject_tags", "ad_terms", "tenant_profiles", "token_revocations" };
        return await Server.ScalarAsync("SELECT " + string.Join(" + ", tables.Select(t => $"(SELECT COUNT(*) FROM {t})")));
    }

    /// <summary>Whatever the batches stored reads back and exports as valid JSON, and the chain verifies.</summary>
    private async Task AssertAllReadableAsync()
    {
        // The corpora went everywhere: thousands of requests, and some of the hostile-but-valid values were accepted.
        Assert.True(_sent > 3000, $"only {_sent} requests were sent");
        TestContext.Current.SendDiagnosticMessage($"{GetType().Name}: {_sent} hostile requests, {_stored} accepted");
        var subjects = await Server.QueryStringsAsync("SELECT id FROM subjects WHERE state = 0");
        Assert.NotEmpty(subjects);
        foreach (var subject in subjects)
        {
            var (read, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}", Server.App);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            foreach (var purpose in new[] { "consultation", "appointment" })
            {
                using var list = await Server.Http.SendAsync(Server.Request(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, purpose));
                Assert.True((int)list.StatusCode < 500, $"records of {subject} under {purpose}: {(int)list.StatusCode}");
                if (list.IsSuccessStatusCode)
                {
                    using var _ = JsonDocument.Parse(await list.Content.ReadAsByteArrayAsync());
                }
            }

            var patient = Server.Token(Role.Patient, "fuzz-check", subject);
            var (asked, request) = await Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", patient, json: new { subjectId = subject, kind = "copy" });
            if (asked.IsSuccessStatusCode)
            {
                foreach (var format in new[] { "json", "fhir" })
                {
                    using var export = await Server.Http.SendAsync(Server.Request(HttpMethod.Get, $"/v1/rights-requests/{request!["id"]}/export?format={format}", patient));
                    Assert.Equal(HttpStatusCode.OK, export.StatusCode);
                    using var _ = JsonDocument.Parse(await export.Content.ReadAsByteArrayAsync());
                }
            }
        }

        var verify = await AuditVerification.VerifyAsync(Server.TenantContext, Server.Host.Store, Server.Host.Witness, default);
        Assert.True(verify.Valid, verify.Reason);
    }

    private static object Communication(string text) => new { resourceType = "Communication", status = "completed", payload = new[] { new { contentString = text } } };

    private static string FindData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "fuzz");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("data/fuzz (the fuzz corpora) was not found above the test binaries.");
    }

    private sealed record Target(string Method, string Template, IReadOnlySet<Role>? Roles, string? Body);

    private sealed record Fixture(string Subject, string Record, string Rights, string Hold, string Campaign, string Tag, string Patient);
}

public sealed class SqliteHostileInputTests : HostileInputTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresHostileInputTests : HostileInputTests
{
    protected override bool Postgres => true;
}
