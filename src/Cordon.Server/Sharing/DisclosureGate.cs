using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Audit;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Core.Deidentification;
using Cordon.Core.Json;
using Cordon.Core.Profiles;
using Cordon.Core.Sharing;
using Cordon.Server.Records;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Sharing;

/// <summary>
/// The egress gate: the one way data leaves Cordon for anyone but the patient. A disclosure names a registered recipient,
/// a purpose and one subject or a cohort; the gate checks the recipient, its fields, contract, assessment, localisation,
/// genetic data (<see cref="SharingPolicy.Plan"/>), then each subject's state and separate consent, then — for a
/// recipient abroad — the mechanism the year's counts would require. What passes is recorded and counted before it
/// leaves, then delivered by Cordon to the recipient's endpoint or sealed to its public key; never returned in clear.
/// Every disclosure, refused or done, is a disclosure record and audit entries.
/// </summary>
public static class DisclosureGate
{
    public const int MaxSubjects = 10_000;
    public const string Action = "disclosure.create";
    public const string SendAction = "disclosure.send";
    public const string IdentifierSystem = "urn:cordon:disclosure";

    public static async Task<Result<DisclosureView>> DiscloseAsync(Operation op, PurposeDef purpose, DisclosureRequest request, RecipientDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(purpose);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(delivery);
        var subjects = (request.SubjectIds ?? []).Distinct(StringComparer.Ordinal).ToList();
        var errors = new Dictionary<string, string[]>();
        if (subjects.Count is 0 or > MaxSubjects || subjects.Any(s => string.IsNullOrWhiteSpace(s) || s.Length > 64))
        {
            errors["subjectIds"] = [$"1 to {MaxSubjects:N0} subject ids (as returned by POST /v1/subjects), each 1 to 64 characters."];
        }

        if (request.Types?.FirstOrDefault(t => !op.Tenant.Profile.Catalog.Types.ContainsKey(t)) is { } unknownType)
        {
            errors["types"] = [$"'{RecipientRegister.Clip(unknownType)}' is not a record type of the catalog."];
        }

        if (errors.Count > 0)
        {
            return Failure.Invalid(errors);
        }

        var single = subjects.Count == 1 ? subjects[0] : null;
        if (RecipientRegister.Find(op.Tenant, request.Recipient ?? string.Empty) is not { } recipient)
        {
            return await RefuseAsync(op, request.Recipient ?? string.Empty, purpose.Key, single, subjects.Count, RecipientRegister.Unknown(op.Tenant, request.Recipient ?? string.Empty), cancellationToken);
        }

        var standing = await RecipientRegister.StandingAsync(op.Tenant, op.Store, recipient, cancellationToken);
        var assessments = Assessments.Parse(await op.Store.ListAssessmentsAsync(op.Tenant.Id, cancellationToken));
        var planned = SharingPolicy.Plan(op.Tenant.Profile, standing, purpose, request.Types ?? [], assessments, op.Today);
        if (planned.Failed)
        {
            return await RefuseAsync(op, recipient.Key, purpose.Key, single, subjects.Count, planned.Failure, cancellationToken);
        }

        var plan = planned.Value;
        var anonymity = plan.Deidentify ? new KAnonymity() : null;

        // Each subject: state and separate consent (read fresh, so a withdrawal stops the very next disclosure), then their records.
        var fingerprint = op.Tenant.Policy.PurposeFingerprint(purpose.Key) ?? string.Empty;
        var projections = plan.Fields.ToDictionary(kv => kv.Key, kv => Projection(op, kv.Key, kv.Value), StringComparer.Ordinal);
        var excluded = new Dictionary<string, int>(StringComparer.Ordinal);
        var eligible = new List<string>();
        var recordIds = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var resources = new List<byte[]>();
        var withheld = 0;
        foreach (var subjectId in subjects)
        {
            using var subject = await SubjectVault.OpenAsync(op.Tenant, op.Store, subjectId, cancellationToken);
            if (subject is null)
            {
                if (single is not null)
                {
                    return Failure.NotFound("subject");
                }

                Count(excluded, "not-found");
                continue;
            }

            var underAge = subject.AgeOn(op.Today) < op.Tenant.Profile.Settings.GuardianConsentBelowAge;
            var ownLatest = AccessPolicy.ConsentRequired(purpose, underAge) ? await op.Store.GetLatestConsentAsync(op.Tenant.Id, subject.Id, purpose.Key, null, cancellationToken) : null;
            var latest = plan.ConsentRequired ? await op.Store.GetLatestConsentAsync(op.Tenant.Id, subject.Id, purpose.Key, recipient.Key, cancellationToken) : null;
            var own = ownLatest is null ? ConsentStatus.None : ConsentLedger.StatusOf(ownLatest, fingerprint);
            var status = latest is null ? ConsentStatus.None : ConsentLedger.StatusOf(latest, fingerprint);
            if (SharingPolicy.CheckSubject(plan, purpose, subject.Row.State, own, status, underAge) is { } refusal)
            {
                if (single is not null)
                {
                    return await RefuseAsync(op, recipient.Key, purpose.Key, single, 1, Failure.From(refusal), cancellationToken);
                }

                Count(excluded, refusal.Code);
                continue;
            }

            var ids = new List<string>();
            var rows = await op.Store.ListRecordsAsync(op.Tenant.Id, subject.Id, null, cancellationToken);
            // What the record itself says of the person (names, address lines) is scrubbed from free text when de-identifying.
            var context = anonymity is null || rows.FirstOrDefault(r => r.Type == "Patient" && !r.Restricted) is not { } patient
                ? null
                : SubjectContext.FromPatient(RecordWriter.Open(op.Tenant, subject, patient));
            foreach (var row in rows)
            {
                if (!projections.TryGetValue(row.Type, out var projection))
                {
                    continue;
                }

                // Records kept only for a legal duty (R19) and level-5 data (for the treating clinician only) never leave.
                if (row.Restricted || row.Level >= (byte)Level.L5)
                {
                    withheld++;
                    continue;
                }

                var projected = RecordProjector.Project(RecordWriter.Open(op.Tenant, subject, row), projection);
                if (anonymity is not null)
                {
                    if (ResearchView.Apply(op.Tenant, subject.Id, projected, context) is not var (bytes, applied))
                    {
                        withheld++;
                        continue;
                    }

                    anonymity.Add(applied);
                    projected = bytes;
                }

                resources.Add(projected);
                ids.Add(row.Id);
            }

            eligible.Add(subject.Id);
            recordIds[subject.Id] = ids;
        }

        if (eligible.Count == 0)
        {
            var (code, _) = excluded.OrderByDescending(kv => kv.Value).First();
            return await RefuseAsync(op, recipient.Key, purpose.Key, null, subjects.Count,
                new Failure(FailureKind.Refused, code, "No subject may be disclosed", $"None of the {subjects.Count} subjects may go to '{recipient.Key}': {Describe(excluded)}.", "R10", Core.Rules.RuleBook.Get("R10").Citation), cancellationToken);
        }

        // De-identified data of a cohort in which someone stands alone identifies them: below the profile's k, nothing goes.
        if (anonymity?.CheckRelease(op.Tenant.Profile.Settings.MinimumK) is { Failed: true } release)
        {
            return await RefuseAsync(op, recipient.Key, purpose.Key, single, subjects.Count, release.Failure, cancellationToken);
        }

        // Abroad: the mechanism the year's counts would require with these individuals, before anything leaves (R34–R36).
        CrossBorderCharge? charge = null;
        var rules = plan.Rules.ToList();
        if (plan.Abroad && standing.Transfer?.IsExempt(op.Today) != true)
        {
            var thresholds = CrossBorderStatus.ThresholdsOf(op.Tenant);
            var counts = await op.Store.GetCrossBorderCountsAsync(op.Tenant.Id, op.Today.Year, cancellationToken);
            var added = await op.Store.CountUncountedAsync(op.Tenant.Id, op.Today.Year, plan.Sensitive, eligible, cancellationToken);
            var after = plan.Sensitive ? counts with { Sensitive = counts.Sensitive + added } : counts with { NonSensitive = counts.NonSensitive + added };
            after = after with { ImportantData = after.ImportantData || plan.ImportantData };
            if (SharingPolicy.CheckTransfer(after, thresholds, standing.Transfer, op.Today) is { } refusal)
            {
                return await RefuseAsync(op, recipient.Key, purpose.Key, single, subjects.Count, Failure.From(refusal, TransferDetail(refusal, after, standing.Transfer)), cancellationToken);
            }

            var held = standing.Transfer?.Mechanism(op.Today) ?? TransferMechanism.None;
            charge = Limits(op.Today.Year, plan.Sensitive, held, thresholds) with { ImportantData = plan.ImportantData };
            rules.Add(SharingPolicy.RuleOf(SharingPolicy.Required(after, thresholds)));
        }
        else if (plan.Abroad)
        {
            rules.Add("R37");
        }

        var id = SubjectVault.NewId("dsc");
        var bundle = Bundle(id, op.Now, resources);
        var row0 = new DisclosureRow
        {
            Tenant = op.Tenant.Id,
            Id = id,
            Recipient = recipient.Key,
            Purpose = purpose.Key,
            ActorId = op.ActorId,
            CreatedAt = op.Now,
            Status = DisclosureStatus.Started,
            Subjects = eligible.Count,
            Records = resources.Count,
            Abroad = plan.Abroad,
            Sensitive = plan.Sensitive,
            Deidentified = plan.Deidentify,
            Method = recipient.Method,
        };
        var audits = eligible.Select(s => op.Audit(SendAction, AuditOutcome.Permit, s, [id, .. recordIds[s]], rules, purpose.Key)).ToList();
        var started = await op.Store.StartDisclosureAsync(row0, eligible, charge, audits, cancellationToken);
        if (!started.Started)
        {
            // Another disclosure counted individuals between the check and this one: the counts now require more.
            var refusal = SharingPolicy.CheckTransfer(started.Counts!, CrossBorderStatus.ThresholdsOf(op.Tenant), standing.Transfer, op.Today) ?? SharingRefusals.StandardContractRequired;
            return await RefuseAsync(op, recipient.Key, purpose.Key, single, subjects.Count, Failure.From(refusal, TransferDetail(refusal, started.Counts!, standing.Transfer)), cancellationToken);
        }

        string? package = null;
        DisclosureStatus status0;
        string detail;
        byte[] left;
        if (recipient.Method == "package")
        {
            left = DisclosurePackage.Seal(op.Tenant.Suite, recipient.PublicKey!, bundle, id);
            package = Convert.ToBase64String(left);
            (status0, detail) = (DisclosureStatus.Delivered, "sealed to the recipient's public key");
        }
        else
        {
            left = bundle;
            var outcome = await delivery.PostAsync(recipient, bundle, cancellationToken);
            (status0, detail) = (outcome.Delivered ? DisclosureStatus.Delivered : DisclosureStatus.Failed, outcome.Detail);
        }

        if (withheld > 0)
        {
            detail += $"; {withheld} record(s) withheld (restricted or level 5)";
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(left));
        var finish = op.Audit(status0 == DisclosureStatus.Delivered ? "disclosure.delivered" : "disclosure.failed", AuditOutcome.Done, null, [id], rules, purpose.Key);
        await op.Store.FinishDisclosureAsync(op.Tenant.Id, id, status0, detail, hash, finish, CancellationToken.None);
        var done = row0 with { Status = status0, Detail = detail, PackageHash = hash, FinishedAt = op.Now };
        return View(done) with { Excluded = excluded.Count == 0 ? null : excluded, Package = package };
    }

