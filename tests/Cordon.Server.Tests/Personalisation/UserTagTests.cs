using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cordon.Core.Access;

namespace Cordon.Server.Tests.Personalisation;

/// <summary>
/// R13 (NDSMR Art. 42, Algorithm Provisions Art. 17): user tags are made only under personalisation consent, sealed,
/// listed to the subject and deletable by the subject; switching personalisation off takes effect for the next request
/// and the next campaign's audience.
/// </summary>
public sealed class UserTagTests : ServerTest
{
    private const string Personalisation = "marketing.personalization";

    private string PatientToken(string subject) => Server.Token(Role.Patient, "patient-" + subject, subject);

    private async Task<string> AddTagAsync(string subject, string text)
    {
        Server.Time.Advance(TimeSpan.FromSeconds(1));
        var (response, body) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/tags", Server.App, json: new { text, source = "appointments" });
        Assert.True(response.StatusCode == HttpStatusCode.Created, body?.ToJsonString());
        Assert.Equal(text, body!["text"]!.GetValue<string>());
        return body["id"]!.GetValue<string>();
    }

    private async Task<JsonNode> TagsAsync(string subject, string? token = null)
    {
        var (response, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/tags", token ?? PatientToken(subject));
        Assert.True(response.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        return body!;
    }

    private static List<string> Texts(JsonNode list) => [.. list["tags"]!.AsArray().Select(t => t!["text"]!.GetValue<string>())];

    [Fact]
    public async Task Tags_need_personalisation_consent_and_are_refused_without_it_storing_nothing()
    {
        var subject = await Server.CreateSubjectAsync();
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/tags", Server.App, json: new { text = "心血管" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("consent.missing", problem!["code"]!.GetValue<string>());
        Assert.Equal("R02", problem["rule"]!.GetValue<string>());
        Assert.Empty(await Server.Host.Store.ListTagsAsync(CordonServer.Tenant, subject, CancellationToken.None));
    }

    [Fact]
    public async Task The_subject_lists_their_tags_decrypted_while_the_store_holds_them_sealed()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, Personalisation);
        await AddTagAsync(subject, "心血管内科");
        await AddTagAsync(subject, "糖尿病科普");

        var list = await TagsAsync(subject);
        Assert.Equal(["心血管内科", "糖尿病科普"], Texts(list));
        Assert.Equal("granted", list["personalization"]!.GetValue<string>());
        Assert.Equal(2, (await TagsAsync(subject, Server.Dpo))["tags"]!.AsArray().Count);

        var stored = await Server.Host.Store.ListTagsAsync(CordonServer.Tenant, subject, CancellationToken.None);
        Assert.Equal(2, stored.Count);
        Assert.All(stored, row => Assert.Equal(-1, row.Sealed.AsSpan().IndexOf(Encoding.UTF8.GetBytes("心血管"))));
    }

