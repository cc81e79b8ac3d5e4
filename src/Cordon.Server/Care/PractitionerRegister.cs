using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Core.Decisions;
using Cordon.Server.Auth;
using Cordon.Server.Rights;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Care;

/// <summary>
/// The practitioner register (R53): the tenant's physicians, pharmacists and nurses as records, not token claims. A token
/// names a practitioner by its actor id; every decision that needs an eligible practitioner reads the entry fresh, so a
/// suspension counts from the very next request.
/// </summary>
public static class PractitionerRegister
{
    private const int MaxText = 200;
    private const int MaxPublicKeyBytes = 4096;

    public static async Task<Result<PractitionerView>> RegisterAsync(Operation op, PractitionerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        if (!ActorIds.IsValid(request.Id))
        {
            errors["id"] = [$"The actor id the practitioner's tokens carry ({ActorIds.Description})."];
        }

        if (!RoleNames.TryParse(request.Role, out var role) || !role.IsClinician())
        {
            errors["role"] = ["physician, pharmacist or nurse."];
        }

        Text(errors, "name", request.Name);
        var realName = request.RealName;
        if (realName is null || !RealNameVerification.Statuses.Contains(realName.Status, StringComparer.Ordinal))
        {
            errors["realName.status"] = [$"One of {string.Join(", ", RealNameVerification.Statuses)}."];
        }
        else if (realName.Status == RealNameVerification.Verified && realName.VerifiedOn is null)
        {
            errors["realName.verifiedOn"] = ["The date the real name was verified."];
        }

        if (realName is not null)
        {
            Text(errors, "realName.method", realName.Method);
            if (realName.VerifiedOn > op.Today)
            {
                errors["realName.verifiedOn"] = ["Not in the future."];
            }
        }

        var licence = request.Licence?.Trim();
        if (licence is not null && errors.Count(e => e.Key == "role") == 0 && CarePolicy.LicenceProblem(role, licence) is { } licenceProblem)
        {
            errors["licence"] = [licenceProblem];
        }

        if (request.Registration is { } registration)
        {
            if (!PracticeRegistration.Kinds.Contains(registration.Kind, StringComparer.Ordinal))
            {
                errors["registration.kind"] = [$"One of {string.Join(", ", PracticeRegistration.Kinds)}: the practice registration at this institution, or a multi-site one that includes it."];
            }

            Text(errors, "registration.institution", registration.Institution);
            if (registration.RegisteredOn > op.Today)
            {
                errors["registration.registeredOn"] = ["Not in the future."];
            }
        }

        if (request.IndependentPracticeSince > op.Today)
        {
            errors["independentPracticeSince"] = ["Not in the future: the first day of independent practice."];
        }

        if (request.PublicKey is { } key && !IsPublicKey(key))
        {
            errors["publicKey"] = [$"A base64 SubjectPublicKeyInfo (SM2 or P-256) of at most {MaxPublicKeyBytes} bytes."];
        }

        if (errors.Count > 0)
        {
            return Failure.Invalid(errors, "R53");
        }

        var practitioner = new Practitioner
        {
            Id = request.Id,
            Role = role,
            Name = request.Name.Trim(),
            RealName = new RealNameVerification(realName!.Status, realName.Method.Trim(), realName.VerifiedOn),
            Licence = licence,
            Registration = request.Registration is { } r ? new PracticeRegistration(r.Kind, r.Institution.Trim(), r.RegisteredOn) : null,
            IndependentPracticeSince = request.IndependentPracticeSince,
            OnlinePracticeConsentedOn = request.OnlinePracticeConsentedOn,
            PublicKey = request.PublicKey,
        };
        var row = new PractitionerRow
        {
            Tenant = op.Tenant.Id,
            Id = practitioner.Id,
            Role = role.ToKey(),
            RegisteredAt = op.Now,
            RegisteredBy = op.ActorId,
            Body = JsonSerializer.Serialize(StoredPractitioner.Of(practitioner), CareJson.Strict.StoredPractitioner),
            UpdatedAt = op.Now,
        };
        var status = await op.Store.RegisterPractitionerAsync(row, op.Audit("practitioner.register", AuditOutcome.Done, null, [row.Id], ["R53"]), cancellationToken);
        if (status == WriteStatus.Conflict)
        {
            return Failure.Conflict("practitioner.exists", $"'{row.Id}' is already in the register; suspend or reinstate it with PUT /v1/practitioners/{row.Id}/suspension.");
        }

        return View(op.Tenant, row, op.Today);
    }

