using System.Net;
using Cordon.Core.Access;
using Cordon.Server.Auth;
using Cordon.Server.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Cordon.Server.Tests.Tokens;

/// <summary>Tokens are short-lived, carry their own id, and one token or all of an actor's can be revoked without rotating the key.</summary>
public abstract class TokenRevocationTests : ServerTest
{
    [Fact]
    public async Task A_revoked_token_is_refused_from_the_next_request_and_the_actors_other_tokens_still_work()
    {
        var first = Server.Token(Role.Dpo, "dpo-li");
        var second = Server.Token(Role.Dpo, "dpo-li");
        Assert.StartsWith("tk_", new JsonWebTokenHandler().ReadJsonWebToken(first).GetClaim("jti").Value, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Server.SendAsync(HttpMethod.Get, "/v1/audit/verify", first)).Response.StatusCode);

        var (revoked, view) = await Server.SendAsync(HttpMethod.Post, "/v1/token-revocations", Server.Token(Role.Security, "sec-1"), json: new { token = first, reason = "laptop lost" });
        Assert.Equal(HttpStatusCode.Created, revoked.StatusCode);
        Assert.Equal("token", view!["kind"]!.GetValue<string>());

        var (refused, problem) = await Server.SendAsync(HttpMethod.Get, "/v1/audit/verify", first);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("auth.token-revoked", problem!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await Server.SendAsync(HttpMethod.Get, "/v1/audit/verify", second)).Response.StatusCode);

        var entries = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { ActorId = "sec-1" }, default);
        var entry = Assert.Single(entries, e => e.Draft.Action == "token.revoke");
        Assert.Equal("laptop lost", Server.TenantContext.Keys.OpenNote(entry.Draft.SealedNote, entry.Draft.RequestId));
    }

    [Fact]
    public async Task Revoking_an_actor_refuses_every_token_issued_until_then_and_none_issued_after()
    {
        var old = Server.Token(Role.Physician, "dr-gone");
        Server.Time.SetUtcNow(DateTimeOffset.UtcNow);
        var (revoked, _) = await Server.SendAsync(HttpMethod.Post, "/v1/token-revocations", Server.Admin, json: new { actor = "dr-gone", reason = "left the hospital" });
        Assert.Equal(HttpStatusCode.Created, revoked.StatusCode);

        Assert.Equal("auth.token-revoked", (await Server.SendAsync(HttpMethod.Get, "/v1/subjects/sub_x/records", old, "consultation")).Body!["code"]!.GetValue<string>());
        var later = TokenIssuer.Issue(new TokenRequest(CordonServer.Tenant, "dr-gone", Role.Physician), Server.TenantContext.Keys.TokenKey, DateTimeOffset.UtcNow.AddSeconds(2), TimeSpan.FromHours(1));
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await Server.SendAsync(HttpMethod.Get, "/v1/subjects/sub_x/records", later, "consultation")).Response.StatusCode);

        var (list, page) = await Server.SendAsync(HttpMethod.Get, "/v1/token-revocations", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(page!["revocations"]!.AsArray(), r => r!["value"]!.GetValue<string>() == "dr-gone" && r["kind"]!.GetValue<string>() == "actor");
    }

    [Theory]
    [InlineData("""{"reason":"x"}""")]
    [InlineData("""{"tokenId":"tk_1","actor":"a","reason":"x"}""")]
    [InlineData("""{"actor":"a,b","reason":"x"}""")]
    [InlineData("""{"token":"not-a-jwt","reason":"x"}""")]
    [InlineData("""{"actor":"a","reason":""}""")]
    public async Task A_revocation_that_names_nothing_clearly_is_refused_and_stores_nothing(string json)
    {
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, "/v1/token-revocations", Server.Admin, json: json);
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Equal("validation.failed", problem!["code"]!.GetValue<string>());
        Assert.Empty(await Server.Host.Store.GetTokenRevocationsAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow, default));
    }

    [Fact]
    public async Task Only_security_and_administrators_revoke()
    {
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, "/v1/token-revocations", Server.Dpo, json: new { actor = "someone", reason = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("access.role-not-allowed", problem!["code"]!.GetValue<string>());
    }
}

public sealed class SqliteTokenRevocationTests : TokenRevocationTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresTokenRevocationTests : TokenRevocationTests
{
    protected override bool Postgres => true;

    [Fact]
    public async Task A_token_revoked_on_one_node_is_refused_by_another_node_on_the_same_database_within_seconds()
    {
        await using var second = await CordonApp.CreateAsync(new CordonServerOptions { DataDirectory = Server.Directory, Database = Server.Postgres, Urls = "http://127.0.0.1:0", RetentionInterval = TimeSpan.Zero, OutboxPollInterval = TimeSpan.Zero });
        await second.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(second.Addresses[0]) };
        var token = Server.Token(Role.Dpo, "dpo-two-nodes");
        async Task<HttpStatusCode> OnSecondAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/audit/verify");
            request.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await OnSecondAsync());
        var (revoked, _) = await Server.SendAsync(HttpMethod.Post, "/v1/token-revocations", Server.Admin, json: new { token, reason = "two nodes" });
        Assert.Equal(HttpStatusCode.Created, revoked.StatusCode);

        // The second node reads revocations once a second: polled here with a generous limit, never a fixed wait.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var status = await OnSecondAsync();
        while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            status = await OnSecondAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }
}
