using System.Text;
using Cordon.Core.Audit;
using Cordon.Server.Records;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;

namespace Cordon.Cli.Tests.Commands;

/// <summary>A record to seed: its purpose, its JSON and when it was created (in the past for retention).</summary>
internal sealed record SeedRecord(string Purpose, string Json, DateTimeOffset CreatedAt);

/// <summary>
/// Seeds a real data directory through the server's own code paths: <see cref="DataDirectory"/> for the tenant,
/// <see cref="SubjectVault"/> for the subject and its key, <see cref="RecordWriter"/> to classify, minimise and seal
/// each record, and the store's bulk write with its audit entry.
/// </summary>
internal static class RightsSeed
{
    public static DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public static Task InitAsync(string directory)
        => DataDirectory.InitializeAsync(directory, null, "default", BuiltInProfiles.Load(), Now, CancellationToken.None);

    /// <summary>Creates a subject with these records; returns its id and the record ids in order.</summary>
    public static async Task<(string Subject, IReadOnlyList<string> Records)> SubjectAsync(string directory, params SeedRecord[] records)
    {
        await using var store = await CordonStores.OpenAsync(directory, null, CancellationToken.None);
        var registry = new TenantRegistry(KeyFile.Open(KeyFile.PathIn(directory)));
        await registry.LoadAsync(store, CancellationToken.None);
        var tenant = registry.Find("default")!;
        var op = new Operation(tenant, store, Now, "test-seed", "app");
        var id = SubjectVault.NewId("sub");
        var (row, key, lookup) = SubjectVault.Create(tenant, id, new SubjectProfile("ext-" + id, new DateOnly(1980, 5, 1), "测试患者"), null, Now);
        Assert.Equal(WriteStatus.Done, await store.CreateSubjectAsync(row, key, [lookup], op.Audit("subject.create", AuditOutcome.Done, id), CancellationToken.None));

        using var subject = (await SubjectVault.OpenAsync(tenant, store, id, CancellationToken.None))!;
        var rows = new List<(RecordRow, IReadOnlyList<LookupRow>)>();
        foreach (var record in records)
        {
            Assert.True(tenant.Policy.TryGetPurpose(record.Purpose, out var purpose), record.Purpose);
            var prepared = RecordWriter.Prepare(tenant, purpose, Encoding.UTF8.GetBytes(record.Json), DateOnly.FromDateTime(DateTime.UtcNow));
            Assert.False(prepared.Failed, prepared.Failure?.Detail);
            rows.Add(RecordWriter.Seal(tenant, subject, prepared.Value!, SubjectVault.NewId("rec"), 1, record.Purpose, record.CreatedAt, Now));
        }

        var ids = rows.Select(r => r.Item1.Id).ToList();
        await store.PutRecordsAsync(rows, [op.Audit("record.create", AuditOutcome.Done, id, ids)], CancellationToken.None);
        return (id, ids);
    }

    public static SeedRecord Encounter(DateTimeOffset? createdAt = null) => new("consultation", """
        {"resourceType":"Encounter","id":"enc-1","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"VR","display":"virtual"},"type":[{"text":"互联网复诊"}]}
        """, createdAt ?? Now);

    public static SeedRecord Condition(DateTimeOffset? createdAt = null) => new("consultation", """
        {"resourceType":"Condition","id":"cond-1","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"I10","display":"Essential hypertension"}],"text":"原发性高血压"}}
        """, createdAt ?? Now);

    public static SeedRecord Appointment(DateTimeOffset? createdAt = null) => new("appointment", """
        {"resourceType":"Appointment","id":"apt-1","status":"booked","participant":[{"actor":{"reference":"Practitioner/dr-li"},"status":"accepted"}],"serviceType":[{"text":"门诊挂号"}],"start":"2026-12-01T09:00:00+08:00","end":"2026-12-01T09:15:00+08:00","minutesDuration":15}
        """, createdAt ?? Now);

    public static SeedRecord Account(DateTimeOffset? createdAt = null) => new("account", """
        {"resourceType":"Account","mobile":"13800138000","nickname":"张先生","channel":"app","status":"active","realNameVerified":true}
        """, createdAt ?? Now);
}
