using System.Text.Json;
using System.Text.Json.Nodes;
using Cordon.Core;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Core.Json;
using Cordon.Server.Audit;
using Cordon.Server.Auth;
using Cordon.Server.Decisions;
using Cordon.Server.Records;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Care;

/// <summary>The physician's signature: base64 over the canonical form; for a child under the paediatric age, who is present (R57).</summary>
public sealed record SignatureRequest(string Signature, GuardianPresence? Guardian = null, string? AccompanyingPhysician = null);

/// <summary>The guardian present with a young child, by relationship (no name is kept).</summary>
public sealed record GuardianPresence(string Relationship);

/// <summary>A pharmacist's review: approve or reject.</summary>
public sealed record ReviewRequest(string Decision, string? Note = null);

/// <summary>Dispensing at the pharmacy, or delivery (an online sale, R56).</summary>
public sealed record DispenseRequest(string Channel);

/// <summary>A prescription with its state and every precondition as it stands now, in order, with its rule.</summary>
public sealed record PrescriptionView(
    string Id,
    string SubjectId,
    string State,
    int Version,
    string ProposedBy,
    bool ProposedAutomated,
    string? Author,
    DateTimeOffset? SignedAt,
    string? Reviewer,
    DateTimeOffset? ReviewedAt,
    string? DispensedBy,
    DateTimeOffset? DispensedAt,
    string? Channel,
    IReadOnlyList<CareCheckView> Checks);

public sealed record CareCheckView(string Check, string Rule, bool Passed, string? Code, string? Detail);

public sealed record PrescriptionList(IReadOnlyList<PrescriptionView> Prescriptions);

/// <summary>
/// The prescription lifecycle (R53–R57): a draft, signed by the human physician of the patient's open consultation with
/// their registered key, approved by a registered pharmacist who is not the author — every precondition checked again
/// on the current version at approval — and only then active and dispensable. Each step's state change, the record's
/// new version and the audit entry are written in one transaction; a refused step writes nothing but its audit entry.
/// </summary>
public static class PrescriptionWorkflow
{
    private const int MaxSignatureBytes = 512;
    private const int MaxNote = 500;

    /// <summary>Everything one step decides on, read once.</summary>
    private sealed record Loaded(PrescriptionRow Prescription, RecordRow Record, OpenSubject Subject, byte[] Json, MedicationRequestFacts Request, CareHistory History) : IDisposable
    {
        public void Dispose() => Subject.Dispose();
    }

