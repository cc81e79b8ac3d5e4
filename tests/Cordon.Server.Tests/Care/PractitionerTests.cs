using System.Net;
using Cordon.Core.Access;
using Cordon.Core.Audit;

namespace Cordon.Server.Tests.Care;

/// <summary>The practitioner register over HTTP and the decision that reads it (R53), on both engines.</summary>
public abstract class PractitionerTests : ServerTest
{
    [Fact]
    public async Task A_licence_of_the_wrong_shape_is_refused_naming_the_field_and_nothing_is_stored()
    {
        var body = Server.PractitionerBody(Role.Physician, "dr-short");
        body["licence"] = "11010100000";

        var (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/practitioners", Server.Admin, json: body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("validation.failed", json!["code"]!.GetValue<string>());
        Assert.Contains("15 digits", json["errors"]!["licence"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await Server.ScalarAsync("SELECT COUNT(*) FROM practitioners"));
        var (missing, _) = await Server.SendAsync(HttpMethod.Get, "/v1/practitioners/dr-short", Server.Dpo);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_registered_practitioner_is_listed_with_years_counted_from_the_start_of_practice_and_a_second_registration_conflicts()
    {
        var (created, entry) = await Server.SendAsync(HttpMethod.Post, "/v1/practitioners", Server.Dpo, json: Server.PractitionerBody(Role.Physician, "dr-reg", years: 5));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(5, entry!["yearsOfPractice"]!.GetValue<int>());
        Assert.True(entry["eligible"]!.GetValue<bool>());

        var (list, page) = await Server.SendAsync(HttpMethod.Get, "/v1/practitioners", Server.Admin);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(page!["practitioners"]!.AsArray(), p => p!["id"]!.GetValue<string>() == "dr-reg");

        var (again, problem) = await Server.SendAsync(HttpMethod.Post, "/v1/practitioners", Server.Admin, json: Server.PractitionerBody(Role.Physician, "dr-reg"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("practitioner.exists", problem!["code"]!.GetValue<string>());

        var (byPhysician, _) = await Server.SendAsync(HttpMethod.Post, "/v1/practitioners", Server.Token(Role.Physician, "dr-reg"), json: Server.PractitionerBody(Role.Physician, "dr-self"));
        Assert.Equal(HttpStatusCode.Forbidden, byPhysician.StatusCode);
    }

    [Theory]
    [InlineData("unregistered", "not registered as a practitioner")]
    [InlineData("unverified", "real name is not verified")]
    [InlineData("junior", "fewer than 3 years of independent practice")]
    [InlineData("no-consent", "not consented to the physician's online practice")]
    [InlineData("no-licence", "No practising licence number")]
    [InlineData("not-here", "not registered to practise at this institution")]
    public async Task An_ineligible_physician_is_refused_in_a_consultation_with_the_failing_condition_and_audited(string why, string detail)
    {
        var actor = "dr-" + why;
        if (why != "unregistered")
        {
            var body = Server.PractitionerBody(Role.Physician, actor, years: why == "junior" ? 2 : 8);
            switch (why)
            {
                case "unverified":
                    body["realName"] = new { status = "pending", method = "id-card-and-face" };
                    break;
                case "no-consent":
                    body.Remove("onlinePracticeConsentedOn");
                    break;
                case "no-licence":
                    body.Remove("licence");
                    break;
                case "not-here":
                    body.Remove("registration");
                    break;
            }

            var (created, json) = await Server.SendAsync(HttpMethod.Post, "/v1/practitioners", Server.Admin, json: body);
            Assert.True(created.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
            Assert.False(json!["eligible"]!.GetValue<bool>());
        }

        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.AddCareTeamAsync(subject, actor, "physician");

        await AssertRefusedAsync(actor, subject, detail);
    }

    [Fact]
    public async Task An_eligible_physician_reads_and_writes_and_a_suspension_counts_from_the_very_next_request()
    {
        var token = await Server.PractitionerTokenAsync(Role.Physician, "dr-ok");
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.AddCareTeamAsync(subject, "dr-ok", "physician");

        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2 型糖尿病"), token);
        var (read, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", token, "consultation");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        var (suspended, entry) = await Server.SendAsync(HttpMethod.Put, "/v1/practitioners/dr-ok/suspension", Server.Admin, json: new { suspended = true, reason = "执业证书注销待核实" });
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.False(entry!["eligible"]!.GetValue<bool>());
        await AssertRefusedAsync("dr-ok", subject, "suspended");

        var (reinstated, _) = await Server.SendAsync(HttpMethod.Put, "/v1/practitioners/dr-ok/suspension", Server.Dpo, json: new { suspended = false, reason = "核实无误" });
        Assert.Equal(HttpStatusCode.OK, reinstated.StatusCode);
        var (again, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", token, "consultation");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var (unknown, _) = await Server.SendAsync(HttpMethod.Put, "/v1/practitioners/dr-nobody/suspension", Server.Admin, json: new { suspended = true, reason = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task An_automated_token_of_a_registered_practitioner_is_never_eligible()
    {
        await Server.PractitionerTokenAsync(Role.Physician, "dr-bot");
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.AddCareTeamAsync(subject, "dr-bot", "physician");

        var (response, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.Token(Role.Physician, "dr-bot", automated: true), "consultation");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("R53", problem!["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_nurse_and_a_pharmacist_need_the_register_too_but_no_minimum_years()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await Server.AddCareTeamAsync(subject, "nurse-new", "nurse");
        var (unregistered, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.Token(Role.Nurse, "nurse-new"), "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, unregistered.StatusCode);
        Assert.Equal("care.practitioner-not-eligible", problem!["code"]!.GetValue<string>());

        var body = Server.PractitionerBody(Role.Nurse, "nurse-new", years: 0);
        var (created, _) = await Server.SendAsync(HttpMethod.Post, "/v1/practitioners", Server.Admin, json: body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var (read, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.Token(Role.Nurse, "nurse-new"), "consultation");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task The_explained_decision_lists_the_register_check_with_its_rule_and_the_failing_condition()
    {
        var body = Server.PractitionerBody(Role.Physician, "dr-explain", years: 2);
        await Server.SendAsync(HttpMethod.Post, "/v1/practitioners", Server.Admin, json: body);
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");

        var (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/decisions", Server.Dpo, json: new { actor = new { role = "physician", id = "dr-explain" }, purpose = "consultation", subjectId = subject, recordType = "Condition", action = "read" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("deny", json!["decision"]!.GetValue<string>());
        Assert.Equal("care.practitioner-not-eligible", json["code"]!.GetValue<string>());
        Assert.Contains("fewer than 3 years", json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var check = Assert.Single(json["rules"]!.AsArray(), c => c!["check"]!.GetValue<string>() == "registered practitioner");
        Assert.Equal("R53", check!["rule"]!.GetValue<string>());
        Assert.False(check["passed"]!.GetValue<bool>());

        await Server.PractitionerTokenAsync(Role.Physician, "dr-fine");
        var (_, fine) = await Server.SendAsync(HttpMethod.Post, "/v1/decisions", Server.Dpo, json: new { actor = new { role = "physician", id = "dr-fine" }, purpose = "consultation", subjectId = subject, recordType = "Condition", action = "read" });
        Assert.True(Assert.Single(fine!["rules"]!.AsArray(), c => c!["check"]!.GetValue<string>() == "registered practitioner")!["passed"]!.GetValue<bool>());
    }

    private async Task AssertRefusedAsync(string actor, string subject, string detail)
    {
        var token = Server.Token(Role.Physician, actor);
        var (read, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", token, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Equal("care.practitioner-not-eligible", problem!["code"]!.GetValue<string>());
        Assert.Equal("R53", problem["rule"]!.GetValue<string>());
        Assert.Contains(detail, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var before = await Server.CountRecordsAsync(subject);
        var (write, written) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", token, "consultation", CordonServer.Condition("E11.9", "x"));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal("care.practitioner-not-eligible", written!["code"]!.GetValue<string>());
        Assert.Equal(before, await Server.CountRecordsAsync(subject));

        var entries = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { ActorId = actor }, default);
        Assert.Contains(entries, e => e.Draft.Outcome == AuditOutcome.Deny && e.Draft.Code == "care.practitioner-not-eligible" && e.Draft.Rules.Contains("R53"));
    }
}

public sealed class SqlitePractitionerTests : PractitionerTests;

public sealed class PostgresPractitionerTests : PractitionerTests
{
    protected override bool Postgres => true;
}
