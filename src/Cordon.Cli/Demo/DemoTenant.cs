using System.Diagnostics;
using System.Globalization;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Server.Decisions;
using Cordon.Core.Subjects;
using Cordon.Server.Audit;
using Cordon.Server.Auth;
using Cordon.Server.Hosting;
using Cordon.Server.Records;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Cli.Demo;

/// <summary>A ready-made login of the demo tenant: a bearer token for one role and what it can show.</summary>
public sealed record DemoLogin(string Role, string Actor, string Token, string Note)
{
    /// <summary>The subject the login is shown with: the patient itself, the clinician's patient, the guardian's ward.</summary>
    public string? Subject { get; init; }
}

/// <summary>
/// The demo tenant: the built-in internet-hospital profile with about 1,000 synthetic Chinese patients, seeded once
/// through the same domain code the API uses — subjects sealed under their own keys, consents in the ledger with the
/// purposes' fingerprints and the current notice version, care teams, and records classified, minimised, decided and
/// sealed by <see cref="RecordWriter"/>, every change with its audit entry.
/// </summary>
public static class DemoTenant
{
    public const string Id = "demo";

    /// <summary>How long the printed tokens live.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(12);

    internal const string Seeder = "cordon-demo";
    private const int RecordBatch = 512;
    private const int WriteWindow = 256;

    /// <summary>
    /// Provisions the demo tenant (or publishes a changed built-in profile to it), seeds it when it has no subjects
    /// yet, and returns a token per role. A second run seeds nothing and returns fresh tokens for the same people.
    /// </summary>
    public static async Task<IReadOnlyList<DemoLogin>> EnsureAsync(CordonHost host, DateTimeOffset now, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var store = host.Store;
        var profile = BuiltInProfiles.Load();
        var tenant = host.Tenants.Find(Id);
        var row = await store.GetTenantAsync(Id, cancellationToken);
        if (tenant is null || row is null || row.ProfileYaml != profile.SourceText)
        {
            progress?.Report(row is null ? $"demo: creating tenant '{Id}' from the built-in {BuiltInProfiles.Default} profile" : $"demo: publishing the built-in profile to tenant '{Id}'");
            tenant = await host.Tenants.ProvisionAsync(store, Id, profile, now, Seeder, cancellationToken);
        }

        var today = DateOnly.FromDateTime(now.UtcDateTime.AddHours(8));
        var (staff, patients) = DemoRoster.Build(today);
        if (await store.CountSubjectsAsync(Id, cancellationToken) == 0)
        {
            var drafts = await SeedAsync(tenant, store, staff, patients, now, progress, cancellationToken);
            var queue = await DemoRights.SeedAsync(host, tenant, patients, now, cancellationToken);
            var recipients = await DemoSharing.SeedAsync(tenant, store, now, cancellationToken);
            var (practitioners, keys) = await DemoPractitioners.SeedAsync(tenant, store, staff, now, cancellationToken);
            progress?.Report($"demo: {practitioners} practitioners registered, all eligible but {DemoPractitioners.Junior} (two years of independent practice, R53)");
            var states = await DemoPrescriptions.SeedAsync(tenant, store, staff, drafts, keys, now, cancellationToken);
            progress?.Report($"demo: {drafts.Count} prescriptions through their lifecycle ({string.Join(", ", states.Select(s => $"{s.Value} {s.Key}"))}; R54)");
            progress?.Report($"demo: contracts and impact assessments recorded for {recipients} recipients");
            progress?.Report($"demo: rights queue: {queue.Open} open ({queue.Late} late, {queue.AwaitingProof} waiting for a relative's proof to be verified), {queue.Completed} completed");
        }
        else
        {
            progress?.Report($"demo: tenant '{Id}' is already seeded ({await store.CountSubjectsAsync(Id, cancellationToken)} subjects); nothing written");
        }

        return await LoginsAsync(tenant, store, staff, patients, now, cancellationToken);
    }

