using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cordon.Core.Access;

namespace Cordon.Server.Tests.Records;

/// <summary>
/// Nothing that could not be written back out as valid JSON is stored: invalid UTF-8, lone surrogates and control
/// characters are refused at the door, where they are, and one bad character can never poison a patient's records.
/// </summary>
public abstract class TextIntegrityTests : ServerTest
{
    public static TheoryData<string, string> Hostile => new()
    {
        { "a lone high surrogate at the end of a string", """{"resourceType":"Communication","status":"completed","payload":[{"contentString":"rest and fluids \ud83d"}]}""" },
        { "a lone low surrogate", """{"resourceType":"Communication","status":"completed","payload":[{"contentString":"\udc00 fever"}]}""" },
        { "a lone surrogate in a property name", """{"resourceType":"Communication","status":"completed","\ud83d":"x"}""" },
        { "a lone surrogate in the resource type", """{"resourceType":"Communication\ud83d","status":"completed"}""" },
        { "a NUL character", """{"resourceType":"Communication","status":"completed","payload":[{"contentString":"a\u0000b"}]}""" },
        { "a control character", """{"resourceType":"Communication","status":"completed","payload":[{"contentString":"bell\u0007"}]}""" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_string_that_is_not_text_is_refused_where_it_is_and_nothing_is_stored(string what, string json)
    {
        var subject = await ConsentedSubjectAsync();
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "consultation", json);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, what);
        Assert.Equal("request.malformed", problem!["code"]!.GetValue<string>());
        Assert.Contains("line 1, byte ", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await Server.CountRecordsAsync(subject));
        await AssertReadableAsync(subject);
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_are_refused_with_their_offset()
    {
        var subject = await ConsentedSubjectAsync();
        var prefix = Encoding.UTF8.GetBytes("""{"resourceType":"Communication","status":"completed","payload":[{"contentString":"fever """);
        var body = prefix.Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}]}")).ToArray();
        using var request = Server.Request(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "consultation");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await Server.Http.SendAsync(request);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("request.malformed", problem["code"]!.GetValue<string>());
        Assert.Contains($"byte {prefix.Length + 1}: the bytes are not UTF-8", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await Server.CountRecordsAsync(subject));
    }

    [Fact]
    public async Task Characters_beyond_the_basic_plane_are_stored_and_read_back_exactly()
    {
        var subject = await ConsentedSubjectAsync();
        const string text = "发热 😷 𠀀𪚥 \"quoted\" \\ back";
        var id = await Server.WriteAsync(subject, "consultation", new { resourceType = "Communication", status = "completed", payload = new[] { new { contentString = text } } });

        var (read, record) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{id}", Server.App, "consultation");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(text, record!["resource"]!["payload"]![0]!["contentString"]!.GetValue<string>());
        await AssertReadableAsync(subject);
    }

    [Fact]
    public async Task Subject_and_consent_bodies_are_held_to_the_same_text_rules()
    {
        var (subject, problem) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects", Server.App, json: """{"externalId":"wx-\ud83d","birthDate":"1990-01-01"}""");
        Assert.Equal(HttpStatusCode.BadRequest, subject.StatusCode);
        Assert.Equal("request.malformed", problem!["code"]!.GetValue<string>());

        var id = await Server.CreateSubjectAsync();
        var (consent, refused) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{id}/consents", Server.App, json: $$"""{"purpose":"consultation","action":"grant","noticeVersion":"{{Server.NoticeVersion}}","channel":"app\u0000"}""");
        Assert.Equal(HttpStatusCode.BadRequest, consent.StatusCode);
        Assert.Equal("request.malformed", refused!["code"]!.GetValue<string>());
    }

    private async Task<string> ConsentedSubjectAsync()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        return subject;
    }

    /// <summary>The subject's records list, as the physician, the patient and the app read them, and its export, all answer.</summary>
    private async Task AssertReadableAsync(string subject)
    {
        await Server.AddCareTeamAsync(subject, "dr-text", "physician");
        foreach (var token in new[] { Server.App, await Server.PractitionerTokenAsync(Role.Physician, "dr-text"), Server.Token(Role.Patient, "me", subject) })
        {
            var (list, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", token, "consultation");
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.NotNull(body!["records"]);
        }

        var patient = Server.Token(Role.Patient, "me", subject);
        var (request, created) = await Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", patient, json: new { subjectId = subject, kind = "copy" });
        Assert.True(request.IsSuccessStatusCode, created?.ToJsonString());
        using var export = await Server.Http.SendAsync(Server.Request(HttpMethod.Get, $"/v1/rights-requests/{created!["id"]}/export", patient));
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        using var document = JsonDocument.Parse(await export.Content.ReadAsByteArrayAsync());
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
    }
}

public sealed class SqliteTextIntegrityTests : TextIntegrityTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresTextIntegrityTests : TextIntegrityTests
{
    protected override bool Postgres => true;
}
