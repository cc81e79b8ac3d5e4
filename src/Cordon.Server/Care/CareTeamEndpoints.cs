using System.Globalization;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Care;

public sealed record CareTeamRequest(string Actor, string Role, string Until);

public sealed record CareTeamMemberResponse(string Actor, string Role, DateTimeOffset Until, DateTimeOffset AddedAt, string AddedBy, bool Active);

public sealed record CareTeamResponse(string SubjectId, IReadOnlyList<CareTeamMemberResponse> Members);

/// <summary>The care relationship: clinicians read a patient's clinical records only while in the care team.</summary>
public static class CareTeamEndpoints
{
    private static readonly TimeSpan LongestMembership = TimeSpan.FromDays(5 * 366);

    public static RouteGroupBuilder MapCareTeam(this RouteGroupBuilder group)
    {
        group.MapPost("/{id}/care-team", AddAsync)
            .Audited("care-team.add", Role.App, Role.Admin)
            .WithSummary("Put a physician, nurse or pharmacist in the subject's care team until a time")
            .Accepts<CareTeamRequest>("application/json");

        group.MapGet("/{id}/care-team", ListAsync)
            .Audited("care-team.read", Role.App, Role.Admin, Role.Dpo)
            .WithSummary("The subject's care team, current and past");
        return group;
    }

    private static async Task<Results<JsonCreated<CareTeamMemberResponse>, Problem>> AddAsync(string id, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, CareJson.Strict.CareTeamRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var request = read.Value;
        var subject = SubjectVault.IsWellFormedId(id, "sub") ? await call.Store.GetSubjectAsync(call.Tenant.Id, id, call.Aborted) : null;
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id);
        var errors = new Dictionary<string, string[]>();
        if (!ActorIds.IsValid(request.Actor))
        {
            errors["actor"] = [$"One clinician's actor id ({ActorIds.Description}); add each clinician with a request of its own."];
        }

        if (!RoleNames.TryParse(request.Role, out var role) || !role.IsClinician())
        {
            errors["role"] = ["physician, nurse or pharmacist."];
        }

        if (!DateTimeOffset.TryParse(request.Until, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until) || until <= call.Now || until > call.Now + LongestMembership)
        {
            errors["until"] = ["An ISO 8601 time in the future, at most five years ahead."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var row = new CareTeamRow(call.Tenant.Id, subject.Id, request.Actor, role.ToKey(), until, call.Now, call.Actor.Id);
        await call.Store.PutCareTeamMemberAsync(row, call.Audit(AuditOutcome.Done, subject: subject.Id, records: [request.Actor]), call.Aborted);
        return Api.Created($"/v1/subjects/{subject.Id}/care-team", ToResponse(row, call.Now), CareJson.Strict.CareTeamMemberResponse);
    }

    private static async Task<Results<JsonOk<CareTeamResponse>, Problem>> ListAsync(string id, Call call)
    {
        var subject = SubjectVault.IsWellFormedId(id, "sub") ? await call.Store.GetSubjectAsync(call.Tenant.Id, id, call.Aborted) : null;
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        var members = await call.Store.GetCareTeamAsync(call.Tenant.Id, subject.Id, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject.Id), CancellationToken.None);
        return Api.Ok(new CareTeamResponse(subject.Id, [.. members.Select(m => ToResponse(m, call.Now))]), CareJson.Strict.CareTeamResponse);
    }

    private static CareTeamMemberResponse ToResponse(CareTeamRow m, DateTimeOffset now) => new(m.ActorId, m.Role, m.Until, m.AddedAt, m.AddedBy, m.Until > now);
}
