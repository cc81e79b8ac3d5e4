using System.Net;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Server.Audit;

namespace Cordon.Server.Tests.Audit;

/// <summary>
/// The chain against a hostile client and against whoever holds the database alone (its file, or PostgreSQL's
/// superuser, without the key file or the witness): nothing a client sends breaks it, and nothing done to the database
/// before the last witnessed checkpoint goes unseen.
/// </summary>
public abstract class AuditTamperTests : ServerTest
{
    [Fact]
    public async Task A_comma_in_a_care_team_actor_is_refused_and_the_chain_stays_valid()
    {
        var subject = await Server.CreateSubjectAsync();
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/care-team", Server.App, json: new { actor = "dr-li,dr-wang", role = "physician", until = "2030-01-01T00:00:00Z" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("validation.failed", problem!["code"]!.GetValue<string>());
        Assert.Contains("one clinician", problem["errors"]!["actor"]![0]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await Server.Host.Store.GetCareTeamAsync(CordonServer.Tenant, subject, default));

        await Server.AddCareTeamAsync(subject, "dr-li", "physician");
        var verify = await VerifyAsync();
        Assert.True(verify["valid"]!.GetValue<bool>(), verify.ToJsonString());
        Assert.Empty(verify["broken"]!.AsArray());
    }

    [Theory]
    [InlineData("?subject=sub_a,sub_b", "subject")]
    [InlineData("?actor=dr-li%2Cdr-wang", "actor")]
    [InlineData("?subject=%00", "subject")]
    public async Task Audit_queries_take_ids_not_free_text(string query, string field)
    {
        var (response, problem) = await Server.SendAsync(HttpMethod.Get, "/v1/audit" + query, Server.Dpo);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull(problem!["errors"]![field]);
    }