    private static async Task<IReadOnlyList<DemoDraft>> SeedAsync(TenantContext tenant, ICordonStore store, IReadOnlyList<DemoStaff> staff, IReadOnlyList<DemoPerson> patients, DateTimeOffset now, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var drafts = new List<DemoDraft>();
        var clock = Stopwatch.StartNew();
        var staffIds = new string[staff.Count];
        var patientIds = new string[patients.Count];

        // Subjects: staff and adults first, then children with their guardians' ids.
        var pending = new List<Task<WriteStatus>>(WriteWindow);
        async Task FlushAsync()
        {
            foreach (var status in await Task.WhenAll(pending))
            {
                if (status != WriteStatus.Done)
                {
                    throw new InvalidOperationException($"The demo seed could not create a subject ({status}); is the demo tenant half-seeded by another process?");
                }
            }

            pending.Clear();
        }

        void Create(string externalId, DateOnly birthDate, string displayName, string? guardianId, out string id)
        {
            id = SubjectVault.NewId("sub");
            var (subjectRow, key, lookup) = SubjectVault.Create(tenant, id, new SubjectProfile(externalId, birthDate, displayName), guardianId, now);
            pending.Add(store.CreateSubjectAsync(subjectRow, key, [lookup], Audit(tenant, now, "subject.create", subject: id), cancellationToken));
        }

        foreach (var member in staff)
        {
            Create(member.ExternalId, member.BirthDate, member.Name, null, out staffIds[member.Index]);
        }

        foreach (var person in patients.Where(p => !p.Child))
        {
            Create(person.ExternalId, person.BirthDate, person.Name, null, out patientIds[person.Index]);
            if (pending.Count >= WriteWindow)
            {
                await FlushAsync();
            }
        }

        await FlushAsync();
        foreach (var person in patients.Where(p => p.Child))
        {
            Create(person.ExternalId, person.BirthDate, person.Name, patientIds[person.Guardian!.Value], out patientIds[person.Index]);
        }

        await FlushAsync();
        progress?.Report($"demo: {staff.Count + patients.Count} subjects ({patients.Count} patients, {patients.Count(p => p.Child)} of them children with a guardian, {staff.Count} clinicians)");

        // Consents, one purpose per event, bound to the current notice and each purpose's fingerprint.
        var consentWrites = new List<Task>(WriteWindow);
        var consentEvents = 0;
        foreach (var person in patients)
        {
            var subjectId = patientIds[person.Index];
            var giver = person.Child ? ConsentGiver.Guardian : ConsentGiver.Self;
            foreach (var purpose in person.Grants)
            {
                consentWrites.Add(AppendConsentAsync(tenant, store, subjectId, purpose, ConsentAction.Grant, giver, now, cancellationToken));
            }

            foreach (var purpose in person.Withdrawals)
            {
                consentWrites.Add(AppendConsentAsync(tenant, store, subjectId, purpose, ConsentAction.Withdraw, giver, now, cancellationToken));
            }

            consentEvents += person.Grants.Count + person.Withdrawals.Count;
            if (consentWrites.Count >= WriteWindow)
            {
                await Task.WhenAll(consentWrites);
                consentWrites.Clear();
            }
        }

        // Care teams: the treating physician, and for some a nurse and a pharmacist, for the next 90 days.
        var careMembers = 0;
        foreach (var person in patients)
        {
            foreach (var index in new[] { person.Physician, person.Nurse, person.Pharmacist })
            {
                if (index < 0)
                {
                    continue;
                }

                var member = staff[index];
                var careRow = new CareTeamRow(tenant.Id, patientIds[person.Index], member.Actor, member.Role.ToKey(), now.AddDays(90), now, Seeder);
                consentWrites.Add(store.PutCareTeamMemberAsync(careRow, Audit(tenant, now, "care-team.add", subject: careRow.SubjectId, records: [member.Actor]), cancellationToken));
                careMembers++;
            }

            if (consentWrites.Count >= WriteWindow)
            {
                await Task.WhenAll(consentWrites);
                consentWrites.Clear();
            }
        }

        await Task.WhenAll(consentWrites);
        progress?.Report($"demo: {consentEvents} consent events ({patients.Sum(p => p.Withdrawals.Count)} withdrawals), {careMembers} care-team memberships");

        // Records: classified, minimised, decided and sealed as the API does; stored in batches with their audit entries.
        var random = new Random(DemoRoster.Seed + 1);
        var batch = new List<(RecordRow Record, IReadOnlyList<LookupRow> Lookups, AuditDraft Audit)>(RecordBatch);
        Task? inFlight = null;
        var written = 0;
        async Task SubmitAsync()
        {
            if (inFlight is not null)
            {
                await inFlight;
            }

            inFlight = batch.Count == 0 ? null : BulkWrite.PutAsync(store, [.. batch], cancellationToken);
            batch.Clear();
        }

        foreach (var member in staff)
        {
            written += await SealAsync(tenant, store, staffIds[member.Index], [DemoRecords.Practitioner(member)], batch, null, now, cancellationToken);
        }

        foreach (var person in patients)
        {
            var guardian = person.Guardian is { } g ? patients[g] : null;
            var records = DemoRecords.For(person, staff, guardian, now, random);
            var before = drafts.Count;
            written += await SealAsync(tenant, store, patientIds[person.Index], records, batch, drafts, now, cancellationToken);
            for (var k = before; k < drafts.Count; k++)
            {
                drafts[k] = drafts[k] with { Person = person };
            }

            if (batch.Count >= RecordBatch)
            {
                await SubmitAsync();
            }
        }

        await SubmitAsync();
        await SubmitAsync();
        progress?.Report($"demo: {written} records sealed and stored; seeded in {clock.Elapsed.TotalSeconds:0.0} s");
        return drafts;
    }

