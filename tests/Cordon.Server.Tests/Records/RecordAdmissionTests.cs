using System.Net;
using System.Text.Json;
using Cordon.Core.Access;
using Cordon.Server.Import;

namespace Cordon.Server.Tests.Records;

/// <summary>
/// Every writer admits a record the same way (one use case): the API, the import, the demo and a correction decide
/// consent, role and level alike. A child's record under a contract-based purpose needs the guardian's consent, and
/// with it is accepted whichever way it comes in.
/// </summary>
public abstract class RecordAdmissionTests : ServerTest
{
    protected override Task<CordonServer> StartServerAsync() => CordonServer.StartAsync(Postgres, editProfile: text =>
        text.Replace("    legalBasis: contract\n    consent: general\n    necessary: true\n    service: account", "    legalBasis: contract\n    consent: none\n    necessary: true\n    service: account", StringComparison.Ordinal));

    [Fact]
    public async Task A_childs_record_under_a_contract_purpose_with_the_guardians_consent_is_admitted_by_the_api_and_the_import_alike()
    {
        Assert.False(Server.TenantContext.Profile.FindPurpose("account")!.NeedsConsent);
        var guardian = await Server.CreateSubjectAsync("1981-01-01");
        var child = await Server.CreateSubjectAsync("2017-03-03", guardian);
        var externalId = await ExternalIdAsync(child);

        // Without the guardian's consent both refuse, with the same rule.
        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{child}/records", Server.App, "account", new { resourceType = "Account", mobile = "13900003333" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("consent.guardian-required", problem!["code"]!.GetValue<string>());
        var before = await ImportAccountAsync(externalId, "13900004444");
        Assert.Equal(1, before.Refused.GetValueOrDefault("consent.guardian-required"));

        await Server.GrantAsync(child, "account", "guardian", Server.Token(Role.Guardian, "parent", guardian));

        var (allowed, _) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{child}/records", Server.App, "account", new { resourceType = "Account", mobile = "13900003333" });
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        var after = await ImportAccountAsync(externalId, "13900004444");
        Assert.Equal(1, after.Records.GetValueOrDefault("Account"));
        Assert.Equal(0, after.Refused.GetValueOrDefault("consent.guardian-required"));
        Assert.Equal(2, (await Server.Host.Store.ListRecordsAsync(CordonServer.Tenant, child, "Account", default)).Count);

        // Both writes carry the same permit rules in the audit: the guardian's consent (R03) under the contract.
        var entries = await Server.Host.Store.QueryAsync(CordonServer.Tenant, new Storage.AuditQuery { SubjectId = child, Limit = 1000 }, default);
        var written = entries.Where(e => e.Draft.Action is "record.write" or "record.import" && e.Draft.Outcome == Core.Audit.AuditOutcome.Done).ToList();
        Assert.Equal(2, written.Count);
        Assert.All(written, e => Assert.Contains("R03", e.Draft.Rules));
        Assert.Equal(written[0].Draft.Rules, written[1].Draft.Rules);
    }

    private async Task<string> ExternalIdAsync(string subject)
    {
        using var opened = await Subjects.SubjectVault.OpenAsync(Server.TenantContext, Server.Host.Store, subject, default);
        return opened!.Profile.ExternalId;
    }

    /// <summary>A one-patient Bundle naming the subject by its external id, with an Account record.</summary>
    private async Task<ImportReport> ImportAccountAsync(string externalId, string mobile)
    {
        var bundle = JsonSerializer.Serialize(new
        {
            resourceType = "Bundle",
            type = "collection",
            entry = new object[]
            {
                new { resource = new { resourceType = "Patient", id = externalId, birthDate = "2017-03-03" } },
                new { resource = new { resourceType = "Account", mobile } },
            },
        });
        var file = Path.Combine(Server.Directory, $"account-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, bundle);
        return await FhirImport.RunAsync(Server.TenantContext, Server.Host.Store, [file], new ImportOptions { Purpose = "account" }, Server.Time, null, CancellationToken.None);
    }
}

public sealed class SqliteRecordAdmissionTests : RecordAdmissionTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresRecordAdmissionTests : RecordAdmissionTests
{
    protected override bool Postgres => true;
}