    /// <summary>
    /// The check for deliveries Cordon makes to a purpose's processors outside <see cref="DiscloseAsync"/> (the marketing
    /// gateways): every processor the purpose lists needs a contract in force covering it and an approved assessment.
    /// </summary>
    public static async Task<Failure?> CheckProcessorsAsync(Operation op, PurposeDef purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(purpose);
        IReadOnlyList<ImpactAssessment>? assessments = null;
        foreach (var key in purpose.Recipients)
        {
            if (RecipientRegister.Find(op.Tenant, key) is not { } recipient || SharingPolicy.ActivityOf(recipient) != SharingActivity.Entrust)
            {
                continue;
            }

            assessments ??= Assessments.Parse(await op.Store.ListAssessmentsAsync(op.Tenant.Id, cancellationToken));
            var standing = await RecipientRegister.StandingAsync(op.Tenant, op.Store, recipient, cancellationToken);
            if (SharingPolicy.CheckProcessor(standing, purpose, assessments, op.Today) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    public static async Task<IReadOnlyList<DisclosureView>> ListAsync(ISharingStore store, string tenant, string? recipient, string? subject, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return [.. (await store.ListDisclosuresAsync(tenant, recipient, subject, limit, cancellationToken)).Select(View)];
    }

    public static DisclosureView View(DisclosureRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new DisclosureView(row.Id, row.Recipient, row.Purpose, StatusKey(row.Status), row.Subjects, row.Records, row.Abroad, row.Sensitive, row.Deidentified, row.Method, row.Detail, row.CreatedAt, row.FinishedAt, row.PackageHash);
    }

    public static string StatusKey(DisclosureStatus status) => status switch
    {
        DisclosureStatus.Started => "started",
        DisclosureStatus.Delivered => "delivered",
        DisclosureStatus.Failed => "failed",
        _ => "refused",
    };

    /// <summary>The most the year's counts may reach with the mechanism held: the gate's check again, inside the transaction.</summary>
    private static CrossBorderCharge Limits(int year, bool sensitive, TransferMechanism held, CrossBorderThresholds t) => held switch
    {
        TransferMechanism.SecurityAssessment => new(year, sensitive, long.MaxValue, long.MaxValue, AllowsImportantData: true),
        TransferMechanism.StandardContractOrCertification => new(year, sensitive, t.AssessmentAt - 1L, t.SensitiveAssessmentAt - 1L),
        _ => new(year, sensitive, t.ExemptBelow - 1L, 0),
    };

    private static string TransferDetail(Refusal refusal, CrossBorderCounts after, TransferBasis? held)
        => $"{refusal.Detail} With it, {after.Year} would count {after.NonSensitive:N0} individuals' non-sensitive and {after.Sensitive:N0} individuals' sensitive data abroad; held for this recipient: {(held is null ? "nothing" : $"{held.Kind} {held.Reference}{(held.ValidUntil is { } until ? $" until {until:yyyy-MM-dd}" : string.Empty)}")}.";

    /// <summary>Records a refused disclosure (nothing left) and its audit entry in one transaction; the endpoint returns the failure without auditing it again.</summary>
    private static async Task<Failure> RefuseAsync(Operation op, string recipient, string purpose, string? subject, int subjects, Failure failure, CancellationToken cancellationToken)
    {
        var row = new DisclosureRow
        {
            Tenant = op.Tenant.Id,
            Id = SubjectVault.NewId("dsc"),
            Recipient = RecipientRegister.Clip(recipient),
            Purpose = purpose,
            ActorId = op.ActorId,
            CreatedAt = op.Now,
            Status = DisclosureStatus.Refused,
            Subjects = subjects,
            Records = 0,
            Abroad = false,
            Sensitive = false,
            Deidentified = false,
            Method = "-",
            Detail = failure.Code + (failure.Rule is null ? string.Empty : $" ({failure.Rule})"),
            FinishedAt = op.Now,
        };
        var audit = op.Audit(Action, AuditOutcome.Deny, subject, [row.Id], failure.Rule is null ? [] : [failure.Rule], purpose, failure.Code);
        await op.Store.StartDisclosureAsync(row, subject is null ? [] : [subject], null, [audit], CancellationToken.None);
        return failure with { Recorded = true };
    }

    private static ProjectionPlan Projection(Operation op, string type, IReadOnlySet<string> paths)
        => op.Tenant.Catalog.TryGetType(type, out var compiled)
            ? compiled.CreatePlan(paths, new Dictionary<string, MaskSpec>())
            : throw new InvalidOperationException("A planned type is not in the catalog.");

    /// <summary>A FHIR Bundle of type collection naming the disclosure, with the projected resources as entries.</summary>
    private static byte[] Bundle(string id, DateTimeOffset now, IReadOnlyList<byte[]> resources)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + resources.Sum(r => r.Length + 16));
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonOutput.Encoder }))
        {
            w.WriteStartObject();
            w.WriteString("resourceType", "Bundle");
            w.WriteStartObject("identifier");
            w.WriteString("system", IdentifierSystem);
            w.WriteString("value", id);
            w.WriteEndObject();
            w.WriteString("type", "collection");
            w.WriteString("timestamp", now.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteStartArray("entry");
            foreach (var resource in resources)
            {
                w.WriteStartObject();
                w.WritePropertyName("resource");
                w.WriteRawValue(resource, skipInputValidation: true);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Count(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static string Describe(Dictionary<string, int> excluded) => string.Join(", ", excluded.Select(kv => $"{kv.Value} {kv.Key}"));

}