    private static async Task<int> SealAsync(TenantContext tenant, ICordonStore store, string subjectId, IReadOnlyList<DemoRecord> records, List<(RecordRow, IReadOnlyList<LookupRow>, AuditDraft)> batch, List<DemoDraft>? drafts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var subject = await SubjectVault.OpenAsync(tenant, store, subjectId, cancellationToken)
            ?? throw new InvalidOperationException("A demo subject just created could not be opened.");
        var policy = tenant.Policy;
        var audit = SeederAudit(tenant, now);
        IReadOnlyList<ConsentEvent>? consents = null;
        foreach (var record in records)
        {
            if (!policy.TryGetPurpose(record.Purpose, out var purpose))
            {
                throw new InvalidOperationException($"The built-in profile has no purpose '{record.Purpose}'.");
            }

            var prepared = RecordWriter.Prepare(tenant, purpose, record.Json, DateOnly.FromDateTime(now.UtcDateTime.AddHours(8)));
            if (prepared.Failed)
            {
                var problem = prepared.Failure;
                var paths = problem.Errors is null ? string.Empty : ": " + string.Join(", ", problem.Errors.Keys);
                throw new InvalidOperationException($"A demo record was refused by the catalog ({problem.Code}{paths}); the demo data and the built-in profile disagree.");
            }

            // Admitted as every writer admits a record: the consents the demo recorded decide, as over the API.
            var history = SubjectFacts.ConsentPurposeToLoad(policy, purpose) is null ? [] : consents ??= await store.GetHistoryAsync(tenant.Id, subjectId, cancellationToken);
            var admission = RecordAdmission.Admit(tenant, audit, SeederActor(tenant), SubjectFacts.FromHistory(subject, purpose, history, []), purpose, prepared.Value, "record.write");
            if (!admission.Admitted)
            {
                throw new InvalidOperationException($"The policy refuses a demo record ({admission.Refusal!.Code}); the demo data and the built-in profile disagree.");
            }

            if (record.Prescription && drafts is not null)
            {
                drafts.Add(new DemoDraft(admission.Row, admission.Lookups, admission.Audit));
            }
            else
            {
                batch.Add((admission.Row, admission.Lookups, admission.Audit));
            }
        }

        return records.Count;
    }

    private static Actor SeederActor(TenantContext tenant) => new(tenant.Id, Seeder, Role.App, null, false);

    private static Task AppendConsentAsync(TenantContext tenant, ICordonStore store, string subjectId, string purpose, ConsentAction action, ConsentGiver giver, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var policy = tenant.Policy;
        if (!policy.TryGetPurpose(purpose, out var index))
        {
            throw new InvalidOperationException($"The built-in profile has no purpose '{purpose}'.");
        }

        var def = policy.Purpose(index);
        var consentEvent = new ConsentEvent
        {
            Id = SubjectVault.NewId("con"),
            Tenant = tenant.Id,
            SubjectId = subjectId,
            Purpose = def.Key,
            Action = action,
            GivenBy = giver,
            NoticeVersion = tenant.NoticeVersion,
            PurposeFingerprint = policy.PurposeFingerprint(index),
            Channel = "app",
            ActorId = Seeder,
            Time = now,
        };
        var rules = action == ConsentAction.Withdraw ? new[] { "R08" } : def.Consent >= Core.Profiles.ConsentRequirement.Separate ? ["R02"] : ["R01"];
        var flags = giver == ConsentGiver.Guardian ? AuditFlags.Guardian : AuditFlags.None;
        return store.AppendAsync(consentEvent, Audit(tenant, now, action == ConsentAction.Grant ? "consent.grant" : "consent.withdraw", def.Key, subjectId, [consentEvent.Id], flags, rules), cancellationToken);
    }

    private static AuditDraft Audit(TenantContext tenant, DateTimeOffset now, string action, string? purpose = null, string? subject = null, IReadOnlyList<string>? records = null, AuditFlags flags = AuditFlags.None, IReadOnlyList<string>? rules = null)
        => SeederAudit(tenant, now).Draft(action, AuditOutcome.Done, purpose, subject, records, rules: rules, flags: flags);

