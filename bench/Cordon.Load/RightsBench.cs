using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cordon.Core.Audit;
using Cordon.Server.Records;
using Cordon.Server.Retention;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;
using Microsoft.Data.Sqlite;

namespace Cordon.Load;

/// <summary>
/// Rights and retention on SQLite, in process, through the same code the HTTP API and the CLI run: a subject's export
/// (JSON and FHIR), erasure by shredding (key destruction, then purge) and by re-keying as the subject's record count
/// grows, and a retention run over a million records. Records are sealed through <see cref="RecordWriter"/> and stored
/// with the bulk write (one audit entry per subject and batch).
/// </summary>
internal static class RightsBench
{
    private const string Observation = """
        {"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}],"text":"收缩压"},"subject":{"reference":"Patient/p-1"},"encounter":{"reference":"Encounter/enc-1"},"effectiveDateTime":"2026-10-01T09:30:00+08:00","issued":"2026-10-01T09:40:00+08:00","valueQuantity":{"value":132,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}
        """;

    private const string Appointment = """
        {"resourceType":"Appointment","status":"fulfilled","participant":[{"actor":{"reference":"Practitioner/dr-li"},"status":"accepted"}],"serviceType":[{"text":"门诊挂号"}],"specialty":[{"coding":[{"system":"http://snomed.info/sct","code":"394579002","display":"Cardiology"}],"text":"心血管内科"}],"start":"2026-10-01T09:00:00+08:00","end":"2026-10-01T09:15:00+08:00","minutesDuration":15}
        """;

    private const string Account = """
        {"resourceType":"Account","mobile":"13800138000","nickname":"张先生","channel":"app","status":"active","realNameVerified":true}
        """;

    private const string Encounter = """
        {"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"VR","display":"virtual"},"type":[{"text":"互联网复诊"}],"period":{"start":"2026-10-01T09:00:00+08:00","end":"2026-10-01T09:15:00+08:00"},"reasonCode":[{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"I10","display":"Essential hypertension"}]}]}
        """;

    public static async Task<List<ScenarioResult>> RunAsync(int exportRuns, IReadOnlyList<int> sizes, int retentionRecords, int repeats, IReadOnlySet<string> parts, TextWriter log)
    {
        var results = new List<ScenarioResult>();
        if (parts.Contains("export"))
        {
            results.AddRange(await ExportAsync(exportRuns, log));
        }

        if (parts.Contains("erase"))
        {
            results.AddRange(await EraseAsync(sizes, repeats, log));
        }

        if (parts.Contains("retention"))
        {
            results.AddRange(await RetentionAsync(retentionRecords, log));
        }

        return results;
    }

    private static async Task<List<ScenarioResult>> ExportAsync(int runs, TextWriter log)
    {
        await using var bench = await Bench.CreateAsync();
        var subject = await bench.SubjectAsync([("test-results", Observation, 1000)], DateTimeOffset.UtcNow);
        var results = new List<ScenarioResult>();
        foreach (var format in new[] { ExportFormat.Json, ExportFormat.Fhir })
        {
            var times = new List<double>();
            long bytes = 0;
            for (var run = -5; run < runs; run++)
            {
                var op = bench.Operation();
                var clock = Stopwatch.StartNew();
                using var opened = (await SubjectVault.OpenAsync(bench.Tenant, bench.Store, subject, CancellationToken.None))!;
                await bench.Store.AppendAsync(op.Audit("subject.export", AuditOutcome.Permit, subject, [], ["R22"]), CancellationToken.None);
                var counter = new CountingStream();
                var summary = await SubjectExport.WriteAsync(op, opened, format, counter, null, null, CancellationToken.None);
                if (summary.Records != 1000)
                {
                    throw new InvalidOperationException($"exported {summary.Records} records, not 1000");
                }

                if (run >= 0)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                    bytes = counter.Length;
                }
            }

            var name = format == ExportFormat.Json ? "export-json-1000" : "export-fhir-1000";
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: median {Percentile(times, 0.5):0.0} ms over {runs} runs"));
            results.Add(new ScenarioResult(name, runs, Math.Round(times.Sum() / 1000, 3), Math.Round(runs / (times.Sum() / 1000), 1), Percentile(times, 0.5), Percentile(times, 0.99), 0, null, null,
                Note: string.Create(CultureInfo.InvariantCulture, $"one subject with 1,000 Observations (test-results), opened, audited (subject.export) and exported to a counting stream; {bytes / 1024} KiB per export; min {times.Min():0.0} ms, max {times.Max():0.0} ms")));
        }

