using System.Text.Json;
using Cordon.Server.Audit;
using Cordon.Server.Import;

namespace Cordon.Server.Tests.Import;

/// <summary>
/// Re-running an import stores nothing twice: a resource's source id (type and id, or its entry's full URL) is unique per
/// subject in the store, on SQLite and on PostgreSQL.
/// </summary>
public abstract class ImportRerunTests : ServerTest
{
    protected abstract override bool Postgres { get; }

    [Fact]
    public async Task Importing_the_same_bundles_again_stores_nothing_new_and_audits_no_write_that_did_not_happen()
    {
        var files = FhirImportTests.SyntheaFiles();
        var first = await ImportAsync(files, new ImportOptions { OnInvalid = InvalidValueHandling.DropField });
        var entries = await CountEntriesAsync();
        var stored = await CountRecordsAsync();

        var again = await ImportAsync(files, new ImportOptions { OnInvalid = InvalidValueHandling.DropField });

        Assert.Equal(0, again.RecordsStored);
        Assert.Empty(again.Refused);
        Assert.Equal(0, again.SubjectsCreated);
        Assert.Equal(first.SubjectsCreated, again.SubjectsMatched);
        Assert.Equal(first.Records, again.AlreadyStored);
        Assert.Equal(stored, await CountRecordsAsync());
        Assert.Equal(entries, await CountEntriesAsync());

        // The values refused by default were stored by drop-field in the first run: a default run finds them stored too.
        var refuse = await ImportAsync(files, new ImportOptions());
        Assert.Empty(refuse.Refused);
        Assert.Equal(first.RecordsStored, refuse.AlreadyStoredTotal);
        Assert.Equal(entries, await CountEntriesAsync());
        var chain = await AuditVerification.VerifyAsync(Server.TenantContext, Server.Host.Store, witness: null, CancellationToken.None);
        Assert.True(chain.Valid, chain.Reason);
    }

    [Fact]
    public async Task A_resource_without_an_id_is_known_by_its_full_url_and_the_same_id_twice_in_one_run_is_stored_once()
    {
        var bundle = Path.Combine(Server.Directory, "ids.json");
        var noId = FhirImportTests.Observation("ignored", "urn:uuid:p-60", 131).Replace("\"id\":\"ignored\",", string.Empty, StringComparison.Ordinal);
        await File.WriteAllTextAsync(bundle, $$$"""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"urn:uuid:p-60","resource":{"resourceType":"Patient","id":"p-60","birthDate":"1980-01-02"}},
              {"fullUrl":"urn:uuid:o-60","resource":{{{noId}}} },
              {"fullUrl":"urn:uuid:o-61","resource":{{{FhirImportTests.Observation("obs-61", "urn:uuid:p-60", 121)}}} },
              {"fullUrl":"urn:uuid:o-62","resource":{{{FhirImportTests.Observation("obs-61", "urn:uuid:p-60", 122)}}} }
            ]}
            """);
        var other = Path.Combine(Server.Directory, "other.ndjson");

        // The same FHIR id for another patient is another resource.
        await File.WriteAllLinesAsync(other, [FhirImportTests.Line(new { resourceType = "Patient", id = "p-61", birthDate = "1981-01-02" }), FhirImportTests.Observation("obs-61", "Patient/p-61", 119)]);

        var first = await ImportAsync([bundle, other], new ImportOptions());
        var second = await ImportAsync([bundle, other], new ImportOptions());

        Assert.Equal(3, first.Records["Observation"]);
        Assert.Equal(1, first.AlreadyStored["Observation"]);
        Assert.Equal(0, second.RecordsStored);
        Assert.Equal(2, second.AlreadyStored["Patient"]);
        Assert.Equal(4, second.AlreadyStored["Observation"]);
    }

    private async Task<int> CountEntriesAsync()
    {
        var count = 0;
        await foreach (var _ in Server.Host.Store.ReadChainAsync(CordonServer.Tenant, CancellationToken.None))
        {
            count++;
        }

        return count;
    }

    private async Task<int> CountRecordsAsync()
    {
        var tenant = Server.TenantContext;
        var count = 0;
        foreach (var patient in SyntheaPatientIds())
        {
            foreach (var id in await Server.Host.Store.FindSubjectsAsync(CordonServer.Tenant, "external-id", tenant.Indexer.Compute("external-id", patient), default))
            {
                count += (await Server.Host.Store.ListRecordsAsync(CordonServer.Tenant, id, null, default)).Count;
            }
        }

        return count;
    }

    private static IEnumerable<string> SyntheaPatientIds()
    {
        foreach (var file in FhirImportTests.SyntheaFiles())
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            foreach (var entry in document.RootElement.GetProperty("entry").EnumerateArray())
            {
                var resource = entry.GetProperty("resource");
                if (resource.GetProperty("resourceType").GetString() == "Patient")
                {
                    yield return resource.GetProperty("id").GetString()!;
                }
            }
        }
    }

    private async Task<ImportReport> ImportAsync(IReadOnlyList<string> files, ImportOptions options)
        => await FhirImport.RunAsync(Server.TenantContext, Server.Host.Store, files, options, Server.Time, null, CancellationToken.None);
}

public sealed class SqliteImportRerunTests : ImportRerunTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresImportRerunTests : ImportRerunTests
{
    protected override bool Postgres => true;
}