    [Fact]
    public async Task A_token_whose_actor_is_not_an_id_is_not_accepted()
    {
        var token = Server.Token(Role.App, "app,backend");
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects", token, json: new { externalId = "x-1", birthDate = "1990-01-01" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("auth.unauthenticated", problem!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Entries_cut_from_the_end_with_the_checkpoints_that_sealed_them_are_found_by_the_witness()
    {
        var (subject, lane) = await WriteAndSealAsync();
        var entries = await LaneAsync(lane);
        var keep = entries.Count - 3;

        // Cut the lane's last three entries, move its head back and delete every checkpoint the database holds.
        await Server.ExecuteSqlAsync($"DELETE FROM audit_entries WHERE tenant = '{CordonServer.Tenant}' AND lane = {lane} AND seq > {keep};"
            + $"UPDATE audit_lanes SET head_seq = {keep}, head_hash = {Hex(entries[keep - 1].Hash)} WHERE tenant = '{CordonServer.Tenant}' AND lane = {lane};"
            + "DELETE FROM audit_checkpoints;");

        var verify = await VerifyAsync();
        Assert.False(verify["valid"]!.GetValue<bool>());
        var broken = Assert.Single(verify["broken"]!.AsArray(), b => b!["lane"]!.GetValue<int>() == lane)!;
        Assert.Equal("missing", broken["kind"]!.GetValue<string>());
        Assert.Equal(keep + 1, broken["from"]!.GetValue<long>());
        Assert.Contains("witnessed checkpoint", broken["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(subject);
    }

    [Fact]
    public async Task An_edit_rechained_to_the_end_with_the_checkpoints_deleted_is_found_by_the_witness()
    {
        var (_, lane) = await WriteAndSealAsync();
        var entries = await LaneAsync(lane);
        var suite = Core.Crypto.CryptoSuite.For(Server.TenantContext.Keys.Suite);

        // Rewrite the lane's first entry, recompute every hash after it and the lane head, delete the checkpoints.
        var prev = AuditChain.Genesis(suite, CordonServer.Tenant, lane);
        var sql = new System.Text.StringBuilder("DELETE FROM audit_checkpoints;");
        foreach (var e in entries)
        {
            var draft = e.Seq == 1 ? e.Draft with { ActorId = "nobody" } : e.Draft;
            var hash = AuditChain.ComputeHash(suite, draft, lane, e.Seq, prev);
            sql.Append(System.Globalization.CultureInfo.InvariantCulture, $"UPDATE audit_entries SET actor = '{draft.ActorId}', body = {Hex(AuditChain.EncodeBody(draft))}, prev_hash = {Hex(prev)}, hash = {Hex(hash)} WHERE id = {e.Id};");
            prev = hash;
        }

        sql.Append(System.Globalization.CultureInfo.InvariantCulture, $"UPDATE audit_lanes SET head_hash = {Hex(prev)} WHERE tenant = '{CordonServer.Tenant}' AND lane = {lane};");
        await Server.ExecuteSqlAsync(sql.ToString());

        var verify = await VerifyAsync();
        Assert.False(verify["valid"]!.GetValue<bool>());
        var broken = Assert.Single(verify["broken"]!.AsArray())!;
        Assert.Equal("resealed", broken["kind"]!.GetValue<string>());
        Assert.Equal(lane, broken["lane"]!.GetValue<int>());
    }

    [Fact]
    public async Task Deleting_every_entry_lane_head_and_checkpoint_is_found_by_the_witness()
    {
        await WriteAndSealAsync();
        var witnessed = (await VerifyAsync())["witness"]!["latestEntries"]!.GetValue<long>();

        await Server.ExecuteSqlAsync($"DELETE FROM audit_entries; DELETE FROM audit_checkpoints; UPDATE audit_lanes SET head_seq = 0, head_hash = {Hex(new byte[32])};");

        var verify = await VerifyAsync();
        Assert.False(verify["valid"]!.GetValue<bool>());
        var broken = verify["broken"]!.AsArray();
        Assert.NotEmpty(broken);
        Assert.All(broken, b => Assert.Equal("missing", b!["kind"]!.GetValue<string>()));
        Assert.All(broken, b => Assert.Contains("none are stored", b!["reason"]!.GetValue<string>(), StringComparison.Ordinal));

        // Every entry the witness sealed is named (the verification's own entry is the one the chain holds now).
        Assert.Equal(witnessed, broken.Sum(b => b!["to"]!.GetValue<long>() - b["from"]!.GetValue<long>() + 1));
    }

    [Fact]
    public async Task A_witness_line_removed_from_the_middle_is_named()
    {
        await WriteAndSealAsync();
        await Server.CreateSubjectAsync();
        await AuditVerification.CheckpointAsync(Server.TenantContext, Server.Host.Store, Server.Host.Witness, Server.Time.GetUtcNow(), default);
        await Server.CreateSubjectAsync();
        await AuditVerification.CheckpointAsync(Server.TenantContext, Server.Host.Store, Server.Host.Witness, Server.Time.GetUtcNow(), default);
        var path = Server.Host.Witness.PathOf(CordonServer.Tenant);
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(3, lines.Length);
        await File.WriteAllLinesAsync(path, [lines[0], lines[2]]);

        var verify = await VerifyAsync();
        Assert.False(verify["valid"]!.GetValue<bool>());
        Assert.Contains("does not follow", Assert.Single(verify["witness"]!["problems"]!.AsArray())!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(verify["broken"]!.AsArray());
    }

    /// <summary>Writes a few subjects' records and seals them with a witnessed checkpoint; returns the lane with most entries.</summary>
    private async Task<(string Subject, int Lane)> WriteAndSealAsync()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        for (var i = 0; i < 5; i++)
        {
            await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病"));
        }

        await Server.CreateSubjectAsync();

        Assert.NotNull(await AuditVerification.CheckpointAsync(Server.TenantContext, Server.Host.Store, Server.Host.Witness, Server.Time.GetUtcNow(), default));
        var lanes = new Dictionary<int, int>();
        await foreach (var e in Server.Host.Store.ReadChainAsync(CordonServer.Tenant, default))
        {
            lanes[e.Lane] = lanes.GetValueOrDefault(e.Lane) + 1;
        }

        return (subject, AuditChain.LaneOf(subject, (await Server.Host.Store.GetTenantAsync(CordonServer.Tenant, default))!.Lanes));
    }

    private async Task<List<AuditEntry>> LaneAsync(int lane)
    {
        var entries = new List<AuditEntry>();
        await foreach (var e in Server.Host.Store.ReadChainAsync(CordonServer.Tenant, default))
        {
            if (e.Lane == lane)
            {
                entries.Add(e);
            }
        }

        return entries;
    }

    private async Task<JsonNode> VerifyAsync()
    {
        var (response, body) = await Server.SendAsync(HttpMethod.Get, "/v1/audit/verify", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body!;
    }

    private static string Hex(byte[] bytes) => $"X'{Convert.ToHexString(bytes)}'";
}

public sealed class SqliteAuditTamperTests : AuditTamperTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresAuditTamperTests : AuditTamperTests
{
    protected override bool Postgres => true;
}
