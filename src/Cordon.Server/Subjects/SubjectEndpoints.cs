using System.Globalization;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Decisions;
using Cordon.Core.Identifiers;
using Cordon.Core.Subjects;
using Cordon.Server.Http;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Subjects;

public sealed record CreateSubjectRequest(string ExternalId, string BirthDate, string? GuardianSubjectId = null, string? DisplayName = null);

public sealed record SubjectResponse(string Id, string ExternalId, string State, string AgeBand, string? GuardianSubjectId, DateTimeOffset CreatedAt);

public sealed record SearchSubjectsRequest(string Kind, string Value);

public sealed record SearchSubjectsResponse(IReadOnlyList<string> Subjects);

/// <summary>Registering, reading and finding data subjects.</summary>
public static class SubjectEndpoints
{
    private static readonly string[] SearchKinds = ["external-id", "cn-resident-id", "cn-mobile"];

    public static RouteGroupBuilder MapSubjects(this RouteGroupBuilder group)
    {
        group.MapPost("/", CreateAsync)
            .Audited("subject.create", Role.App, Role.Admin)
            .WithSummary("Register a data subject")
            .WithDescription("Creates a subject with its own data key. Its external id, birth date and name are sealed; the external id is findable only through a keyed blind index. Subjects under the guardian-consent age need a guardian (R03).")
            .Accepts<CreateSubjectRequest>("application/json");

        group.MapGet("/{id}", GetAsync)
            .Audited("subject.read", Role.App, Role.Admin, Role.Support, Role.Dpo, Role.Patient, Role.Guardian, Role.Physician, Role.Nurse, Role.Pharmacist)
            .WithSummary("Read a subject: state, age band, guardian");

        group.MapPost("/search", SearchAsync)
            .Audited("subject.search", Role.App, Role.Admin, Role.Support)
            .WithSummary("Find subjects by external id, resident ID number or mobile")
            .WithDescription("The value travels in the body, never the URL, and is matched through the tenant's keyed blind index; no identifier is stored in clear.")
            .Accepts<SearchSubjectsRequest>("application/json");
        return group;
    }

    private static async Task<Results<JsonCreated<SubjectResponse>, Problem>> CreateAsync(Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, SubjectsApiJson.Strict.CreateSubjectRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var request = read.Value;
        var errors = new Dictionary<string, string[]>();
        if (!IsCleanText(request.ExternalId, 128))
        {
            errors["externalId"] = ["1 to 128 printable characters."];
        }

        if (request.DisplayName is not null && !IsCleanText(request.DisplayName, 100))
        {
            errors["displayName"] = ["Up to 100 printable characters."];
        }

        if (!DateOnly.TryParseExact(request.BirthDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthDate)
            || birthDate > call.Today || birthDate.Year < 1900)
        {
            errors["birthDate"] = ["A date YYYY-MM-DD, not in the future, not before 1900."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var settings = call.Tenant.Profile.Settings;
        string? guardianId = null;
        if (request.GuardianSubjectId is not null)
        {
            var guardian = SubjectVault.IsWellFormedId(request.GuardianSubjectId, "sub")
                ? await call.Store.GetSubjectAsync(call.Tenant.Id, request.GuardianSubjectId, call.Aborted)
                : null;
            if (guardian is null || guardian.State != SubjectState.Active)
            {
                return Problem.Validation("guardianSubjectId", "No active subject with this id in this tenant.");
            }

            guardianId = guardian.Id;
        }
        else if (Age.YearsOn(birthDate, call.Today) < settings.GuardianConsentBelowAge)
        {
            return new Problem(422, "consent.guardian-required", "Guardian required", $"Subjects under {settings.GuardianConsentBelowAge} are registered with their guardian (guardianSubjectId), who consents for them.", "R03", Core.Rules.RuleBook.Get("R03").Citation);
        }

        var id = SubjectVault.NewId("sub");
        var profile = new SubjectProfile(request.ExternalId, birthDate, request.DisplayName);
        var (row, key, lookup) = SubjectVault.Create(call.Tenant, id, profile, guardianId, call.Now);
        var status = await call.Store.CreateSubjectAsync(row, key, [lookup], call.Audit(AuditOutcome.Done, subject: id), call.Aborted);
        if (status == WriteStatus.Conflict)
        {
            return Problem.Conflict("subject.exists", "A subject with this externalId already exists in this tenant.");
        }

        var response = Response(call, row, profile);
        return Api.Created($"/v1/subjects/{id}", response, SubjectsApiJson.Strict.SubjectResponse);
    }

    private static async Task<Results<JsonOk<SubjectResponse>, Problem>> GetAsync(string id, Call call)
    {
        var opened = await SubjectOfCall.OpenAsync(call, id, SubjectOfCall.StaffOrLinked);
        if (opened.Failed)
        {
            return opened.Problem;
        }

        using var subject = opened.Value;
        var actor = call.Actor;
        if (actor.Role.IsClinician())
        {
            var care = await call.Store.GetCareTeamAsync(call.Tenant.Id, subject.Id, call.Aborted);
            if (!care.Any(m => m.ActorId == actor.Id && m.Role == actor.RoleKey && m.Until > call.Now))
            {
                return Problem.From(Refusals.NoCareRelationship);
            }
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject.Id), CancellationToken.None);
        return Api.Ok(Response(call, subject.Row, subject.Profile), SubjectsApiJson.Strict.SubjectResponse);
    }

    private static async Task<Results<JsonOk<SearchSubjectsResponse>, Problem>> SearchAsync(Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, SubjectsApiJson.Strict.SearchSubjectsRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var request = read.Value;
        if (!SearchKinds.Contains(request.Kind, StringComparer.Ordinal))
        {
            return Problem.Validation("kind", $"One of {string.Join(", ", SearchKinds)}.");
        }

        var normalized = request.Kind switch
        {
            "cn-resident-id" => ChineseResidentId.TryParse(request.Value, out var rid) ? rid.Value : null,
            "cn-mobile" => ChineseMobile.TryParse(request.Value, out var mobile) ? mobile.Value : null,
            _ => IsCleanText(request.Value, 128) ? request.Value : null,
        };
        if (normalized is null)
        {
            return Problem.Validation("value", $"Not a valid {request.Kind} value.");
        }

        var subjects = await call.Store.FindSubjectsAsync(call.Tenant.Id, request.Kind, call.Tenant.Indexer.Compute(request.Kind, normalized), call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, records: subjects), CancellationToken.None);
        return Api.Ok(new SearchSubjectsResponse(subjects), SubjectsApiJson.Strict.SearchSubjectsResponse);
    }

