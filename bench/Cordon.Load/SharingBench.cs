using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cordon.Core.Audit;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;
using Cordon.Core.Sharing;
using Cordon.Core.Subjects;
using Cordon.Server.Records;
using Cordon.Server.Rights;
using Cordon.Server.Sharing;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cordon.Load;

/// <summary>
/// The egress gate's figures: the decision in process (plan, subject check, cross-border check) against the access
/// decision, as latency percentiles; the cross-border mechanism check with a million individuals already counted on
/// SQLite against counting them from scratch; and a cohort disclosure to a local HTTPS receiver against an audited read
/// of the same records in process, in records per second.
/// </summary>
internal static class SharingBench
{
    private const string Partner = "bench-lab";

    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(int decisions, int counted, int cohort, TextWriter log)
    {
        var results = new List<ScenarioResult>();
        results.AddRange(Decision(decisions, log));
        results.AddRange(await CrossBorderAsync(counted, log));
        results.AddRange(await CohortAsync(cohort, log));
        return results;
    }

    private static Profile BenchProfile(string endpoint, string pin)
    {
        var text = BuiltInProfiles.Text(BuiltInProfiles.Default);
        var entry = $$"""
              {{Partner}}:
                name: "合作检验机构 / Partner laboratory"
                kind: controller
                jurisdiction: CN
                contact: "lab@example.cn"
                receives: "姓名、诊断 / Name and diagnoses"
                endpoint: "{{endpoint}}"
                tlsPin: "{{pin}}"
                fields:
                  Patient: [id, name.text, gender, birthDate]
                  Condition: ["*"]

            """;
        text = text.Replace("\nretention:\n  - { type: Communication", "\n" + entry + "retention:\n  - { type: Communication", StringComparison.Ordinal);
        text = text.Replace("    service: consultation\n", $"    service: consultation\n    recipients: [{Partner}]\n", StringComparison.Ordinal);
        var loaded = ProfileLoader.Load(text, "bench.yaml");
        return loaded.Profile ?? throw new InvalidOperationException(string.Join("; ", loaded.Errors));
    }

    private static IEnumerable<ScenarioResult> Decision(int iterations, TextWriter log)
    {
        var profile = BenchProfile("https://lab.example.cn/in", Convert.ToBase64String(new byte[32]));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var recipient = profile.Recipients.Single(r => r.Key == Partner);
        var standing = new RecipientStanding(recipient, new RecipientContract("HT-1", today.AddDays(-30), today.AddDays(-30), today.AddDays(300), ["consultation"], "约定目的", false, "delete"), null, null);
        var assessments = new List<ImpactAssessment>
        {
            new("pia_0", "其他", ["entrusting"], [], ["sms-gateway"], ["r"], ["m"], "王敏", today.AddDays(-9)),
            new("pia_1", "共享", ["sharing"], ["consultation"], [Partner], ["r"], ["m"], "王敏", today.AddDays(-1)),
        };
        var purpose = profile.FindPurpose("consultation")!;
        var thresholds = CrossBorderThresholds.Default;
        var counts = new CrossBorderCounts(today.Year, 42_000, 0, false);
        var policy = new AccessPolicy(profile);
        policy.TryGetPurpose("consultation", out var purposeIndex);
        policy.TryGetType("Condition", out var typeIndex);
        var request = new AccessRequest { Role = Cordon.Core.Access.Role.App, Purpose = purposeIndex, RecordType = typeIndex, Action = AccessAction.Read, Level = Level.L4, SubjectState = SubjectState.Active, Link = SubjectLink.None, Consent = ConsentStatus.Granted, Care = CareRelation.None };

        bool Gate()
        {
            var plan = SharingPolicy.Plan(profile, standing, purpose, [], assessments, today);
            return !plan.Failed
                && SharingPolicy.CheckSubject(plan.Value, SubjectState.Active, ConsentStatus.Granted, false) is null
                && SharingPolicy.CheckTransfer(counts, thresholds, null, today) is null;
        }

        bool Access() => policy.Decide(request).IsPermitted;

        if (!Gate() || !Access())
        {
            throw new InvalidOperationException("the bench decisions do not permit");
        }

        var baseline = Percentiles(Access, iterations);
        var gate = Percentiles(Gate, iterations);
        log.WriteLine($"sharing: gate decision p50 {gate.P50 * 1000:F1} µs p99 {gate.P99 * 1000:F1} µs; access decision p50 {baseline.P50 * 1000:F2} µs p99 {baseline.P99 * 1000:F2} µs");
        return
        [
            new ScenarioResult("access-decision", iterations, baseline.Seconds, iterations / baseline.Seconds, baseline.P50, baseline.P99, 0, null, null, Note: "AccessPolicy.Decide, one permit of Condition under consultation"),
            new ScenarioResult("gate-decision", iterations, gate.Seconds, iterations / gate.Seconds, gate.P50, gate.P99, 0, "access-decision", gate.P99 / baseline.P99, Note: "SharingPolicy.Plan + CheckSubject + CheckTransfer: recipient, fields, contract, assessment, localisation, genetic data, consent, cross-border mechanism; ratio of p99"),
        ];
    }