    [Fact]
    public async Task Switching_personalisation_off_deletes_the_tags_stops_new_ones_and_drops_the_subject_from_personalised_audiences_at_once()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "marketing.push");
        await Server.GrantAsync(subject, Personalisation);
        await AddTagAsync(subject, "儿科");
        Assert.True((await AudienceAsync()).Single(m => m.SubjectId == subject).Personalised);

        var (off, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", PatientToken(subject), json: new { purpose = Personalisation, action = "withdraw", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.Equal(HttpStatusCode.Created, off.StatusCode);

        Assert.False((await AudienceAsync()).Single(m => m.SubjectId == subject).Personalised);

        // The tags existed only for personalisation: they go with its consent (PIPL Art. 47(3)).
        Assert.Empty(await Server.Host.Store.ListTagsAsync(CordonServer.Tenant, subject, CancellationToken.None));
        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/tags", Server.App, json: new { text = "眼科" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("consent.missing", problem!["code"]!.GetValue<string>());
        Assert.Equal("R08", problem["rule"]!.GetValue<string>());
        Assert.Equal("withdrawn", (await TagsAsync(subject))["personalization"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_subject_deletes_one_tag_or_all_and_the_next_listing_shows_it()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, Personalisation);
        var first = await AddTagAsync(subject, "皮肤科");
        await AddTagAsync(subject, "口腔科");
        await AddTagAsync(subject, "骨科");

        var (one, deleted) = await Server.SendAsync(HttpMethod.Delete, $"/v1/subjects/{subject}/tags/{first}", PatientToken(subject));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(1, deleted!["deleted"]!.GetValue<int>());
        Assert.Equal(["口腔科", "骨科"], Texts(await TagsAsync(subject)));

        var (again, missing) = await Server.SendAsync(HttpMethod.Delete, $"/v1/subjects/{subject}/tags/{first}", PatientToken(subject));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("not-found", missing!["code"]!.GetValue<string>());

        var (all, count) = await Server.SendAsync(HttpMethod.Delete, $"/v1/subjects/{subject}/tags", PatientToken(subject));
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal(2, count!["deleted"]!.GetValue<int>());
        Assert.Empty(await Server.Host.Store.ListTagsAsync(CordonServer.Tenant, subject, CancellationToken.None));
    }

    [Fact]
    public async Task A_guardian_manages_a_childs_tags_and_nobody_else_reaches_them()
    {
        var guardian = await Server.CreateSubjectAsync("1980-01-01");
        var child = await Server.CreateSubjectAsync(DateTime.UtcNow.AddYears(-8).ToString("yyyy-MM-dd"), guardian);
        var guardianToken = Server.Token(Role.Guardian, "parent-1", guardian);

        var (childOwn, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{child}/consents", Server.App, json: new { purpose = Personalisation, action = "grant", noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.Equal(HttpStatusCode.Forbidden, childOwn.StatusCode);
        await Server.GrantAsync(child, Personalisation, "guardian", guardianToken);
        await AddTagAsync(child, "儿童保健");

        var stranger = await Server.CreateSubjectAsync();
        var (foreign, problem) = await Server.SendAsync(HttpMethod.Delete, $"/v1/subjects/{child}/tags", PatientToken(stranger));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal("access.not-the-subject", problem!["code"]!.GetValue<string>());
        var (marketing, _) = await Server.SendAsync(HttpMethod.Delete, $"/v1/subjects/{child}/tags", Server.Token(Role.Marketing, "m1"));
        Assert.Equal(HttpStatusCode.Forbidden, marketing.StatusCode);

        Assert.Equal(["儿童保健"], Texts(await TagsAsync(child, guardianToken)));
        var (deleted, _) = await Server.SendAsync(HttpMethod.Delete, $"/v1/subjects/{child}/tags", guardianToken);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Empty(await Server.Host.Store.ListTagsAsync(CordonServer.Tenant, child, CancellationToken.None));
    }

    [Theory]
    [InlineData("{\"text\":\"\"}", HttpStatusCode.UnprocessableEntity, "validation.failed")]
    [InlineData("{\"text\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", HttpStatusCode.UnprocessableEntity, "validation.failed")]
    [InlineData("{\"text\":\"眼科\",\"source\":\"Has Spaces\"}", HttpStatusCode.UnprocessableEntity, "validation.failed")]
    [InlineData("{\"text\":5}", HttpStatusCode.BadRequest, "request.malformed")]
    [InlineData("{\"text\":\"眼科\",\"colour\":\"red\"}", HttpStatusCode.BadRequest, "request.malformed")]
    [InlineData("[\"眼科\"]", HttpStatusCode.BadRequest, "request.malformed")]
    public async Task Bad_tag_input_gets_a_problem_and_stores_nothing(string json, HttpStatusCode status, string code)
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, Personalisation);
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/tags", Server.App, json: json);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, problem!["code"]!.GetValue<string>());
        Assert.Empty(await Server.Host.Store.ListTagsAsync(CordonServer.Tenant, subject, CancellationToken.None));
    }

    private async Task<List<Cordon.Storage.AudienceMember>> AudienceAsync()
    {
        var policy = Server.TenantContext.Policy;
        var members = new List<Cordon.Storage.AudienceMember>();
        await foreach (var m in Server.Host.Store.ReadAudienceAsync(CordonServer.Tenant, "marketing.push", policy.PurposeFingerprint("marketing.push")!, Personalisation, policy.PurposeFingerprint(Personalisation)!, CancellationToken.None))
        {
            members.Add(m);
        }

        return members;
    }
}
