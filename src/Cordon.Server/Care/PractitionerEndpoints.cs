using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Server.Http;
using Cordon.Server.Rights;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Care;

/// <summary>How a practitioner's real name was verified; <c>verifiedOn</c> is required when <c>status</c> is verified.</summary>
public sealed record RealNameRequest(string Status, string Method, DateOnly? VerifiedOn = null);

/// <summary>The practice registration at this institution (<c>this-institution</c>) or a multi-site one that includes it.</summary>
public sealed record RegistrationRequest(string Kind, string Institution, DateOnly RegisteredOn);

/// <summary>A practitioner to register: <c>id</c> is the actor id their tokens carry.</summary>
public sealed record PractitionerRequest(
    string Id,
    string Role,
    string Name,
    RealNameRequest RealName,
    string? Licence = null,
    RegistrationRequest? Registration = null,
    DateOnly? IndependentPracticeSince = null,
    DateOnly? OnlinePracticeConsentedOn = null,
    string? PublicKey = null);

/// <summary>Suspend (<c>suspended: true</c>) or reinstate a practitioner, with the reason.</summary>
public sealed record SuspensionRequest(bool Suspended, string Reason);

/// <summary>A register entry with, in words, why it is not eligible today for online consultations (null when it is).</summary>
public sealed record PractitionerView(
    string Id,
    string Role,
    string Name,
    RealNameVerification RealName,
    string? Licence,
    PracticeRegistration? Registration,
    DateOnly? IndependentPracticeSince,
    int? YearsOfPractice,
    DateOnly? OnlinePracticeConsentedOn,
    string? PublicKey,
    PractitionerSuspension? Suspension,
    DateTimeOffset RegisteredAt,
    string RegisteredBy,
    bool Eligible,
    string? NotEligible);

public sealed record PractitionerList(IReadOnlyList<PractitionerView> Practitioners);

/// <summary>The register entry as stored in the row's body (the id and the suspension are columns of their own); a null member is not written, so each optional one has a default.</summary>
public sealed record StoredPractitioner(
    string Role,
    string Name,
    RealNameVerification RealName,
    string? Licence = null,
    PracticeRegistration? Registration = null,
    DateOnly? IndependentPracticeSince = null,
    DateOnly? OnlinePracticeConsentedOn = null,
    string? PublicKey = null)
{
    public static StoredPractitioner Of(Practitioner p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(p.Role.ToKey(), p.Name, p.RealName, p.Licence, p.Registration, p.IndependentPracticeSince, p.OnlinePracticeConsentedOn, p.PublicKey);
    }

    public Practitioner ToPractitioner(string id, PractitionerSuspension? suspension) => new()
    {
        Id = id,
        Role = RoleNames.TryParse(Role, out var role) ? role : throw new InvalidOperationException($"The register entry of '{id}' has an unknown role."),
        Name = Name,
        RealName = RealName,
        Licence = Licence,
        Registration = Registration,
        IndependentPracticeSince = IndependentPracticeSince,
        OnlinePracticeConsentedOn = OnlinePracticeConsentedOn,
        PublicKey = PublicKey,
        Suspension = suspension,
    };
}

/// <summary>The practitioner register over HTTP (R53).</summary>
public static class PractitionerEndpoints
{
    private static readonly Role[] Officers = [Role.Admin, Role.Dpo];
    private static readonly Role[] Readers = [Role.Admin, Role.Dpo, Role.Security, Role.App];

    public static RouteGroupBuilder MapPractitioners(this RouteGroupBuilder group)
    {
        group.MapPost("/", RegisterAsync)
            .Audited("practitioner.register", Officers)
            .WithSummary("Register a physician, pharmacist or nurse: real-name verification, licence, practice registration here, start of independent practice, the institution's consent to online practice, e-signature key (R53)")
            .WithDescription("`id` is the actor id the practitioner's tokens carry. A physician's `licence` is the 15-digit practising certificate number; a pharmacist's or nurse's 1 to 40 letters, digits and hyphens (validation.failed naming the field otherwise). Years of practice are counted from `independentPracticeSince` on the day of each decision. The fields that are optional may be left out while pending: the entry is then registered but not eligible, and `notEligible` says why. A clinician acting under a consultation purpose (and a physician or pharmacist under a prescription purpose) must be eligible, or is refused with care.practitioner-not-eligible (R53). 409 practitioner.exists when the id is registered.")
            .Accepts<PractitionerRequest>("application/json");

        group.MapGet("/", ListAsync)
            .Audited("practitioner.list", Readers)
            .WithSummary("The practitioner register, each entry with whether it is eligible today and, if not, why");

        group.MapGet("/{id}", GetAsync)
            .Audited("practitioner.read", Readers)
            .WithSummary("One practitioner of the register with whether they are eligible today");

        group.MapPut("/{id}/suspension", SuspendAsync)
            .Audited("practitioner.suspension", Officers)
            .WithSummary("Suspend (suspended: true) or reinstate a practitioner, with the reason; it counts from the very next request")
            .Accepts<SuspensionRequest>("application/json");
        return group;
    }

    private static async Task<Results<JsonCreated<PractitionerView>, Problem>> RegisterAsync(Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, CareJson.Strict.PractitionerRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var registered = await PractitionerRegister.RegisterAsync(Operation.From(call), read.Value, call.Aborted);
        if (registered.Failed)
        {
            return call.Refused(registered.Failure);
        }

        return Api.Created($"/v1/practitioners/{registered.Value.Id}", registered.Value, CareJson.Strict.PractitionerView);
    }

    private static async Task<Results<JsonOk<PractitionerList>, Problem>> ListAsync(Call call)
    {
        var list = await PractitionerRegister.ListAsync(call.Tenant, call.Store, call.Today, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, records: [.. list.Select(p => p.Id)]), CancellationToken.None);
        return Api.Ok(new PractitionerList(list), CareJson.Strict.PractitionerList);
    }

    private static async Task<Results<JsonOk<PractitionerView>, Problem>> GetAsync(string id, Call call)
    {
        if (await PractitionerRegister.GetAsync(call.Tenant, call.Store, id, call.Today, call.Aborted) is not { } found)
        {
            return Problem.NotFound("practitioner");
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, records: [found.Id]), CancellationToken.None);
        return Api.Ok(found, CareJson.Strict.PractitionerView);
    }

    private static async Task<Results<JsonOk<PractitionerView>, Problem>> SuspendAsync(string id, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, CareJson.Strict.SuspensionRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var done = await PractitionerRegister.SetSuspensionAsync(Operation.From(call), id, read.Value, call.Aborted);
        return done.Failed ? call.Refused(done.Failure) : Api.Ok(done.Value, CareJson.Strict.PractitionerView);
    }
}