    internal static (double P50, double P99, double Seconds) Percentiles(Func<bool> work, int iterations)
    {
        for (var i = 0; i < Math.Min(iterations, 50_000); i++)
        {
            work();
        }

        var samples = new long[iterations];
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < iterations; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            work();
            samples[i] = Stopwatch.GetTimestamp() - t0;
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Array.Sort(samples);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        return (Ms(samples[iterations / 2]), Ms(samples[(int)(iterations * 0.99)]), seconds);
    }

    private static async Task<IReadOnlyList<ScenarioResult>> CrossBorderAsync(int counted, TextWriter log)
    {
        var directory = Directory.CreateTempSubdirectory("cordon-crossborder-bench-").FullName;
        try
        {
            await (await CordonStores.OpenAsync(directory, null, CancellationToken.None)).DisposeAsync();
            var file = Path.Combine(directory, CordonStores.SqliteFileName);
            var year = DateTime.UtcNow.Year;
            var clock = Stopwatch.StartNew();
            using (var connection = new SqliteConnection($"Data Source={file}"))
            {
                connection.Open();
                using var tx = connection.BeginTransaction();
                using var insert = connection.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = "INSERT INTO crossborder_subjects (tenant, year, sensitive, subject) VALUES ('t', $year, 0, $subject)";
                insert.Parameters.AddWithValue("$year", year);
                var subject = insert.Parameters.Add("$subject", SqliteType.Text);
                insert.Prepare();
                for (var i = 0; i < counted; i++)
                {
                    subject.Value = $"sub_{i:D16}";
                    insert.ExecuteNonQuery();
                }

                using var total = connection.CreateCommand();
                total.Transaction = tx;
                total.CommandText = $"INSERT INTO crossborder_counts (tenant, year, non_sensitive, sensitive, important) VALUES ('t', {year}, {counted}, 0, 0)";
                total.ExecuteNonQuery();
                tx.Commit();
            }

            log.WriteLine($"sharing: seeded {counted:N0} individuals counted abroad in {clock.Elapsed.TotalSeconds:F1} s");
            await using var store = await CordonStores.OpenAsync(directory, null, CancellationToken.None);
            var thresholds = CrossBorderThresholds.Default;
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var held = new TransferBasis(TransferBasis.SecurityAssessment, "SA-1", today.AddDays(-30), today.AddYears(2));
            var random = new Random(7);
            const int checks = 2_000;
            var samples = new double[checks];
            for (var i = -200; i < checks; i++)
            {
                // Half already counted, half new: one probe of the index per subject, one row of totals.
                var who = random.Next(2) == 0 ? $"sub_{random.Next(counted):D16}" : $"new_{i}";
                var t0 = Stopwatch.GetTimestamp();
                var counts = await store.GetCrossBorderCountsAsync("t", year, CancellationToken.None);
                var added = await store.CountUncountedAsync("t", year, false, [who], CancellationToken.None);
                var refusal = SharingPolicy.CheckTransfer(counts with { NonSensitive = counts.NonSensitive + added }, thresholds, held, today);
                if (refusal is not null)
                {
                    throw new InvalidOperationException("the bench transfer was refused");
                }

                if (i >= 0)
                {
                    samples[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }
            }

            Array.Sort(samples);
            var scratch = new List<double>();
            for (var run = 0; run < 4; run++)
            {
                clock.Restart();
                using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly");
                connection.Open();
                using var count = connection.CreateCommand();
                count.CommandText = $"SELECT COUNT(DISTINCT subject) FROM crossborder_subjects WHERE tenant = 't' AND year = {year} AND sensitive = 0";
                _ = count.ExecuteScalar();
                if (run > 0)
                {
                    scratch.Add(clock.Elapsed.TotalMilliseconds);
                }
            }

            var scratchMs = scratch.Order().ElementAt(scratch.Count / 2);
            var p50 = samples[checks / 2];
            var p99 = samples[(int)(checks * 0.99)];
            log.WriteLine($"sharing: mechanism check with {counted:N0} counted: p50 {p50:F3} ms p99 {p99:F3} ms; counting from scratch {scratchMs:F0} ms");
            return
            [
                new ScenarioResult("crossborder-count-from-scratch", 1, scratchMs / 1000, 1000 / scratchMs, scratchMs, scratchMs, 0, null, null, Note: $"SELECT COUNT(DISTINCT subject) over {counted:N0} individuals"),
                new ScenarioResult("crossborder-check", checks, samples.Sum() / 1000, checks / (samples.Sum() / 1000), p50, p99, 0, "crossborder-count-from-scratch", p99 / scratchMs, Note: "the year's totals (one row) and one index probe for the disclosure's subject, then the mechanism rule; ratio of p99 to one count from scratch"),
            ];
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<IReadOnlyList<ScenarioResult>> CohortAsync(int cohort, TextWriter log)
    {
        using var certificateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=receiver.bench", certificateKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var certificate = X509CertificateLoader.LoadPkcs12(generated.Export(X509ContentType.Pkcs12), null);
        var pin = Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
        long receivedBytes = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate));
        });
        await using var receiver = builder.Build();
        receiver.MapPost("/inbox", async (HttpRequest http) =>
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await http.Body.ReadAsync(buffer)) > 0)
            {
                Interlocked.Add(ref receivedBytes, read);
            }

            return Results.Accepted();
        });
        await receiver.StartAsync();
        var port = new Uri(receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        var directory = Directory.CreateTempSubdirectory("cordon-cohort-bench-").FullName;
        try
        {
            var now = DateTimeOffset.UtcNow;
            await DataDirectory.InitializeAsync(directory, null, "default", BenchProfile($"https://127.0.0.1:{port}/inbox", pin), now, CancellationToken.None);
            await using var store = await CordonStores.OpenAsync(directory, null, CancellationToken.None);
            var registry = new TenantRegistry(KeyFile.Open(KeyFile.PathIn(directory)));
            await registry.LoadAsync(store, CancellationToken.None);
            var tenant = registry.Find("default")!;
            var op = new Operation(tenant, store, now, "bench", "dpo");
            var clock = Stopwatch.StartNew();
            var subjects = new string[cohort];
            var writes = new List<Task>();
            for (var i = 0; i < cohort; i++)
            {
                subjects[i] = SubjectVault.NewId("sub");
                writes.Add(SeedAsync(tenant, store, subjects[i], i, now));
                if (writes.Count == 128)
                {
                    await Task.WhenAll(writes);
                    writes.Clear();
                }
            }

            await Task.WhenAll(writes);
            log.WriteLine($"sharing: {cohort:N0} subjects with a Patient, a Condition and consent to {Partner} in {clock.Elapsed.TotalSeconds:F1} s");
            await RecipientRegister.PutContractAsync(op, Partner, new ContractRequest("HT-bench", DateOnly.FromDateTime(now.UtcDateTime).AddDays(-10), DateOnly.FromDateTime(now.UtcDateTime).AddDays(-10), DateOnly.FromDateTime(now.UtcDateTime).AddDays(300), ["consultation"], "约定目的", false, "delete"), CancellationToken.None);
            await Assessments.RecordAsync(op, new AssessmentRequest("bench", ["sharing"], ["r"], ["m"], "王敏", DateOnly.FromDateTime(now.UtcDateTime.AddHours(8)).AddDays(-1)), CancellationToken.None);

            // Baseline: an audited read of the same records in process, subject by subject (open, list, project, audit).
            var purpose = tenant.Profile.FindPurpose("consultation")!;
            tenant.Policy.TryGetPurpose("consultation", out var purposeIndex);
            var plans = new Dictionary<string, ProjectionPlan>(StringComparer.Ordinal);
            foreach (var type in new[] { "Patient", "Condition" })
            {
                tenant.Catalog.TryGetType(type, out var compiled);
                plans[type] = compiled!.CreatePlan(purpose.Read[type], new Dictionary<string, MaskSpec>());
            }

            clock.Restart();
            long read = 0;
            // 16 subjects in flight, as concurrent readers over HTTP would be, so that the audit entries share commits.
            await Parallel.ForEachAsync(subjects, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, cancellationToken) =>
            {
                using var subject = (await SubjectVault.OpenAsync(tenant, store, id, cancellationToken))!;
                _ = await store.GetLatestConsentAsync(tenant.Id, id, purpose.Key, Partner, cancellationToken);
                var rows = await store.ListRecordsAsync(tenant.Id, id, null, cancellationToken);
                foreach (var row in rows)
                {
                    _ = RecordProjector.Project(RecordWriter.Open(tenant, subject, row), plans[row.Type]);
                }

                Interlocked.Add(ref read, rows.Count);
                await store.AppendAsync(op.Audit("record.read", AuditOutcome.Permit, id, [.. rows.Select(r => r.Id)], purpose: purpose.Key), cancellationToken);
            });

            var readSeconds = clock.Elapsed.TotalSeconds;
            log.WriteLine($"sharing: audited read of {read:N0} records of {cohort:N0} subjects in {readSeconds:F2} s = {read / readSeconds:F0} records/s");

            clock.Restart();
            var disclosed = await DisclosureGate.DiscloseAsync(op, purpose, new DisclosureRequest(Partner, subjects), new RecipientDelivery(allowInsecureTargets: true), CancellationToken.None);
            var seconds = clock.Elapsed.TotalSeconds;
            if (disclosed.Failed || disclosed.Value.Status != "delivered")
            {
                throw new InvalidOperationException("the cohort disclosure did not go: " + (disclosed.Failure?.Detail ?? disclosed.Value!.Detail));
            }

            var records = disclosed.Value.Records;
            log.WriteLine($"sharing: cohort disclosure of {disclosed.Value.Subjects:N0} subjects, {records:N0} records ({Interlocked.Read(ref receivedBytes) / 1e6:F1} MB over HTTPS) in {seconds:F2} s = {records / seconds:F0} records/s");
            return
            [
                new ScenarioResult("audited-read-in-process", read, readSeconds, read / readSeconds, null, null, 0, null, null, Note: "per subject, 16 in flight: open, consent, list, unseal and project each record, one audit entry (durable)"),
                new ScenarioResult("cohort-disclosure", records, seconds, records / seconds, null, null, 0, "audited-read-in-process", (records / seconds) / (read / readSeconds), Note: $"{cohort:N0} subjects to a local HTTPS receiver (pinned key): gate, consent per subject, unseal, project, record and count with an audit entry per subject, deliver"),
            ];
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task SeedAsync(TenantContext tenant, ICordonStore store, string id, int i, DateTimeOffset now)
    {
        var op = new Operation(tenant, store, now, "bench", "app");
        var (row, key, lookup) = SubjectVault.Create(tenant, id, new SubjectProfile($"bench-{i}", new DateOnly(1980, 1, 1).AddDays(i % 9000), null), null, now);
        await store.CreateSubjectAsync(row, key, [lookup], op.Audit("subject.create", AuditOutcome.Done, id), CancellationToken.None);
        using var subject = (await SubjectVault.OpenAsync(tenant, store, id, CancellationToken.None))!;
        var batch = new List<(RecordRow, IReadOnlyList<LookupRow>)>();
        foreach (var (purpose, json) in new[]
        {
            ("appointment", $$"""{"resourceType":"Patient","name":[{"text":"患者{{i}}"}]}"""),
            ("consultation", """{"resourceType":"Condition","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"E11.9","display":"2型糖尿病"}]},"note":[{"text":"血糖控制欠佳"}]}"""),
        })
        {
            tenant.Policy.TryGetPurpose(purpose, out var index);
            var prepared = RecordWriter.Prepare(tenant, index, Encoding.UTF8.GetBytes(json), DateOnly.FromDateTime(now.UtcDateTime));
            if (prepared.Failed)
            {
                throw new InvalidOperationException(prepared.Failure.Detail);
            }

            batch.Add(RecordWriter.Seal(tenant, subject, prepared.Value, SubjectVault.NewId("rec"), 1, purpose, now, now));
        }

        await store.PutRecordsAsync(batch, [op.Audit("record.create", AuditOutcome.Done, id, [.. batch.Select(b => b.Item1.Id)])], CancellationToken.None);
        var consent = new ConsentEvent
        {
            Id = SubjectVault.NewId("con"),
            Tenant = tenant.Id,
            SubjectId = id,
            Purpose = "consultation",
            Recipient = Partner,
            Action = ConsentAction.Grant,
            GivenBy = ConsentGiver.Self,
            NoticeVersion = tenant.NoticeVersion,
            PurposeFingerprint = tenant.Policy.PurposeFingerprint("consultation")!,
            Channel = "app",
            ActorId = "app",
            Time = now,
        };
        await store.AppendAsync(consent, op.Audit("consent.grant", AuditOutcome.Done, id, [consent.Id], purpose: "consultation"), CancellationToken.None);
    }
}