    /// <summary>The draft row written with a new prescription's record.</summary>
    public static PrescriptionRow Draft(RecordRow record, Actor actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(actor);
        return new PrescriptionRow
        {
            Tenant = record.Tenant,
            Id = record.Id,
            SubjectId = record.SubjectId,
            State = "draft",
            ProposedBy = actor.Id,
            ProposedAutomated = actor.Automated,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public static async Task<Result<byte[]>> CanonicalAsync(TenantContext tenant, ICordonStore store, string id, CancellationToken cancellationToken)
    {
        using var loaded = await LoadAsync(tenant, store, id, cancellationToken);
        return loaded is null ? Failure.NotFound("prescription") : PrescriptionSignature.Canonical(loaded.Json);
    }

    public static async Task<Result<PrescriptionView>> ExplainAsync(TenantContext tenant, ICordonStore store, string id, DateOnly today, CancellationToken cancellationToken)
    {
        using var loaded = await LoadAsync(tenant, store, id, cancellationToken);
        if (loaded is null)
        {
            return Failure.NotFound("prescription");
        }

        var p = loaded.Prescription;
        var reviewer = p.Reviewer is null ? (PractitionerStanding?)null : await StandingAsync(tenant, store, p.Reviewer, Role.Pharmacist, automated: false, today, cancellationToken);
        var c = await CaseAsync(tenant, store, loaded, p.Author, automated: false, p.Signature is null ? null : Convert.FromBase64String(p.Signature), p.Guardian is not null, p.AccompanyingPhysician, today, cancellationToken) with
        {
            Reviewer = p.Reviewer,
            ReviewerStanding = reviewer ?? PractitionerStanding.Unchecked,
        };
        var checks = PrescriptionPolicy.Evaluate(c, p.Reviewer is null ? PrescriptionStep.Sign : PrescriptionStep.Approve);
        return View(p, loaded.Record.Version, checks);
    }

    public static async Task<IReadOnlyList<PrescriptionView>> ListAsync(TenantContext tenant, ICordonStore store, string subjectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(store);
        var rows = await store.ListPrescriptionsAsync(tenant.Id, subjectId, cancellationToken);
        var views = new List<PrescriptionView>(rows.Count);
        foreach (var row in rows)
        {
            var record = await store.GetRecordAsync(tenant.Id, row.Id, cancellationToken);
            views.Add(View(row, record?.Version ?? 0, []));
        }

        return views;
    }

    /// <summary>The physician signs the draft (R53, R54, R55, R57): every precondition but the review holds, and the signature verifies.</summary>
    public static async Task<Result<PrescriptionView>> SignAsync(TenantContext tenant, ICordonStore store, AuditContext audit, Actor actor, string id, SignatureRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var signature = new byte[MaxSignatureBytes];
        if (string.IsNullOrEmpty(request.Signature) || !Convert.TryFromBase64String(request.Signature, signature, out var length) || length == 0)
        {
            return Failure.Invalid("signature", $"The signature in base64 (at most {MaxSignatureBytes} bytes), made over the bytes of GET /v1/prescriptions/{{id}}/canonical.");
        }

        if (request.Guardian is { } guardian && (string.IsNullOrWhiteSpace(guardian.Relationship) || guardian.Relationship.Length > 40 || guardian.Relationship.Any(char.IsControl)))
        {
            return Failure.Invalid("guardian.relationship", "The guardian's relationship to the child (for example mother, father, legal guardian), 1 to 40 characters.");
        }

        if (request.AccompanyingPhysician is { } accompanying && !ActorIds.IsValid(accompanying))
        {
            return Failure.Invalid("accompanyingPhysician", $"The accompanying physician's id in the practitioner register ({ActorIds.Description}).");
        }

        using var loaded = await LoadAsync(tenant, store, id, cancellationToken);
        if (loaded is null)
        {
            return Failure.NotFound("prescription");
        }

        var p = loaded.Prescription;
        if (p.State is not ("draft" or "signed"))
        {
            return Failure.From(CareRefusals.PrescriptionNotActive, $"The prescription is {p.State}; only a draft is signed.");
        }

        var c = await CaseAsync(tenant, store, loaded, actor.Id, actor.Automated, signature[..length], request.Guardian is not null, request.AccompanyingPhysician, audit.Today, cancellationToken);
        var checks = PrescriptionPolicy.Evaluate(c, PrescriptionStep.Sign);
        if (PrescriptionPolicy.FirstFailure(checks) is { } failed)
        {
            return Failure.From(failed.Refusal!, failed.Detail);
        }

        var signed = p with
        {
            State = "signed",
            Author = actor.Id,
            Signature = Convert.ToBase64String(signature, 0, length),
            SignedVersion = loaded.Record.Version,
            SignedAt = audit.Now,
            Guardian = request.Guardian?.Relationship,
            AccompanyingPhysician = request.AccompanyingPhysician,
            UpdatedAt = audit.Now,
        };
        var draft = audit.Draft("prescription.sign", AuditOutcome.Done, loaded.Record.Purpose, p.SubjectId, [p.Id], rules: Rules(checks));
        var status = await UpdateAsync(store, signed, p.State, null, draft, cancellationToken);
        return status == WriteStatus.Done ? View(signed, loaded.Record.Version, checks) : Changed();
    }

    /// <summary>A pharmacist approves (every precondition again, on the current version; the record becomes active) or rejects (it becomes cancelled).</summary>
    public static async Task<Result<PrescriptionView>> ReviewAsync(TenantContext tenant, ICordonStore store, AuditContext audit, Actor actor, string id, ReviewRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Decision is not ("approve" or "reject"))
        {
            return Failure.Invalid("decision", "approve or reject.");
        }

        if (request.Note is { } note && (note.Length > MaxNote || note.Any(c => char.IsControl(c) && c != '\n')))
        {
            return Failure.Invalid("note", $"At most {MaxNote} characters, no control characters.");
        }

        using var loaded = await LoadAsync(tenant, store, id, cancellationToken);
        if (loaded is null)
        {
            return Failure.NotFound("prescription");
        }

        var p = loaded.Prescription;
        if (actor.Automated)
        {
            return Failure.From(CareRefusals.AutomatedPrescriber, "An automated agent never reviews or approves a prescription; a registered pharmacist does.");
        }

        if (p.State != "signed")
        {
            return p.State == "draft"
                ? Failure.From(CareRefusals.SignatureInvalid, "The prescription is not signed yet: its physician signs it before a pharmacist reviews it.")
                : Failure.From(CareRefusals.PrescriptionNotActive, $"The prescription is {p.State}; only a signed prescription is reviewed.");
        }

        var reviewer = await StandingAsync(tenant, store, actor.Id, Role.Pharmacist, actor.Automated, audit.Today, cancellationToken);
        var c = await CaseAsync(tenant, store, loaded, p.Author, automated: false, Convert.FromBase64String(p.Signature!), p.Guardian is not null, p.AccompanyingPhysician, audit.Today, cancellationToken) with
        {
            Reviewer = actor.Id,
            ReviewerAutomated = actor.Automated,
            ReviewerStanding = reviewer,
        };
        var checks = PrescriptionPolicy.Evaluate(c, PrescriptionStep.Approve);
        var approve = request.Decision == "approve";

        // A rejection needs only a reviewer who may review; an approval needs every precondition.
        var failed = approve ? PrescriptionPolicy.FirstFailure(checks) : PrescriptionPolicy.FirstFailure([.. checks.Take(3)]);
        if (failed is not null)
        {
            return Failure.From(failed.Refusal!, failed.Detail);
        }

        var version = await NewVersionAsync(tenant, store, audit, actor, loaded, approve ? "active" : "cancelled", "prescription.review", cancellationToken);
        if (version.Failed)
        {
            return version.Failure;
        }

        var (row, lookups, entry) = version.Value;
        var reviewed = p with { State = approve ? "active" : "rejected", Reviewer = actor.Id, ReviewedAt = audit.Now, UpdatedAt = audit.Now };
        var draft = entry with { Rules = [.. entry.Rules.Concat(Rules(checks)).Distinct(StringComparer.Ordinal)] };
        var status = await UpdateAsync(store, reviewed, p.State, new RecordVersionChange(row, loaded.Record.Version, lookups), draft, cancellationToken);
        return status == WriteStatus.Done ? View(reviewed, row.Version, checks) : Changed();
    }

    /// <summary>Dispenses an active prescription once (R54); by delivery (an online sale) never a drug of a class not sold online (R56).</summary>
    public static async Task<Result<PrescriptionView>> DispenseAsync(TenantContext tenant, ICordonStore store, AuditContext audit, Actor actor, string id, DispenseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Channel is not ("pharmacy" or "delivery"))
        {
            return Failure.Invalid("channel", "pharmacy (handed over at the pharmacy) or delivery (sent to the patient: an online sale).");
        }

        if (actor.Automated)
        {
            return Failure.From(CareRefusals.AutomatedPrescriber, "An automated agent does not dispense; a pharmacist does.");
        }

        using var loaded = await LoadAsync(tenant, store, id, cancellationToken);
        if (loaded is null)
        {
            return Failure.NotFound("prescription");
        }

        var p = loaded.Prescription;
        var state = PrescriptionPolicy.TryParse(p.State, out var s) ? s : PrescriptionState.Draft;
        var check = PrescriptionPolicy.Dispense(state, loaded.Request, tenant.Profile.Care.Drugs, online: request.Channel == "delivery");
        if (!check.Passed)
        {
            return Failure.From(check.Refusal!, check.Detail);
        }

        // What is dispensed is what was signed and approved: the current version is active, and the signature still covers it.
        if (loaded.Request.Status != "active")
        {
            return Failure.From(CareRefusals.PrescriptionNotActive, "The prescription's record is not the approved, active version; nothing is dispensed from a version no pharmacist approved.");
        }

        var signed = PrescriptionPolicy.SignatureCheck(await CaseAsync(tenant, store, loaded, p.Author, automated: false, p.Signature is null ? null : Convert.FromBase64String(p.Signature), p.Guardian is not null, p.AccompanyingPhysician, audit.Today, cancellationToken));
        if (!signed.Passed)
        {
            return Failure.From(signed.Refusal!, signed.Detail);
        }

        var dispensed = p with { State = "dispensed", DispensedBy = actor.Id, DispensedAt = audit.Now, Channel = request.Channel, UpdatedAt = audit.Now };
        var draft = audit.Draft("prescription.dispense", AuditOutcome.Done, loaded.Record.Purpose, p.SubjectId, [p.Id], rules: ["R54", "R56"], note: request.Channel);
        var status = await UpdateAsync(store, dispensed, p.State, null, draft, cancellationToken);
        return status == WriteStatus.Done ? View(dispensed, loaded.Record.Version, [check]) : Changed();
    }