        return results;
    }

    private static async Task<List<ScenarioResult>> EraseAsync(IReadOnlyList<int> sizes, int repeats, TextWriter log)
    {
        var results = new List<ScenarioResult>();
        await using var bench = await Bench.CreateAsync();
        foreach (var size in sizes)
        {
            var runs = repeats;
            var shreds = new List<ErasureReport>();
            var rekeys = new List<ErasureReport>();
            for (var run = 0; run < runs + 1; run++)
            {
                // Shredding: a cancellation of a subject whose records no law keeps (Appointments, retentionClass none).
                var shred = await bench.SubjectAsync([("appointment", Appointment, size)], DateTimeOffset.UtcNow);
                var erased = await SubjectEraser.EraseAsync(bench.Operation(), shred, null, cancel: true, "subject.cancel", null, ["R21", "R20"], CancellationToken.None);
                var report = erased.Value ?? throw new InvalidOperationException(erased.Failure!.Detail);
                if (!report.Shredded || report.Purged != size)
                {
                    throw new InvalidOperationException($"expected a shred of {size} rows, got shredded={report.Shredded} purged={report.Purged}");
                }

                // Re-keying: half the records are internet-diagnosis records (Encounters, kept 15 years by R58), half go.
                var half = Math.Max(1, size / 2);
                var rekey = await bench.SubjectAsync([("consultation", Encounter, half), ("appointment", Appointment, size - half)], DateTimeOffset.UtcNow);
                var kept = await SubjectEraser.EraseAsync(bench.Operation(), rekey, null, cancel: true, "subject.cancel", null, ["R21", "R20"], CancellationToken.None);
                var rekeyReport = kept.Value ?? throw new InvalidOperationException(kept.Failure!.Detail);
                if (rekeyReport.Shredded || rekeyReport.KeptCount != half)
                {
                    throw new InvalidOperationException("expected a re-key");
                }

                // The first run of each size warms the JIT and the page cache; it is not reported.
                if (run > 0)
                {
                    shreds.Add(report);
                    rekeys.Add(rekeyReport);
                }

                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"erase {size}: key destruction {report.KeyDestructionMs:0.00} ms, purge {report.PurgeMs:0.0} ms; re-key {rekeyReport.KeyDestructionMs:0.0} ms{(run == 0 ? " (warm-up)" : string.Empty)}"));
            }

            var keyMs = shreds.Select(r => r.KeyDestructionMs).ToList();
            var purgeMs = shreds.Select(r => r.PurgeMs).ToList();
            var rekeyMs = rekeys.Select(r => r.KeyDestructionMs).ToList();
            results.Add(new ScenarioResult($"erase-key-destruction-{size}", runs, Math.Round(keyMs.Sum() / 1000, 4), 0, Percentile(keyMs, 0.5), keyMs.Max(), 0, null, null,
                Note: string.Create(CultureInfo.InvariantCulture, $"cancellation with nothing kept ({size} Appointments): the transaction that destroys every key of the subject (ErasureReport.KeyDestructionMs); min {keyMs.Min():0.00} ms, max {keyMs.Max():0.00} ms (p99 column: max)")));
            results.Add(new ScenarioResult($"erase-purge-{size}", runs, Math.Round(purgeMs.Sum() / 1000, 3), Math.Round(size * runs / (purgeMs.Sum() / 1000), 1), Percentile(purgeMs, 0.5), purgeMs.Max(), 0, null, null,
                Note: string.Create(CultureInfo.InvariantCulture, $"purge of the {size} unreadable rows after the keys are gone, 5,000 per transaction (ErasureReport.PurgeMs); throughput in rows/s; min {purgeMs.Min():0.0} ms, max {purgeMs.Max():0.0} ms")));
            results.Add(new ScenarioResult($"erase-rekey-{size}", runs, Math.Round(rekeyMs.Sum() / 1000, 3), Math.Round(size * runs / (rekeyMs.Sum() / 1000), 1), Percentile(rekeyMs, 0.5), rekeyMs.Max(), 0, null, null,
                Note: string.Create(CultureInfo.InvariantCulture, $"cancellation keeping {Math.Max(1, size / 2)} Encounters (R58) and deleting {size - Math.Max(1, size / 2)} Appointments: read, re-seal what stays under a new key, delete the rest, destroy the old key, one transaction; throughput in records/s; min {rekeyMs.Min():0.0} ms, max {rekeyMs.Max():0.0} ms")));
        }

        return results;
    }

    private static async Task<List<ScenarioResult>> RetentionAsync(int total, TextWriter log)
    {
        await using var bench = await Bench.CreateAsync();
        var now = DateTimeOffset.UtcNow;
        const int subjects = 1000;
        var perSubject = total / subjects;

        // A million records over 1,000 subjects, created over the last six years: Appointments and Accounts (3 years, no
        // legal floor; each Account carries a mobile number, so a blind-index lookup row), Encounters and Observations
        // (15 years, R58). About half the Appointments and Accounts have expired.
        var clock = Stopwatch.StartNew();
        for (var s = 0; s < subjects; s++)
        {
            var sixth = perSubject / 6;
            await bench.SubjectAsync([("appointment", Appointment, perSubject - (5 * sixth)), ("account", Account, sixth), ("consultation", Encounter, sixth), ("test-results", Observation, 3 * sixth)], now, spreadYears: 6, seed: s);
            if ((s + 1) % 100 == 0)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retention: seeded {(s + 1) * perSubject:N0} records in {clock.Elapsed.TotalSeconds:0} s"));
            }
        }

        var seeded = subjects * perSubject;
        var lookups = await CountAsync(bench.Directory, "SELECT count(*) FROM lookups");
        var bytes = new FileInfo(Path.Combine(bench.Directory, CordonStores.SqliteFileName)).Length;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retention: {seeded:N0} records seeded in {clock.Elapsed.TotalSeconds:0.0} s ({seeded / clock.Elapsed.TotalSeconds:N0} records/s), database {bytes / (1 << 20)} MiB, {lookups:N0} lookup rows"));

        // One instant for the three runs, so that nothing crosses its expiry between them.
        var at = DateTimeOffset.UtcNow;
        var dry = await RetentionEngine.RunAsync(bench.Operation(at), dryRun: true, null, CancellationToken.None);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retention dry run: {dry.Expired:N0} expired in {dry.Seconds:0.00} s"));
        var real = await RetentionEngine.RunAsync(bench.Operation(at), dryRun: false, null, CancellationToken.None);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retention run: {real.Deleted:N0} deleted in {real.Seconds:0.00} s"));
        var again = await RetentionEngine.RunAsync(bench.Operation(at), dryRun: false, null, CancellationToken.None);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retention run again (nothing left to delete): {again.Seconds:0.00} s"));
        if (real.Deleted != dry.Expired || again.Deleted != 0)
        {
            throw new InvalidOperationException("the run did not delete what the dry run listed");
        }

        return
        [
            new ScenarioResult("retention-dry-run-1m", seeded, Math.Round(dry.Seconds, 3), Math.Round(seeded / dry.Seconds, 1), null, null, 0, null, null,
                Note: string.Create(CultureInfo.InvariantCulture, $"{seeded:N0} records ({subjects} subjects), {dry.Expired:N0} expired (Appointments and Accounts older than 3 years); throughput = records in the store per second of the run")),
            new ScenarioResult("retention-run-1m", real.Deleted, Math.Round(real.Seconds, 3), Math.Round(real.Deleted / real.Seconds, 1), null, null, 0, null, null,
                Note: string.Create(CultureInfo.InvariantCulture, $"{seeded:N0} records in the store, {real.Expired:N0} expired and deleted (throughput = deletions/s; {seeded / real.Seconds:N0} store records/s), 2,000 per transaction with one audit entry per subject and batch")),
            new ScenarioResult("retention-run-1m-again", seeded - real.Deleted, Math.Round(again.Seconds, 3), Math.Round((seeded - real.Deleted) / again.Seconds, 1), null, null, 0, null, null,
                Note: "the same run once more with nothing expired: the cost of a run that finds nothing"),
        ];
    }

    private static async Task<long> CountAsync(string directory, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, CordonStores.SqliteFileName)};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(p * sorted.Count) - 1;
        return Math.Round(sorted[Math.Clamp(index, 0, sorted.Count - 1)], 3);
    }

    /// <summary>A fresh SQLite data directory with the built-in profile, opened once.</summary>
    private sealed class Bench : IAsyncDisposable
    {
        private Bench(string directory, ICordonStore store, TenantContext tenant)
        {
            Directory = directory;
            Store = store;
            Tenant = tenant;
        }

        public string Directory { get; }

        public ICordonStore Store { get; }

        public TenantContext Tenant { get; }

        public static async Task<Bench> CreateAsync()
        {
            var directory = System.IO.Directory.CreateTempSubdirectory("cordon-rights-bench-").FullName;
            await DataDirectory.InitializeAsync(directory, null, "default", BuiltInProfiles.Load(), DateTimeOffset.UtcNow, CancellationToken.None);
            var store = await CordonStores.OpenAsync(directory, null, CancellationToken.None);
            var registry = new TenantRegistry(KeyFile.Open(KeyFile.PathIn(directory)));
            await registry.LoadAsync(store, CancellationToken.None);
            return new Bench(directory, store, registry.Find("default")!);
        }

        public Operation Operation(DateTimeOffset? at = null) => new(Tenant, Store, at ?? DateTimeOffset.UtcNow, "bench", "admin");

        /// <summary>A subject with <c>count</c> records of each (purpose, JSON); created now, or spread over the past years.</summary>
        public async Task<string> SubjectAsync(IReadOnlyList<(string Purpose, string Json, int Count)> records, DateTimeOffset now, int spreadYears = 0, int seed = 0)
        {
            var op = Operation();
            var id = SubjectVault.NewId("sub");
            var (row, key, lookup) = SubjectVault.Create(Tenant, id, new SubjectProfile("ext-" + id, new DateOnly(1975, 3, 1), null), null, now);
            if (await Store.CreateSubjectAsync(row, key, [lookup], op.Audit("subject.create", AuditOutcome.Done, id), CancellationToken.None) != WriteStatus.Done)
            {
                throw new InvalidOperationException("subject not created");
            }

            using var subject = (await SubjectVault.OpenAsync(Tenant, Store, id, CancellationToken.None))!;
            var random = new Random(seed);
            var batch = new List<(RecordRow, IReadOnlyList<LookupRow>)>(10_000);
            foreach (var (purpose, json, count) in records)
            {
                Tenant.Policy.TryGetPurpose(purpose, out var index);
                var prepared = RecordWriter.Prepare(Tenant, index, Encoding.UTF8.GetBytes(json), DateOnly.FromDateTime(DateTime.UtcNow));
                if (prepared.Failed)
                {
                    throw new InvalidOperationException(prepared.Failure.Detail);
                }

                for (var i = 0; i < count; i++)
                {
                    var created = spreadYears == 0 ? now : now.AddMinutes(-random.Next(spreadYears * 525_960));
                    batch.Add(RecordWriter.Seal(Tenant, subject, prepared.Value!, SubjectVault.NewId("rec"), 1, purpose, created, now));
                    if (batch.Count == 10_000)
                    {
                        await FlushAsync(op, id, batch);
                    }
                }
            }

            await FlushAsync(op, id, batch);
            return id;
        }

        private async Task FlushAsync(Operation op, string subject, List<(RecordRow, IReadOnlyList<LookupRow>)> batch)
        {
            if (batch.Count == 0)
            {
                return;
            }

            await Store.PutRecordsAsync([.. batch], [op.Audit("record.create", AuditOutcome.Done, subject, [.. batch.Select(b => b.Item1.Id)])], CancellationToken.None);
            batch.Clear();
        }

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            SqliteConnection.ClearAllPools();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>Counts what an export writes, and drops it.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            _length += count;
            return Task.CompletedTask;
        }
    }
}
