using System.Net;
using Cordon.Core.Crypto;
using Cordon.Core.Identifiers;
using Cordon.Server.Audit;

namespace Cordon.Server.Tests;

/// <summary>A tenant whose profile chooses the national suite: SM4-GCM records, SM3 chain, HMAC-SM3 indexes, SM2 checkpoints.</summary>
public sealed class NationalSuiteTests : ServerTest
{
    protected override Task<CordonServer> StartServerAsync() => CordonServer.StartAsync(nationalSuite: true);

    [Fact]
    public async Task Records_are_sealed_with_SM4_and_the_chain_is_hashed_with_SM3_and_sealed_with_SM2()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var id = ChineseResidentId.Create("310101", new DateOnly(1990, 2, 3), 77).Value;
        var record = await Server.WriteAsync(subject, "appointment", new
        {
            resourceType = "Patient",
            name = new[] { new { text = "陈静" } },
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = id } },
        });

        var row = await Server.Host.Store.GetRecordAsync(CordonServer.Tenant, record, default);
        Assert.Equal(CryptoSuiteId.National, RecordCipher.ReadHeader(row!.Sealed).Suite);
        var key = await Server.Host.Store.GetSubjectKeyAsync(CordonServer.Tenant, subject, 1, default);
        Assert.Equal(16 + 6 + 12 + 16, key!.Wrapped.Length);

        var (read, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{record}", Server.App, "appointment");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(id, body!["resource"]!["identifier"]![0]!["value"]!.GetValue<string>());

        var (_, found) = await Server.SendAsync(HttpMethod.Post, "/v1/subjects/search", Server.App, json: new { kind = "cn-resident-id", value = id });
        Assert.Equal(subject, found!["subjects"]![0]!.GetValue<string>());

        var made = await AuditVerification.CheckpointAsync(Server.TenantContext, Server.Host.Store, Server.Host.Witness, Server.Time.GetUtcNow(), default);
        Assert.NotNull(made);
        Assert.Equal(CryptoSuiteId.National, made.Checkpoint.Suite);
        var result = await AuditVerification.VerifyAsync(Server.TenantContext, Server.Host.Store, Server.Host.Witness, default);
        Assert.Equal(1, result.WitnessedCheckpoints);
        Assert.True(result.Valid, result.Reason);
        Assert.Equal(CryptoSuiteId.National, (await Server.Host.Store.GetTenantAsync(CordonServer.Tenant, default))!.Suite);
    }

    [Fact]
    public async Task The_background_service_seals_the_chain_when_it_has_grown()
    {
        await Server.CreateSubjectAsync();
        Assert.Empty(await Server.Host.Store.GetCheckpointsAsync(CordonServer.Tenant, default));

        Server.Time.Advance(TimeSpan.FromHours(1));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyList<Core.Audit.Checkpoint> checkpoints = [];
        while (checkpoints.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            checkpoints = await Server.Host.Store.GetCheckpointsAsync(CordonServer.Tenant, default);
        }

        var only = Assert.Single(checkpoints);
        Assert.True(only.VerifySignature(Server.TenantContext.Keys.PublicKey(only.KeyId)));

        // Nothing new since: sealing again adds nothing.
        Assert.Null(await AuditVerification.CheckpointAsync(Server.TenantContext, Server.Host.Store, Server.Host.Witness, Server.Time.GetUtcNow(), default));
        Assert.Single(await Server.Host.Store.GetCheckpointsAsync(CordonServer.Tenant, default));
    }
}
