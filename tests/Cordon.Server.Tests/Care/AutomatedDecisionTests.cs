using System.Net;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Core.Audit;

namespace Cordon.Server.Tests.Care;

/// <summary>Automated decisions over HTTP (R14): listed, refused, no longer used, withdrawn; on both engines.</summary>
public abstract class AutomatedDecisionTests : ServerTest
{
    private string Bot => Server.Token(Role.App, "triage-bot", automated: true);

    private async Task<(string Subject, string Automated, string Human)> SubjectWithTriageAsync()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        var automated = await Server.WriteAsync(subject, "consultation", CordonServer.Condition("R51", "头痛"), Bot);
        var human = await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));
        return (subject, automated, human);
    }

    private Task<(HttpResponseMessage Response, JsonNode? Body)> RefuseAsync(string subject, string action = "refuse", string? token = null)
        => Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/automated-decisions/refusal", token ?? Server.Token(Role.Patient, "me", subject), json: new { action, channel = "app", givenBy = "self" });

    [Fact]
    public async Task An_automated_agent_s_record_is_listed_as_an_automated_decision_with_actor_purpose_type_and_why()
    {
        var (subject, automated, human) = await SubjectWithTriageAsync();

        var (response, json) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/automated-decisions", Server.Token(Role.Patient, "me", subject));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(json!["refused"]!.GetValue<bool>());
        var decision = Assert.Single(json["decisions"]!.AsArray());
        Assert.Equal(automated, decision!["recordId"]!.GetValue<string>());
        Assert.NotEqual(human, decision["recordId"]!.GetValue<string>());
        Assert.Equal("triage-bot", decision["actor"]!.GetValue<string>());
        Assert.Equal("consultation", decision["purpose"]!.GetValue<string>());
        Assert.Equal("Condition", decision["type"]!.GetValue<string>());
        Assert.True(decision["used"]!.GetValue<bool>());
        Assert.Contains("automated agent", decision["why"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("R14", json["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task After_a_refusal_an_automated_write_is_refused_R14_nothing_is_stored_and_the_attempt_is_audited()
    {
        var (subject, _, _) = await SubjectWithTriageAsync();
        var (refused, refusal) = await RefuseAsync(subject);
        Assert.Equal(HttpStatusCode.Created, refused.StatusCode);
        Assert.Equal("refuse", refusal!["action"]!.GetValue<string>());
        var before = await Server.CountRecordsAsync(subject);

        var (write, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Bot, "consultation", CordonServer.Condition("R51", "头痛"));

        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal("care.automated-decision-refused", problem!["code"]!.GetValue<string>());
        Assert.Equal("R14", problem["rule"]!.GetValue<string>());
        Assert.Equal(before, await Server.CountRecordsAsync(subject));
        var entries = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { SubjectId = subject }, default);
        Assert.Contains(entries, e => e.Draft.Action == "automated-decision.refuse" && e.Draft.Outcome == AuditOutcome.Done && e.Draft.Rules.Contains("R14"));
        Assert.Contains(entries, e => e.Draft.ActorId == "triage-bot" && e.Draft.Outcome == AuditOutcome.Deny && e.Draft.Code == "care.automated-decision-refused" && e.Draft.Flags.HasFlag(AuditFlags.Automated));

        // A human still writes.
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));
    }

    [Fact]
    public async Task After_a_refusal_automated_records_are_withheld_from_staff_and_the_agent_but_not_from_the_subject()
    {
        var (subject, automated, human) = await SubjectWithTriageAsync();
        await RefuseAsync(subject);

        var (staff, staffRead) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records?type=Condition", Server.App, "consultation");
        Assert.Equal(HttpStatusCode.OK, staff.StatusCode);
        Assert.Equal([human], staffRead!["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));

        var (single, singleProblem) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{automated}", Server.App, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, single.StatusCode);
        Assert.Equal("care.automated-decision-refused", singleProblem!["code"]!.GetValue<string>());
        var (humanSingle, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{human}", Server.App, "consultation");
        Assert.Equal(HttpStatusCode.OK, humanSingle.StatusCode);

        var (bot, botProblem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Bot, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, bot.StatusCode);
        Assert.Equal("R14", botProblem!["rule"]!.GetValue<string>());

        var (own, ownRead) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records?type=Condition", Server.Token(Role.Patient, "me", subject), "consultation");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(new[] { automated, human }.Order(StringComparer.Ordinal), ownRead!["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(2, ownRead["records"]!.AsArray().Count);

        var (_, listed) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/automated-decisions", Server.Dpo);
        Assert.True(listed!["refused"]!.GetValue<bool>());
        Assert.False(Assert.Single(listed["decisions"]!.AsArray())!["used"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_withdrawn_refusal_lets_the_agent_write_again_and_a_second_withdrawal_or_refusal_conflicts()
    {
        var (subject, _, _) = await SubjectWithTriageAsync();
        Assert.Equal(HttpStatusCode.Created, (await RefuseAsync(subject, token: Server.App)).Response.StatusCode);
        var (again, againProblem) = await RefuseAsync(subject);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("automated-decision.already-refused", againProblem!["code"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Created, (await RefuseAsync(subject, "withdraw")).Response.StatusCode);
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("R51", "头痛"), Bot);

        var (twice, twiceProblem) = await RefuseAsync(subject, "withdraw");
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal("automated-decision.not-refused", twiceProblem!["code"]!.GetValue<string>());
        var (_, listed) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/automated-decisions", Server.App);
        Assert.Equal(["refuse", "withdraw"], listed!["history"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal(2, listed["decisions"]!.AsArray().Count);
    }

    [Fact]
    public async Task The_explanation_lists_the_automated_decisions_and_the_refusal()
    {
        var (subject, automated, _) = await SubjectWithTriageAsync();
        await RefuseAsync(subject);

        var (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", Server.Token(Role.Patient, "me", subject), json: new { subjectId = subject, kind = "explanation" });

        Assert.True(response.IsSuccessStatusCode, json?.ToJsonString());
        var explained = json!["result"]!["explanation"]!["automatedDecisions"]!;
        Assert.True(explained["refused"]!.GetValue<bool>());
        Assert.Equal(automated, Assert.Single(explained["decisions"]!.AsArray())!["recordId"]!.GetValue<string>());
        Assert.Contains(json["result"]!["explanation"]!["summary"]!.AsArray(), line => line!.GetValue<string>().Contains("R14", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"action":"refuse","channel":"app","givenBy":"self","extra":1}""", HttpStatusCode.BadRequest, "request.malformed")]
    [InlineData("""{"action":"maybe","channel":"app"}""", HttpStatusCode.UnprocessableEntity, "validation.failed")]
    [InlineData("""{"action":"refuse","channel":"pigeon"}""", HttpStatusCode.UnprocessableEntity, "validation.failed")]
    [InlineData("""{"action":"refuse","channel":"app","givenBy":"guardian"}""", HttpStatusCode.UnprocessableEntity, "validation.failed")]
    [InlineData("""{"channel":"app"}""", HttpStatusCode.BadRequest, "request.malformed")]
    public async Task A_malformed_refusal_is_refused_with_its_code_and_nothing_is_recorded(string body, HttpStatusCode status, string code)
    {
        var subject = await Server.CreateSubjectAsync();
        using var request = Server.Request(HttpMethod.Post, $"/v1/subjects/{subject}/automated-decisions/refusal", Server.Token(Role.Patient, "me", subject));
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await Server.Http.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
        Assert.Empty(await Server.Host.Store.GetAutomatedDecisionHistoryAsync(CordonServer.Tenant, subject, default));
    }

    [Fact]
    public async Task Another_patient_may_not_refuse_for_the_subject_and_an_automated_agent_may_not_record_the_choice()
    {
        var subject = await Server.CreateSubjectAsync();
        var other = await Server.CreateSubjectAsync();

        var (stranger, strangerProblem) = await RefuseAsync(subject, token: Server.Token(Role.Patient, "other", other));
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        Assert.Equal("access.not-the-subject", strangerProblem!["code"]!.GetValue<string>());

        var (bot, _) = await RefuseAsync(subject, token: Bot);
        Assert.Equal(HttpStatusCode.Forbidden, bot.StatusCode);
        Assert.Empty(await Server.Host.Store.GetAutomatedDecisionHistoryAsync(CordonServer.Tenant, subject, default));
    }
}

public sealed class SqliteAutomatedDecisionTests : AutomatedDecisionTests;

public sealed class PostgresAutomatedDecisionTests : AutomatedDecisionTests
{
    protected override bool Postgres => true;
}