    public static async Task<Result<PractitionerView>> SetSuspensionAsync(Operation op, string id, SuspensionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(request);
        if (!ActorIds.IsValid(id) || await op.Store.GetPractitionerAsync(op.Tenant.Id, id, cancellationToken) is null)
        {
            return Failure.NotFound("practitioner");
        }

        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 500)
        {
            return Failure.Invalid("reason", "1 to 500 characters: why the practitioner is suspended or reinstated.", "R53");
        }

        var suspension = request.Suspended ? JsonSerializer.Serialize(new PractitionerSuspension(op.Now, request.Reason.Trim(), op.ActorId), CareJson.Strict.PractitionerSuspension) : null;
        var audit = op.Audit(request.Suspended ? "practitioner.suspend" : "practitioner.reinstate", AuditOutcome.Done, null, [id], ["R53"])
            with { SealedNote = op.Tenant.Keys.SealNote(request.Reason.Trim(), op.RequestId ?? id) };
        if (await op.Store.SetPractitionerSuspensionAsync(op.Tenant.Id, id, suspension, op.Now, audit, cancellationToken) == WriteStatus.NotFound)
        {
            return Failure.NotFound("practitioner");
        }

        return (await GetAsync(op.Tenant, op.Store, id, op.Today, cancellationToken))!;
    }

    public static async Task<IReadOnlyList<PractitionerView>> ListAsync(TenantContext tenant, ICareStore store, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(store);
        return [.. (await store.ListPractitionersAsync(tenant.Id, cancellationToken)).Select(row => View(tenant, row, today))];
    }

    public static async Task<PractitionerView?> GetAsync(TenantContext tenant, ICareStore store, string id, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(store);
        return ActorIds.IsValid(id) && await store.GetPractitionerAsync(tenant.Id, id, cancellationToken) is { } row ? View(tenant, row, today) : null;
    }

    /// <summary>
    /// The actor's standing for a decision under <paramref name="purpose"/>, read from the register (one read by key) only
    /// when the purpose needs an eligible practitioner in the actor's role; otherwise unchecked, with no read.
    /// </summary>
    public static async Task<PractitionerStanding> StandingAsync(ICareStore store, AccessPolicy policy, Actor actor, int purpose, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(actor);
        if (!policy.NeedsPractitioner(purpose, actor.Role))
        {
            return PractitionerStanding.Unchecked;
        }

        var minimum = policy.Profile.Settings.MinimumPracticeYears;
        if (actor.Automated)
        {
            return CarePolicy.Standing(null, actor.Role, automated: true, minimum, today);
        }

        var row = await store.GetPractitionerAsync(actor.Tenant, actor.Id, cancellationToken);
        return CarePolicy.Standing(row is null ? null : Parse(row), actor.Role, automated: false, minimum, today);
    }

    /// <summary>The register entry a row holds.</summary>
    public static Practitioner Parse(PractitionerRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var body = JsonSerializer.Deserialize(row.Body, CareJson.Strict.StoredPractitioner)
            ?? throw new InvalidOperationException($"The register entry of '{row.Id}' has no body.");
        return body.ToPractitioner(row.Id, row.Suspension is null ? null : JsonSerializer.Deserialize(row.Suspension, CareJson.Strict.PractitionerSuspension));
    }

    private static PractitionerView View(TenantContext tenant, PractitionerRow row, DateOnly today)
    {
        var p = Parse(row);
        var minimum = tenant.Profile.Settings.MinimumPracticeYears;
        var standing = CarePolicy.Standing(p, p.Role, automated: false, minimum, today);
        return new PractitionerView(
            p.Id,
            row.Role,
            p.Name,
            p.RealName,
            p.Licence,
            p.Registration,
            p.IndependentPracticeSince,
            p.IndependentPracticeSince is { } since ? CarePolicy.YearsOfPractice(since, today) : null,
            p.OnlinePracticeConsentedOn,
            p.PublicKey,
            p.Suspension,
            row.RegisteredAt,
            row.RegisteredBy,
            standing == PractitionerStanding.Eligible,
            standing == PractitionerStanding.Eligible ? null : CarePolicy.Detail(standing, p.Role, minimum));
    }

    private static bool IsPublicKey(string key)
    {
        var bytes = new byte[MaxPublicKeyBytes];
        return key.Length > 0 && Convert.TryFromBase64String(key, bytes, out var written) && written > 0;
    }

    private static void Text(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxText || value.Any(char.IsControl))
        {
            errors[field] = [$"1 to {MaxText} printable characters."];
        }
    }
}