    private static AuditContext SeederAudit(TenantContext tenant, DateTimeOffset now) => new(tenant.Id, Seeder, Role.App.ToKey(), now, Keys: tenant.Keys);

    private static async Task<IReadOnlyList<DemoLogin>> LoginsAsync(TenantContext tenant, ICordonStore store, IReadOnlyList<DemoStaff> staff, IReadOnlyList<DemoPerson> patients, DateTimeOffset now, CancellationToken cancellationToken)
    {
        async Task<string> SubjectOf(string externalId)
        {
            var found = await store.FindSubjectsAsync(tenant.Id, "external-id", tenant.Indexer.Compute("external-id", externalId), cancellationToken);
            return found.Count == 1 ? found[0] : throw new InvalidOperationException("The demo tenant lacks one of its seeded subjects; delete the data directory to seed it again.");
        }

        string Token(Role role, string actor, string? subject = null)
            => TokenIssuer.Issue(new TokenRequest(tenant.Id, actor, role, subject), tenant.Keys.TokenKey, now, TokenLifetime);

        var patient = patients[0];
        var patientId = await SubjectOf(patient.ExternalId);
        var who = $"{patientId} ({patient.Name}, {patient.Pinyin})";
        var physician = staff[patient.Physician];
        var nurse = staff[patient.Nurse];
        var pharmacist = staff[patient.Pharmacist];
        var ward = patients.First(p => p.Child);
        var guardian = patients[ward.Guardian!.Value];
        var wardId = await SubjectOf(ward.ExternalId);
        var guardianId = await SubjectOf(guardian.ExternalId);
        var marketed = patients.First(p => p.Grants.Contains("marketing.push") && !p.Withdrawals.Contains("marketing.push") && p.Index > 0);
        var marketedId = await SubjectOf(marketed.ExternalId);
        var department = physician.Department;
        var awaiting = (await store.ListPrescriptionsAsync(tenant.Id, patientId, cancellationToken)).FirstOrDefault(p => p.State == "signed")?.Id;
        var review = awaiting is null ? "reviews prescriptions" : $"reviews prescriptions: {awaiting} waits, signed by {physician.Actor}, for review (POST /v1/prescriptions/{awaiting}/review)";

        return
        [
            new("app", "demo-app", Token(Role.App, "demo-app"), "the operator's backend: registers subjects, records consent, writes and reads under every purpose that lists it"),
            new("admin", "ops-admin", Token(Role.Admin, "ops-admin"), "operator admin: care teams, subject state, the audit log"),
            new("dpo", "dpo-wang", Token(Role.Dpo, "dpo-wang"), "data-protection officer: audit log and verification, decisions explained, record-keeping reads"),
            new("security", "sec-liu", Token(Role.Security, "sec-liu"), "security team: audit log and chain verification"),
            new("support", "support-zhao", Token(Role.Support, "support-zhao"), $"support staff: reads Patient under appointment with ID numbers, names and mobiles masked, e.g. {patientId}") { Subject = patientId },
            new("physician", physician.Actor, Token(Role.Physician, physician.Actor), $"physician {physician.Actor} ({department.NameEn}) in the care team of {who}; reads consultation records (a registered practitioner; {DemoPractitioners.Junior}, with two years of practice, is refused care.practitioner-not-eligible, R53)") { Subject = patientId },
            new("nurse", nurse.Actor, Token(Role.Nurse, nurse.Actor), $"nurse {nurse.Actor} in the care team of {who}; reads test results") { Subject = patientId },
            new("pharmacist", pharmacist.Actor, Token(Role.Pharmacist, pharmacist.Actor), $"pharmacist {pharmacist.Actor} in the care team of {who}; {review}") { Subject = patientId },
            new("patient", patient.ExternalId, Token(Role.Patient, patient.ExternalId, patientId), $"patient {who}: own records and consents") { Subject = patientId },
            new("guardian", guardian.ExternalId, Token(Role.Guardian, guardian.ExternalId, guardianId), $"guardian {guardianId} ({guardian.Name}, {guardian.Pinyin}) of the child {wardId} ({ward.Name}, {ward.Pinyin})") { Subject = wardId },
            new("marketing", "mkt-chen", Token(Role.Marketing, "mkt-chen"), string.Create(CultureInfo.InvariantCulture, $"marketing: reads Account (mobile masked) under marketing.push only where it is consented, e.g. {marketedId}")) { Subject = marketedId },
            new("analyst", "analyst-sun", Token(Role.Analyst, "analyst-sun"), $"research analyst: de-identified reads under research.deidentified where consented, e.g. {patientId}") { Subject = patientId },
        ];
    }
}
