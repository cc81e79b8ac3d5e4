using System.Net;
using Cordon.Core.Access;
using Cordon.Core.Security;
using Cordon.Server.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Cordon.Server.Tests.Security;

/// <summary>The network access log over HTTP (R44), on both engines: every request one entry, route templates only, the security role's query, the chain verified and a tampered segment found.</summary>
public abstract class AccessLogTests : ServerTest
{
    private Task FlushAsync() => Server.Host.App.Services.GetRequiredService<AccessLogWriter>().FlushAsync(default);

    private string SecurityToken => Server.Token(Role.Security, "sec-liu");

    [Fact]
    public async Task Every_request_is_one_entry_with_its_route_template_and_never_an_identifier_or_a_query_value()
    {
        var subject = await Server.CreateSubjectAsync();
        var (unauthenticated, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}", null);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        var (missing, _) = await Server.SendAsync(HttpMethod.Get, "/v1/subjects/sub_nosuchsubject00?secret=13800138000", Server.App);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var (unrouted, _) = await Server.SendAsync(HttpMethod.Get, "/v1/no-such-thing/110105198803140023", Server.App);
        Assert.Equal(HttpStatusCode.NotFound, unrouted.StatusCode);
        await FlushAsync();

        var (response, page) = await Server.SendAsync(HttpMethod.Get, "/v1/access-log?limit=1000", SecurityToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, page?.ToJsonString());
        var entries = page!["entries"]!.AsArray();
        Assert.Contains(entries, e => e!["status"]!.GetValue<int>() == 401 && e["route"]!.GetValue<string>() == "/v1/subjects/{id}" && e["actor"] is null);
        Assert.Contains(entries, e => e!["status"]!.GetValue<int>() == 404 && e["route"]!.GetValue<string>() == "/v1/subjects/{id}" && e["actor"]!.GetValue<string>() == "app-backend" && e["role"]!.GetValue<string>() == "app");
        Assert.Contains(entries, e => e!["status"]!.GetValue<int>() == 201 && e["route"]!.GetValue<string>() == "/v1/subjects" && e["method"]!.GetValue<string>() == "POST" && e["bytes"]!.GetValue<long>() > 0);
        Assert.Contains(entries, e => e!["route"]!.GetValue<string>() == "(unrouted)");
        var text = page.ToJsonString();
        Assert.DoesNotContain(subject, text, StringComparison.Ordinal);
        Assert.DoesNotContain("13800138000", text, StringComparison.Ordinal);
        Assert.DoesNotContain("110105198803140023", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_security_role_reads_the_access_log_and_bad_parameters_name_themselves()
    {
        var (byDpo, _) = await Server.SendAsync(HttpMethod.Get, "/v1/access-log", Server.Dpo);
        Assert.Equal(HttpStatusCode.Forbidden, byDpo.StatusCode);
        var (byAdmin, _) = await Server.SendAsync(HttpMethod.Get, "/v1/access-log/verify", Server.Admin);
        Assert.Equal(HttpStatusCode.Forbidden, byAdmin.StatusCode);
        var (badLimit, problem) = await Server.SendAsync(HttpMethod.Get, "/v1/access-log?limit=5000", SecurityToken);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badLimit.StatusCode);
        Assert.NotNull(problem!["errors"]!["limit"]);
        var (badTime, timeProblem) = await Server.SendAsync(HttpMethod.Get, "/v1/access-log?from=yesterday", SecurityToken);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badTime.StatusCode);
        Assert.NotNull(timeProblem!["errors"]!["from"]);
    }

    [Fact]
    public async Task The_chain_verifies_until_a_segment_is_altered_and_the_export_is_RFC_5424()
    {
        await Server.SendAsync(HttpMethod.Get, "/healthz", null);
        await FlushAsync();
        await Server.SendAsync(HttpMethod.Get, "/v1/me", Server.App);
        await FlushAsync();

        var (_, intact) = await Server.SendAsync(HttpMethod.Get, "/v1/access-log/verify", SecurityToken);
        Assert.True(intact!["intact"]!.GetValue<bool>(), intact.ToJsonString());
        Assert.True(intact["segments"]!.GetValue<long>() >= 2);

        using var export = new HttpRequestMessage(HttpMethod.Get, "/v1/access-log/export");
        export.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SecurityToken);
        var exported = await (await Server.Http.SendAsync(export)).Content.ReadAsStringAsync();
        Assert.Contains(exported.Split('\n'), line => line.StartsWith("<134>1 ", StringComparison.Ordinal) && line.Contains("route=\"/healthz\"", StringComparison.Ordinal));

        // An attacker with the database rewrites a segment: the chain no longer holds from there.
        var forged = AccessLogSegment.Encode([new AccessLogEntry(DateTimeOffset.UtcNow, "10.9.9.9", null, null, null, "GET", "/healthz", 200, 1, 1, null, null)]);
        await Server.ExecuteSqlAsync($"UPDATE access_segments SET body = {Hex(forged)} WHERE seq = (SELECT MIN(seq) FROM access_segments)");
        var (_, broken) = await Server.SendAsync(HttpMethod.Get, "/v1/access-log/verify", SecurityToken);
        Assert.False(broken!["intact"]!.GetValue<bool>(), broken.ToJsonString());
        Assert.NotNull(broken["brokenAt"]);
    }

    private string Hex(byte[] bytes) => Postgres ? $"'\\x{Convert.ToHexString(bytes)}'::bytea" : $"X'{Convert.ToHexString(bytes)}'";
}

public sealed class SqliteAccessLogTests : AccessLogTests;

public sealed class PostgresAccessLogTests : AccessLogTests
{
    protected override bool Postgres => true;
}
