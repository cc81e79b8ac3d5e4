using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Server.Tenancy;

namespace Cordon.Server.Tests.Consent;

/// <summary>
/// R04 and R09 through the real server, on SQLite and on PostgreSQL: <c>PUT /v1/profile</c> publishes a new profile;
/// a purpose whose method, fields or recipients changed needs renewed consent from the next request and its subjects are
/// listed to be asked again, the other purposes keep their consents; a refused profile changes nothing.
/// </summary>
public abstract class ProfilePublishingTests : ServerTest
{
    protected abstract override bool Postgres { get; }

    private static string DefaultText => BuiltInProfiles.Text(BuiltInProfiles.Default).ReplaceLineEndings("\n");

    /// <summary>Changes how appointment data is collected (its notice method) and nothing else.</summary>
    private static string AppointmentMethodChanged => Replace(DefaultText, "您或监护人在线填写就诊人姓名", "您或监护人在线或电话填写就诊人姓名");

    private async Task<(HttpResponseMessage Response, JsonNode? Body)> PublishAsync(string yaml, string? token = null, string contentType = "application/yaml")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/profile") { Content = new StringContent(yaml, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Server.Admin);
        var response = await Server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<List<string>> RenewalsAsync(string purpose)
    {
        var (response, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/consent-renewals?purpose={purpose}", Server.Dpo);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        return [.. body!["subjects"]!.AsArray().Select(s => s!["subjectId"]!.GetValue<string>())];
    }

    [Fact]
    public async Task A_notice_change_renews_exactly_the_affected_purposes()
    {
        var first = await Server.CreateSubjectAsync();
        var second = await Server.CreateSubjectAsync();
        foreach (var subject in new[] { first, second })
        {
            await Server.GrantAsync(subject, "appointment");
            await Server.GrantAsync(subject, "consultation");
        }

        var oldNotice = Server.NoticeVersion;
        Assert.Empty(await RenewalsAsync("appointment"));

        var (published, body) = await PublishAsync(AppointmentMethodChanged);

        Assert.True(published.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        Assert.True(body!["changed"]!.GetValue<bool>());
        Assert.Equal(oldNotice, body["previousNoticeVersion"]!.GetValue<string>());
        Assert.Equal(Server.NoticeVersion, body["noticeVersion"]!.GetValue<string>());
        Assert.NotEqual(oldNotice, Server.NoticeVersion);
        var change = Assert.Single(body["purposes"]!.AsArray());
        Assert.Equal("appointment", change!["purpose"]!.GetValue<string>());
        Assert.Equal("changed", change["change"]!.GetValue<string>());
        Assert.Equal(2, change["renewals"]!.GetValue<long>());

        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{first}/records", Server.App, "appointment", Booking());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("consent.renewal-required", problem!["code"]!.GetValue<string>());
        Assert.Equal("R04", problem["rule"]!.GetValue<string>());
        await Server.WriteAsync(first, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));

        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), await RenewalsAsync("appointment"));
        Assert.Empty(await RenewalsAsync("consultation"));
        var (prompts, promptBody) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{first}/consent-prompts", Server.App);
        Assert.Equal(HttpStatusCode.OK, prompts.StatusCode);
        var appointment = promptBody!["prompts"]!.AsArray().Single(p => p!["purpose"]!.GetValue<string>() == "appointment")!;
        Assert.Equal("renew", appointment["advice"]!.GetValue<string>());
        Assert.Equal("R04", appointment["rule"]!.GetValue<string>());

        await Server.GrantAsync(first, "appointment");
        Assert.Equal([second], await RenewalsAsync("appointment"));
        await Server.WriteAsync(first, "appointment", Booking());

