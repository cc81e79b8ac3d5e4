using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Server.Decisions;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Care;

/// <summary>A refusal of decisions made solely by automated means, or its withdrawal, recorded like a consent event.</summary>
public sealed record AutomatedDecisionRefusalRequest(string Action, string Channel, string GivenBy = "self");

public sealed record AutomatedDecisionEventResponse(string Id, string SubjectId, string Action, string GivenBy, string Channel, string Actor, DateTimeOffset Time);

public sealed record AutomatedDecisionsResponse(string SubjectId, bool Refused, DateTimeOffset? RefusedSince, string Rule, string Citation, IReadOnlyList<AutomatedDecisionView> Decisions, IReadOnlyList<AutomatedDecisionEventResponse> History);

/// <summary>
/// Automated decisions about a subject (R14; PIPL Art. 24): the records automated agents wrote, with why each is one, and
/// the subject's refusal of decisions made solely by automated means (append-only, with its audit entry, withdrawable).
/// </summary>
public static class AutomatedDecisionEndpoints
{
    private static readonly string[] Channels = ["app", "web", "mini-program", "paper", "phone", "in-person", "api"];

    public static RouteGroupBuilder MapAutomatedDecisions(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}/automated-decisions", ListAsync)
            .Audited("automated-decision.read", Role.Patient, Role.Guardian, Role.App, Role.Dpo, Role.Support, Role.Admin)
            .WithSummary("The automated decisions made about the subject, and whether the subject refused them")
            .WithDescription("Every record an automated agent (a token with the ai claim) wrote about the subject: type, purpose, agent, time, whether it is on file and still used, and why it counts as an automated decision (R14, PIPL Art. 24). After a refusal these records are withheld from every reader but the subject and their guardian, and automated agents may neither write nor read the subject's records (care.automated-decision-refused).");

        group.MapPost("/{id}/automated-decisions/refusal", RecordAsync)
            .Audited("automated-decision.record", Role.App, Role.Patient, Role.Guardian)
            .WithSummary("Refuse decisions made solely by automated means, or withdraw that refusal")
            .WithDescription("`action`: refuse or withdraw; `channel` as for consents; `givenBy`: self or guardian (a patient's token records self, a guardian's guardian, the app either on their behalf). Append-only with its audit entry (R14). Refusing twice or withdrawing without a refusal in force is a conflict.")
            .Accepts<AutomatedDecisionRefusalRequest>("application/json");
        return group;
    }

    private static async Task<Results<JsonOk<AutomatedDecisionsResponse>, Problem>> ListAsync(string id, Call call)
    {
        var opened = await SubjectOfCall.OpenAsync(call, id, SubjectOfCall.StaffOrLinked);
        if (opened.Failed)
        {
            return opened.Problem;
        }

        using var subject = opened.Value;
        var summary = await AutomatedDecisionLedger.SummarizeAsync(call.Store, call.Tenant, subject.Id, call.Aborted);
        var history = await call.Store.GetAutomatedDecisionHistoryAsync(call.Tenant.Id, subject.Id, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject.Id, records: [.. summary.Decisions.Select(d => d.RecordId).Distinct(StringComparer.Ordinal)], rules: ["R14"]), CancellationToken.None);
        return Api.Ok(
            new AutomatedDecisionsResponse(subject.Id, summary.Refused, summary.RefusedSince, "R14", ScopeRefusals.AutomatedDecisionRefused.Citation!, summary.Decisions, [.. history.Select(ToResponse)]),
            AutomatedDecisionJson.Strict.AutomatedDecisionsResponse);
    }

    private static async Task<Results<JsonCreated<AutomatedDecisionEventResponse>, Problem>> RecordAsync(string id, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, AutomatedDecisionJson.Strict.AutomatedDecisionRefusalRequest);
        if (read.Failed)
        {
            return await call.RefuseAsync(read.Problem, null, SubjectVault.IsWellFormedId(id, "sub") ? id : null);
        }

        var request = read.Value;
        var opened = await SubjectOfCall.OpenAsync(call, id, SubjectOfCall.StaffOrLinked);
        if (opened.Failed)
        {
            return opened.Problem;
        }

        using var subject = opened.Value;
        var errors = new Dictionary<string, string[]>();
        if (!AutomatedDecisions.TryParse(request.Action, out var action))
        {
            errors["action"] = ["refuse or withdraw."];
        }

        var giver = request.GivenBy switch { "self" => ConsentGiver.Self, "guardian" => ConsentGiver.Guardian, _ => (ConsentGiver?)null };
        if (giver is null)
        {
            errors["givenBy"] = ["self or guardian."];
        }

        if (!Channels.Contains(request.Channel, StringComparer.Ordinal))
        {
            errors["channel"] = [$"One of {string.Join(", ", Channels)}."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        if ((call.Actor.Role == Role.Patient && giver != ConsentGiver.Self) || (call.Actor.Role == Role.Guardian && giver != ConsentGiver.Guardian))
        {
            return Problem.Validation("givenBy", "A patient's token records a choice made by self; a guardian's token, by the guardian.");
        }

        if (call.Actor.Role == Role.Guardian && SubjectFacts.LinkOf(call.Actor, subject) != SubjectLink.Guardian)
        {
            return Problem.From(Refusals.NotTheSubject);
        }

        if (call.Actor.Automated)
        {
            // The refusal is the person's choice: an automated agent does not record it for them.
            return Problem.From(Refusals.AutomatedClinician, "An automated agent may not record a subject's choice about automated decisions; the subject, their guardian or the app acting on their instruction does.");
        }

        var latest = await call.Store.GetLatestAutomatedDecisionEventAsync(call.Tenant.Id, subject.Id, call.Aborted);
        var refused = AutomatedDecisions.Refused(latest);
        if (action == AutomatedDecisionAction.Refuse && refused)
        {
            return Problem.Conflict("automated-decision.already-refused", "The subject has refused automated decisions already; record a withdrawal to end the refusal.");
        }

        if (action == AutomatedDecisionAction.Withdraw && !refused)
        {
            return Problem.Conflict("automated-decision.not-refused", "The subject has no refusal of automated decisions in force; there is nothing to withdraw.");
        }

        var automatedEvent = new AutomatedDecisionEvent
        {
            Id = SubjectVault.NewId("adr"),
            Tenant = call.Tenant.Id,
            SubjectId = subject.Id,
            Action = action,
            GivenBy = giver!.Value,
            Channel = request.Channel,
            ActorId = call.Actor.Id,
            Time = call.Now,
        };
        var flags = giver == ConsentGiver.Guardian ? AuditFlags.Guardian : AuditFlags.None;
        await call.Store.AppendAutomatedDecisionEventAsync(
            automatedEvent,
            call.Audit(AuditOutcome.Done, subject: subject.Id, records: [automatedEvent.Id], rules: ["R14"], flags: flags, action: "automated-decision." + action.ToKey()),
            call.Aborted);
        return Api.Created($"/v1/subjects/{subject.Id}/automated-decisions", ToResponse(automatedEvent), AutomatedDecisionJson.Strict.AutomatedDecisionEventResponse);
    }

    private static AutomatedDecisionEventResponse ToResponse(AutomatedDecisionEvent e)
        => new(e.Id, e.SubjectId, e.Action.ToKey(), e.GivenBy.ToKey(), e.Channel, e.ActorId, e.Time);
}
