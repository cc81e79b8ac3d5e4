using System.Net;
using System.Text.Json.Nodes;
using Cordon.Core.Access;

namespace Cordon.Server.Tests.Audit;

/// <summary>The audit list over HTTP: newest first with before, filters by action and outcome, and every bad parameter named; and who-am-I.</summary>
public sealed class AuditQueryTests : ServerTest
{
    [Fact]
    public async Task Newest_first_pages_with_before_and_filters_by_action_and_outcome()
    {
        for (var i = 0; i < 5; i++)
        {
            await Server.CreateSubjectAsync();
        }

        var ids = new List<long>();
        string? before = null;
        do
        {
            var (response, page) = await Server.SendAsync(HttpMethod.Get, "/v1/audit?order=desc&action=subject.create&outcome=done&limit=2" + (before is null ? string.Empty : "&before=" + before), Server.Dpo);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var entries = page!["entries"]!.AsArray();
            Assert.All(entries, e => Assert.Equal(("subject.create", "done"), (e!["action"]!.GetValue<string>(), e["outcome"]!.GetValue<string>())));
            ids.AddRange(entries.Select(e => e!["id"]!.GetValue<long>()));
            before = page["next"] is JsonValue next ? next.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        while (before is not null);

        Assert.Equal(5, ids.Count);
        Assert.Equal(ids.OrderDescending(), ids);

        var (_, feature) = await Server.SendAsync(HttpMethod.Get, "/v1/audit?action=subject.&limit=1000", Server.Dpo);
        Assert.Equal(5, feature!["entries"]!.AsArray().Count(e => e!["action"]!.GetValue<string>() == "subject.create"));
        Assert.All(feature["entries"]!.AsArray(), e => Assert.StartsWith("subject.", e!["action"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("order=newest", "order", "desc")]
    [InlineData("before=abc", "before", "positive whole number")]
    [InlineData("before=0", "before", "positive whole number")]
    [InlineData("outcome=allowed", "outcome", "permit-masked")]
    [InlineData("action=record.%25", "action", "record.read")]
    [InlineData("action=Record_Read", "action", "trailing dot")]
    [InlineData("from=yesterday", "from", "ISO 8601")]
    public async Task A_bad_parameter_is_named_with_what_it_takes(string query, string parameter, string hint)
    {
        var (response, problem) = await Server.SendAsync(HttpMethod.Get, "/v1/audit?" + query, Server.Dpo);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("validation.failed", problem!["code"]!.GetValue<string>());
        Assert.Contains(hint, problem["errors"]![parameter]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Me_names_the_token_the_server_accepted_and_refuses_a_made_up_one()
    {
        var subject = await Server.CreateSubjectAsync();
        var (ok, me) = await Server.SendAsync(HttpMethod.Get, "/v1/me", Server.Token(Role.Patient, "patient-me", subject));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(("patient-me", "patient", CordonServer.Tenant, subject), (me!["actor"]!.GetValue<string>(), me["role"]!.GetValue<string>(), me["tenant"]!.GetValue<string>(), me["subject"]!.GetValue<string>()));
        Assert.True(me["expiresAt"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow);

        var token = Server.Dpo;
        var forged = token[..token.LastIndexOf('.')] + ".c2lnbmF0dXJl";
        var (refused, problem) = await Server.SendAsync(HttpMethod.Get, "/v1/me", forged);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("auth.unauthenticated", problem!["code"]!.GetValue<string>());
    }
}