        var stored = await Server.Host.Store.GetTenantAsync(CordonServer.Tenant, CancellationToken.None);
        Assert.Equal(AppointmentMethodChanged, stored!.ProfileYaml);
    }

    [Fact]
    public async Task Publishing_the_same_profile_again_changes_nothing()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var (response, body) = await PublishAsync(DefaultText);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body!["changed"]!.GetValue<bool>());
        Assert.Empty(body["purposes"]!.AsArray());
        await Server.WriteAsync(subject, "appointment", Booking());
    }

    [Fact]
    public async Task The_renewal_list_pages_in_subject_order()
    {
        var subjects = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var subject = await Server.CreateSubjectAsync();
            await Server.GrantAsync(subject, "appointment");
            subjects.Add(subject);
        }

        await PublishAsync(AppointmentMethodChanged);
        var seen = new List<string>();
        string? after = null;
        do
        {
            var (response, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/consent-renewals?purpose=appointment&limit=2{(after is null ? string.Empty : "&after=" + after)}", Server.App);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            seen.AddRange(body!["subjects"]!.AsArray().Select(s => s!["subjectId"]!.GetValue<string>()));
            after = body["next"]?.GetValue<string>();
        }
        while (after is not null);

        Assert.Equal(subjects.Order(StringComparer.Ordinal), seen);
    }

    public static TheoryData<string, string, string?> RefusedProfiles => new()
    {
        { "schema: cordon/profile@1\noperator: [unclosed\n", "profile.invalid", null },
        // Hostile nesting (100 KB of '[' once overflowed the stack in the duplicate-key walk and killed the server).
        { new string('[', 100_000), "profile.invalid", null },
        { string.Concat(Enumerable.Range(0, 500).Select(i => new string(' ', i * 2) + $"k{i}:\n")), "profile.invalid", null },
        { "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(1, 9).Select(i => $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n")), "profile.invalid", null },
        { RemoveLine(DefaultText, "    withdrawal: "), "profile.invalid", "R09" },
        { Replace(DefaultText, "  marketing.push:\n    name: 健康资讯与活动推送\n    nameEn: Health news and offers\n    description:", "  marketing.push:\n    nameEn: Health news and offers\n    description:"), "profile.invalid", "R09" },
        { Replace(DefaultText, "    necessary: false\n    service: marketing\n    roles: { write: [], read: [app, marketing] }", "    necessary: perhaps\n    service: marketing\n    roles: { write: [], read: [app, marketing] }"), "profile.invalid", null },
    };

    [Theory]
    [MemberData(nameof(RefusedProfiles))]
    public async Task A_refused_profile_is_answered_with_its_errors_and_changes_nothing(string yaml, string code, string? rule)
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var before = await Server.Host.Store.GetTenantAsync(CordonServer.Tenant, CancellationToken.None);
        var notice = Server.NoticeVersion;

        var (response, problem) = await PublishAsync(yaml);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(code, problem!["code"]!.GetValue<string>());
        Assert.Equal(rule, problem["rule"]?.GetValue<string>());
        var errors = problem["errors"]!.AsObject();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Matches(@"^profile\.yaml:\d+:\d+$", e.Key));
        Assert.Equal(notice, Server.NoticeVersion);
        Assert.Equal(before!.ProfileHash, (await Server.Host.Store.GetTenantAsync(CordonServer.Tenant, CancellationToken.None))!.ProfileHash);
        await Server.WriteAsync(subject, "appointment", Booking());
    }

    [Fact]
    public async Task Only_an_admin_publishes_and_only_yaml_is_read()
    {
        var (dpo, _) = await PublishAsync(AppointmentMethodChanged, Server.Dpo);
        Assert.Equal(HttpStatusCode.Forbidden, dpo.StatusCode);
        var (json, problem) = await PublishAsync(AppointmentMethodChanged, contentType: "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal("request.unsupported-media-type", problem!["code"]!.GetValue<string>());
        var (empty, emptyProblem) = await PublishAsync(string.Empty);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("request.malformed", emptyProblem!["code"]!.GetValue<string>());

        var (text, _) = await PublishAsync(AppointmentMethodChanged, contentType: "text/yaml");
        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
    }

    [Fact]
    public async Task The_renewal_list_refuses_unknown_purposes_and_bad_paging()
    {
        var (unknown, problem) = await Server.SendAsync(HttpMethod.Get, "/v1/consent-renewals?purpose=astrology", Server.Dpo);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("purpose.unknown", problem!["code"]!.GetValue<string>());
        var (missing, _) = await Server.SendAsync(HttpMethod.Get, "/v1/consent-renewals", Server.Dpo);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        var (badAfter, _) = await Server.SendAsync(HttpMethod.Get, "/v1/consent-renewals?purpose=appointment&after=x", Server.Dpo);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badAfter.StatusCode);
        var (badLimit, _) = await Server.SendAsync(HttpMethod.Get, "/v1/consent-renewals?purpose=appointment&limit=0", Server.Dpo);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badLimit.StatusCode);
        var (patient, _) = await Server.SendAsync(HttpMethod.Get, "/v1/consent-renewals?purpose=appointment", Server.Token(Role.Patient, "p", await Server.CreateSubjectAsync()));
        Assert.Equal(HttpStatusCode.Forbidden, patient.StatusCode);
    }

    private static string Replace(string text, string original, string replacement)
    {
        var first = text.IndexOf(original, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{original}' is not in the profile");
        Assert.True(text.IndexOf(original, first + 1, StringComparison.Ordinal) < 0, $"'{original}' occurs more than once");
        return string.Concat(text.AsSpan(0, first), replacement, text.AsSpan(first + original.Length));
    }

    private static string RemoveLine(string text, string start)
    {
        var at = text.IndexOf("\n" + start, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no line starts with '{start}'");
        var end = text.IndexOf('\n', at + 1);
        return string.Concat(text.AsSpan(0, at), text.AsSpan(end));
    }

    private static object Booking() => new
    {
        resourceType = "Patient",
        name = new[] { new { text = "张三" } },
        identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = CordonServer.ChineseIdentifiers(3).IdNumber } },
    };
}

public sealed class SqliteProfilePublishingTests : ProfilePublishingTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresProfilePublishingTests : ProfilePublishingTests
{
    protected override bool Postgres => true;
}