    /// <summary>The store's step, with another node's step that came first (a raced state) answered as a change.</summary>
    private static async Task<WriteStatus> UpdateAsync(ICordonStore store, PrescriptionRow prescription, string expectedState, RecordVersionChange? record, AuditDraft audit, CancellationToken cancellationToken)
    {
        try
        {
            return await store.UpdatePrescriptionAsync(prescription, expectedState, record, audit, cancellationToken);
        }
        catch (WriteConflictException)
        {
            return WriteStatus.Stale;
        }
    }

    private static Failure Changed() => Failure.Conflict("care.prescription-changed", "The prescription changed while this step was decided (another step or a correction came first); read it again (GET /v1/prescriptions/{id}) and repeat the step.");

    private static async Task<Loaded?> LoadAsync(TenantContext tenant, ICordonStore store, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetPrescriptionAsync(tenant.Id, id, cancellationToken) is not { } prescription
            || await store.GetRecordAsync(tenant.Id, id, cancellationToken) is not { } record)
        {
            return null;
        }

        var subject = await SubjectVault.OpenAsync(tenant, store, prescription.SubjectId, cancellationToken);
        if (subject is null)
        {
            return null;
        }

        try
        {
            var json = RecordWriter.Open(tenant, subject, record);
            var history = await CareRecords.LoadAsync(tenant, store, subject, cancellationToken);
            return new Loaded(prescription, record, subject, json, ClinicalFacts.MedicationRequest(json), history);
        }
        catch
        {
            subject.Dispose();
            throw;
        }
    }

    private static async Task<PrescriptionCase> CaseAsync(TenantContext tenant, ICareStore store, Loaded loaded, string? author, bool automated, byte[]? signature, bool guardianPresent, string? accompanying, DateOnly today, CancellationToken cancellationToken)
    {
        var care = tenant.Profile.Care;
        Practitioner? physician = null;
        if (author is not null && await store.GetPractitionerAsync(tenant.Id, author, cancellationToken) is { } row)
        {
            physician = PractitionerRegister.Parse(row);
        }

        var minimum = tenant.Profile.Settings.MinimumPracticeYears;
        var (consultation, state) = author is null
            ? (null, ConsultationState.Closed)
            : ConsultationPolicy.ConsultationOf(loaded.History, author, care.DiagnosisCodeSystems, loaded.Request.Encounter);
        return new PrescriptionCase
        {
            Request = loaded.Request,
            Canonical = PrescriptionSignature.Canonical(loaded.Json),
            Author = author,
            AuthorAutomated = automated,
            AuthorStanding = CarePolicy.Standing(physician, Role.Physician, automated, minimum, today),
            AuthorKey = physician?.PublicKey,
            Signature = signature,
            Consultation = consultation,
            ConsultationState = state,
            Age = loaded.Subject.AgeOn(today),
            PaediatricBelowAge = tenant.Profile.Settings.PaediatricPrescriptionBelowAge,
            GuardianPresent = guardianPresent,
            AccompanyingPhysician = accompanying,
            AccompanyingStanding = accompanying is null ? PractitionerStanding.Unchecked : await StandingAsync(tenant, store, accompanying, Role.Physician, automated: false, today, cancellationToken),
            Drugs = care.Drugs,
            MinimumPracticeYears = minimum,
        };
    }

    private static async Task<PractitionerStanding> StandingAsync(TenantContext tenant, ICareStore store, string id, Role role, bool automated, DateOnly today, CancellationToken cancellationToken)
    {
        var row = automated ? null : await store.GetPractitionerAsync(tenant.Id, id, cancellationToken);
        return CarePolicy.Standing(row is null ? null : PractitionerRegister.Parse(row), role, automated, tenant.Profile.Settings.MinimumPracticeYears, today);
    }

    /// <summary>The record's next version with <paramref name="status"/>, admitted for the actor through the one admission path.</summary>
    private static async Task<Result<(RecordRow Row, IReadOnlyList<LookupRow> Lookups, AuditDraft Audit)>> NewVersionAsync(TenantContext tenant, ICordonStore store, AuditContext audit, Actor actor, Loaded loaded, string status, string action, CancellationToken cancellationToken)
    {
        var node = JsonNode.Parse(loaded.Json)!.AsObject();
        node["status"] = status;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(node, JsonOutputOptions);
        if (!tenant.Policy.TryGetPurpose(loaded.Record.Purpose, out var purpose))
        {
            return Failure.Conflict("care.prescription-changed", "The prescription's purpose is no longer in the profile.");
        }

        var prepared = RecordWriter.Prepare(tenant, purpose, bytes, audit.Today);
        if (prepared.Failed)
        {
            return prepared.Failure;
        }

        var facts = await SubjectFacts.LoadAsync(loaded.Subject, store, tenant.Policy, purpose, actor, audit.Today, cancellationToken);
        var admission = RecordAdmission.Admit(tenant, audit, actor, facts, purpose, prepared.Value, action, loaded.Record.Id, loaded.Record.Version + 1, loaded.Record.CreatedAt);
        if (!admission.Admitted)
        {
            return Failure.From(admission.Refusal!, admission.Detail);
        }

        return (admission.Row, admission.Lookups, admission.Audit);
    }

    private static readonly JsonSerializerOptions JsonOutputOptions = new() { Encoder = JsonOutput.Encoder };

    private static IReadOnlyList<string> Rules(IReadOnlyList<CareCheck> checks) => [.. checks.Select(c => c.Rule).Distinct(StringComparer.Ordinal)];

    private static PrescriptionView View(PrescriptionRow p, int version, IReadOnlyList<CareCheck> checks) => new(
        p.Id, p.SubjectId, p.State, version, p.ProposedBy, p.ProposedAutomated, p.Author, p.SignedAt, p.Reviewer, p.ReviewedAt, p.DispensedBy, p.DispensedAt, p.Channel,
        [.. checks.Select(c => new CareCheckView(c.Check, c.Rule, c.Passed, c.Refusal?.Code, c.Detail))]);
}