    internal static SubjectResponse Response(Call call, SubjectRow row, SubjectProfile profile)
    {
        var settings = call.Tenant.Profile.Settings;
        var band = Age.BandOn(profile.BirthDate, call.Today, settings.GuardianConsentBelowAge, settings.PaediatricPrescriptionBelowAge);
        return new SubjectResponse(row.Id, profile.ExternalId, row.State.ToKey(), band.ToKey(), row.GuardianId, row.CreatedAt);
    }

    internal static bool IsCleanText(string? value, int maxLength)
        => !string.IsNullOrWhiteSpace(value) && value.Length <= maxLength && !value.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format);
}

public sealed record SubjectStateRequest(string State, string Reason);

/// <summary>Operator changes of a subject's state: restriction (R19), a recorded death (R24), reactivation.</summary>
public static class SubjectStateEndpoints
{
    public static RouteGroupBuilder MapSubjectState(this RouteGroupBuilder group)
    {
        group.MapPut("/{id}/state", SetAsync)
            .Audited("subject.state", Role.Admin, Role.Dpo)
            .WithSummary("Set a subject's state: active, restricted (storage and the legal purpose only, R19), deceased")
            .WithDescription("The reason is sealed into the audit entry. Cancellation is a rights request, not a state set by hand.")
            .Accepts<SubjectStateRequest>("application/json");
        return group;
    }

    private static async Task<Results<JsonOk<SubjectResponse>, Problem>> SetAsync(string id, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, SubjectsApiJson.Strict.SubjectStateRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var request = read.Value;
        var errors = new Dictionary<string, string[]>();
        if (!SubjectNames.TryParseState(request.State, out var state) || state == SubjectState.Cancelled)
        {
            errors["state"] = ["active, restricted or deceased."];
        }

        if (!SubjectEndpoints.IsCleanText(request.Reason, 500))
        {
            errors["reason"] = ["Why, in 1 to 500 printable characters."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id);

        if (subject.Row.State == SubjectState.Cancelled)
        {
            return Problem.Conflict("subject.cancelled", "A cancelled account cannot change state.");
        }

        var rules = state == SubjectState.Restricted ? new[] { "R19" } : state == SubjectState.Deceased ? ["R24"] : [];
        await call.Store.SetSubjectStateAsync(call.Tenant.Id, subject.Id, state, call.Now, call.Audit(AuditOutcome.Done, subject: subject.Id, rules: rules, note: request.Reason), call.Aborted);
        return Api.Ok(SubjectEndpoints.Response(call, subject.Row with { State = state, UpdatedAt = call.Now }, subject.Profile), SubjectsApiJson.Strict.SubjectResponse);
    }
}
