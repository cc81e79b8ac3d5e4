using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Identifiers;
using Cordon.Core.Rights;
using Cordon.Server.Audit;
using Cordon.Cli.Demo;
using Cordon.Server.Records;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Server.Tests;

namespace Cordon.Cli.Tests.Demo;

/// <summary>One server with the demo tenant seeded once, shared by the demo tests (they only read).</summary>
public sealed class DemoFixture : IAsyncLifetime
{
    public CordonServer Server { get; private set; } = null!;

    public IReadOnlyList<DemoLogin> Logins { get; private set; } = [];

    public List<string> Progress { get; } = [];

    public TenantContext Tenant => Server.Host.Tenants.Find(DemoTenant.Id)!;

    public async ValueTask InitializeAsync()
    {
        Server = await CordonServer.StartAsync();
        Logins = await DemoTenant.EnsureAsync(Server.Host, Server.Time.GetUtcNow(), new SyncProgress(Progress), CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();

    public DemoLogin Login(string role) => Logins.Single(l => l.Role == role);

    public async Task<int> CountAuditAsync()
    {
        var count = 0;
        await foreach (var _ in Server.Host.Store.ReadChainAsync(DemoTenant.Id, CancellationToken.None))
        {
            count++;
        }

        return count;
    }

    private sealed class SyncProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}

public sealed partial class DemoTenantTests(DemoFixture demo) : IClassFixture<DemoFixture>
{
    private CordonServer Server => demo.Server;

    [Fact]
    public async Task Seeding_again_writes_nothing_and_gives_logins_for_the_same_people()
    {
        var store = Server.Host.Store;
        var subjects = await store.CountSubjectsAsync(DemoTenant.Id, default);
        var audit = await demo.CountAuditAsync();

        var again = await DemoTenant.EnsureAsync(Server.Host, Server.Time.GetUtcNow(), null, CancellationToken.None);

        Assert.Equal(subjects, await store.CountSubjectsAsync(DemoTenant.Id, default));
        Assert.Equal(audit, await demo.CountAuditAsync());
        Assert.Equal(demo.Logins.Select(l => (l.Role, l.Actor, l.Subject)), again.Select(l => (l.Role, l.Actor, l.Subject)));
        Assert.InRange(subjects, 1000, 1100);
    }

    [Fact]
    public void There_is_a_login_for_every_role_and_no_note_carries_an_identifier()
    {
        string[] roles = ["app", "admin", "dpo", "security", "support", "physician", "nurse", "pharmacist", "patient", "guardian", "marketing", "analyst"];
        Assert.Equal(roles.Order(), demo.Logins.Select(l => l.Role).Order());
        foreach (var login in demo.Logins)
        {
            Assert.DoesNotMatch(@"\d{17}[\dX]", login.Note);
            Assert.DoesNotMatch(@"1[3-9]\d{9}", login.Note);
            Assert.StartsWith("eyJ", login.Token, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_seeded_record_opens_and_passes_the_catalog_under_its_purpose()
    {
        var tenant = demo.Tenant;
        var store = Server.Host.Store;
        var today = DateOnly.FromDateTime(Server.Time.GetUtcNow().UtcDateTime.AddHours(8));
        var (staff, patients) = DemoRoster.Build(today);
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        var l5 = 0;
        var children = 0;
        foreach (var externalId in staff.Select(s => s.ExternalId).Concat(patients.Select(p => p.ExternalId)))
        {
            var found = await store.FindSubjectsAsync(DemoTenant.Id, "external-id", tenant.Indexer.Compute("external-id", externalId), default);
            using var subject = await SubjectVault.OpenAsync(tenant, store, Assert.Single(found), default);
            Assert.NotNull(subject);
            Assert.Equal(externalId, subject.Profile.ExternalId);
            if (subject.Row.GuardianId is not null)
            {
                children++;
                Assert.True(subject.AgeOn(today) < 14);
                Assert.NotNull(await store.GetSubjectAsync(DemoTenant.Id, subject.Row.GuardianId, default));
            }
            else
            {
                Assert.True(subject.AgeOn(today) >= 14);
            }

            foreach (var row in await store.ListRecordsAsync(DemoTenant.Id, subject.Id, null, default))
            {
                var json = RecordWriter.Open(tenant, subject, row);
                Assert.True(tenant.Policy.TryGetPurpose(row.Purpose, out var purpose));
                var prepared = RecordWriter.Prepare(tenant, purpose, json, DateOnly.FromDateTime(DateTime.UtcNow));
                Assert.False(prepared.Failed, prepared.Failure?.Detail);
                Assert.Equal((Level)row.Level, prepared.Value!.Classification.Level);
                types[row.Type] = types.GetValueOrDefault(row.Type) + 1;
                l5 += row.Level == (byte)Level.L5 ? 1 : 0;
                using var document = JsonDocument.Parse(json);
                var resource = document.RootElement;
                if (row.Type is "Patient" or "Practitioner")
                {
                    var id = resource.GetProperty("identifier")[0].GetProperty("value").GetString();
                    var parsed = ChineseResidentId.Parse(id);
                    Assert.True(parsed.Success, parsed.Error);
                    Assert.Equal(subject.Profile.BirthDate, parsed.Value.BirthDate);
                }

                if (row.Type == "Account")
                {
                    Assert.True(ChineseMobile.IsValid(resource.GetProperty("mobile").GetString()));
                }
            }
        }

        Assert.InRange(children, 50, 150);
        Assert.True(l5 > 0, "some consultations are L5 (mental health)");
        foreach (var type in new[] { "Patient", "Account", "Practitioner", "Appointment", "Encounter", "Condition", "Communication", "Observation", "DiagnosticReport", "MedicationRequest" })
        {
            Assert.True(types.GetValueOrDefault(type) > 0, $"no {type} records");
        }

        Assert.True(types.Values.Sum() > 8000);
    }

    [Fact]
    public async Task Consents_are_in_the_ledger_bound_to_the_notice_and_children_consent_through_their_guardian()
    {
        var tenant = demo.Tenant;
        var store = Server.Host.Store;
        var today = DateOnly.FromDateTime(Server.Time.GetUtcNow().UtcDateTime.AddHours(8));
        var (_, patients) = DemoRoster.Build(today);
        var withdrawn = 0;
        foreach (var person in patients.Where(p => p.Index % 7 == 0 || p.Child))
        {
            var id = Assert.Single(await store.FindSubjectsAsync(DemoTenant.Id, "external-id", tenant.Indexer.Compute("external-id", person.ExternalId), default));
            var history = await store.GetHistoryAsync(DemoTenant.Id, id, default);
            Assert.Equal(person.Grants.Count + person.Withdrawals.Count, history.Count);
            Assert.All(history, e =>
            {
                Assert.Equal(tenant.NoticeVersion, e.NoticeVersion);
                Assert.Equal(tenant.Policy.PurposeFingerprint(e.Purpose), e.PurposeFingerprint);
                Assert.Equal(person.Child ? ConsentGiver.Guardian : ConsentGiver.Self, e.GivenBy);
            });
            foreach (var purpose in new[] { "appointment", "consultation", "test-results" })
            {
                var status = ConsentLedger.StatusOf(history, purpose, null, tenant.Policy.PurposeFingerprint(purpose)!);
                Assert.Equal(person.Child ? ConsentStatus.GrantedByGuardian : ConsentStatus.Granted, status);
            }

            withdrawn += person.Withdrawals.Count(p => ConsentLedger.StatusOf(history, p, null, tenant.Policy.PurposeFingerprint(p)!) == ConsentStatus.Withdrawn);
        }

        Assert.True(withdrawn > 0);
    }

    [Fact]
    public async Task The_audit_chain_of_the_seed_verifies()
    {
        var result = await AuditVerification.VerifyAsync(demo.Tenant, Server.Host.Store, Server.Host.Witness, CancellationToken.None);
        Assert.True(result.Valid, result.Reason);
        Assert.True(result.Entries > 3_000, $"{result.Entries} entries");

        // Every seeded record is named by a record.write entry (one entry per subject and batch).
        var audited = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var entry in Server.Host.Store.ReadChainAsync(demo.Tenant.Id, CancellationToken.None))
        {
            if (entry.Draft.Action == "record.write")
            {
                audited.UnionWith(entry.Draft.RecordIds);
            }
        }

        var subjects = await Server.Host.Store.CountSubjectsAsync(demo.Tenant.Id, CancellationToken.None);
        Assert.True(subjects >= 1_000);
        foreach (var subject in new[] { demo.Login("patient").Subject!, demo.Login("support").Subject! })
        {
            foreach (var record in await Server.Host.Store.ListRecordsAsync(demo.Tenant.Id, subject, null, CancellationToken.None))
            {
                Assert.Contains(record.Id, audited);
            }
        }
    }

    [Fact]
    public async Task The_support_token_sees_the_ID_number_and_name_masked()
    {
        var login = demo.Login("support");
        var (response, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{login.Subject}/records?type=Patient", login.Token, "appointment");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patient = body!["records"]![0]!["resource"]!;
        Assert.Matches(MaskedIdNumber(), patient["identifier"]![0]!["value"]!.GetValue<string>());
        Assert.Matches("^.\\*+$", patient["name"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_clinician_tokens_read_their_patient_within_the_care_team()
    {
        var physician = demo.Login("physician");
        var (consultation, records) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{physician.Subject}/records", physician.Token, "consultation");
        Assert.Equal(HttpStatusCode.OK, consultation.StatusCode);
        Assert.Contains(records!["records"]!.AsArray(), r => r!["type"]!.GetValue<string>() == "Condition");

        var nurse = demo.Login("nurse");
        var (results, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{nurse.Subject}/records", nurse.Token, "test-results");
        Assert.Equal(HttpStatusCode.OK, results.StatusCode);

        var pharmacist = demo.Login("pharmacist");
        var (prescriptions, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{pharmacist.Subject}/records?type=MedicationRequest", pharmacist.Token, "prescription");
        Assert.Equal(HttpStatusCode.OK, prescriptions.StatusCode);
        Assert.NotEmpty(body!["records"]!.AsArray());

        // The same physician has no care relationship with the guardian's child.
        var (outside, problem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{demo.Login("guardian").Subject}/records", physician.Token, "consultation");
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Equal("access.no-care-relationship", problem!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_patient_guardian_marketing_and_analyst_tokens_work_as_their_notes_say()
    {
        var patient = demo.Login("patient");
        var (own, consents) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{patient.Subject}/consents", patient.Token);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains(consents!["current"]!.AsArray(), c => c!["purpose"]!.GetValue<string>() == "consultation" && c["state"]!.GetValue<string>() == "granted");

        var guardian = demo.Login("guardian");
        var (ward, records) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{guardian.Subject}/records", guardian.Token, "appointment");
        Assert.Equal(HttpStatusCode.OK, ward.StatusCode);
        Assert.NotEmpty(records!["records"]!.AsArray());

        var marketing = demo.Login("marketing");
        var (account, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{marketing.Subject}/records?type=Account", marketing.Token, "marketing.push");
        Assert.Equal(HttpStatusCode.OK, account.StatusCode);
        Assert.Matches(@"^1[3-9]\d\*{4}\d{4}$", body!["records"]![0]!["resource"]!["mobile"]!.GetValue<string>());

        var analyst = demo.Login("analyst");
        var (research, _) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{analyst.Subject}/records?type=Condition", analyst.Token, "research.deidentified");
        Assert.Equal(HttpStatusCode.OK, research.StatusCode);

        var security = demo.Login("security");
        var (verify, result) = await Server.SendAsync(HttpMethod.Get, "/v1/audit/verify", security.Token);
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        Assert.True(result!["valid"]!.GetValue<bool>());
    }

    [Fact]
    public void The_seed_reports_its_progress_without_patient_data()
    {
        Assert.Contains(demo.Progress, line => line.Contains("records sealed and stored", StringComparison.Ordinal));
        Assert.All(demo.Progress, line => Assert.DoesNotMatch(@"\d{17}[\dX]|1[3-9]\d{9}", line));
    }

    [Fact]
    public async Task The_rights_queue_holds_open_and_late_requests_received_through_the_workflow()
    {
        var dpo = demo.Login("dpo");
        var (response, body) = await Server.SendAsync(HttpMethod.Get, "/v1/rights-requests?status=open", dpo.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var open = body!["requests"]!.AsArray().Select(r => r!).ToList();
        var today = DateOnly.FromDateTime(Server.Time.GetUtcNow().UtcDateTime.AddHours(8));

        // Due dates are the workflow's: 15 working days from the day received (Beijing), lateness by the server's clock.
        Assert.All(open, r =>
        {
            var received = DateOnly.FromDateTime(r["createdAt"]!.GetValue<DateTimeOffset>().UtcDateTime.AddHours(8));
            var due = DateOnly.Parse(r["dueOn"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(WorkingCalendar.ChinaDefault.AddWorkingDays(received, 15), due);
            Assert.Equal(today > due, r["late"]!.GetValue<bool>());
            Assert.Equal(WorkingCalendar.ChinaDefault.WorkingDaysBetween(today, due), r["workingDaysLeft"]!.GetValue<int>());
        });
        Assert.Contains(open, r => r["late"]!.GetValue<bool>() && r["kind"]!.GetValue<string>() == "correction");
        Assert.Contains(open, r => !r["late"]!.GetValue<bool>() && r["workingDaysLeft"]!.GetValue<int>() > 0);
        Assert.Contains(open, r => r["relation"]!.GetValue<string>() == "close-relative" && r["proofReference"] is not null);

        var (_, late) = await Server.SendAsync(HttpMethod.Get, "/v1/rights-requests?late=true", dpo.Token);
        Assert.NotEmpty(late!["requests"]!.AsArray());
        var (_, completed) = await Server.SendAsync(HttpMethod.Get, "/v1/rights-requests?status=completed", dpo.Token);
        Assert.NotEmpty(completed!["requests"]!.AsArray());
        Assert.Contains(demo.Progress, line => line.Contains("rights queue", StringComparison.Ordinal) && line.Contains("late", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\d{6}\*{8}\d{3}[\dX]$")]
    private static partial Regex MaskedIdNumber();
}
