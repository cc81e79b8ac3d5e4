using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Catalog;
using Cordon.Core.Decisions;
using Cordon.Server.Auth;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Decisions;

/// <summary>The actor to decide for, as a token would describe it (<c>ai</c> and <c>automated</c> mean the same).</summary>
public sealed record DecisionActor(string Role, string Id, string? Subject = null, bool Automated = false, bool Ai = false, bool Justification = false);

public sealed record DecisionRequest(DecisionActor Actor, string Purpose, string SubjectId, string RecordType, string Action = "read", string? Level = null);

public sealed record RuleResult(string Rule, string Citation, string Check, bool Passed, string Detail);

public sealed record MaskResult(string Path, string Method);

public sealed record DecisionResponse(string Decision, string? Code, string? Rule, string? Citation, string? Detail, IReadOnlyList<RuleResult> Rules, IReadOnlyList<MaskResult> Masks, IReadOnlyList<string> Flags, IReadOnlyList<string> PermitRules);

/// <summary>Explains what Cordon would decide for an actor, purpose, subject and record type, rule by rule.</summary>
public static class DecisionEndpoints
{
    public static RouteGroupBuilder MapDecisions(this RouteGroupBuilder group)
    {
        group.MapPost("/", ExplainAsync)
            .Audited("decision.explain", Role.App, Role.Dpo, Role.Security, Role.Admin)
            .WithSummary("Explain a decision")
            .WithDescription("Evaluates the access decision against the subject's real state, consents and care team without reading any data, and lists each rule checked with its citation, and the masks that would apply.")
            .Accepts<DecisionRequest>("application/json");
        return group;
    }

    private static async Task<Results<JsonOk<DecisionResponse>, Problem>> ExplainAsync(Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, DecisionsJson.Strict.DecisionRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var request = read.Value;
        var policy = call.Tenant.Policy;
        var errors = new Dictionary<string, string[]>();
        if (!RoleNames.TryParse(request.Actor.Role, out var role))
        {
            errors["actor.role"] = ["A role of API.md (patient, guardian, physician, …)."];
        }

        if (!SubjectEndpoints.IsCleanText(request.Actor.Id, 128))
        {
            errors["actor.id"] = ["1 to 128 printable characters."];
        }

        if (!policy.TryGetType(request.RecordType, out var typeIndex))
        {
            errors["recordType"] = ["Not a record type of the catalog."];
        }

        var action = request.Action switch { "read" => AccessAction.Read, "write" => AccessAction.Write, _ => (AccessAction?)null };
        if (action is null)
        {
            errors["action"] = ["read or write."];
        }

        var level = Level.L1;
        if (request.Level is not null && !ClassificationNames.TryParseLevel(request.Level, out level))
        {
            errors["level"] = ["L1 to L5."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        if (!policy.TryGetPurpose(request.Purpose, out var purpose))
        {
            return Problem.PurposeUnknown(request.Purpose, call.Tenant.Policy.PurposeKeys);
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, request.SubjectId, call.Aborted);
        if (subject is null)
        {
            return call.About(null, request.Purpose).Refused(Problem.NotFound("subject"));
        }

        call.About(subject.Id);

        var actor = new Actor(call.Tenant.Id, request.Actor.Id, role, request.Actor.Subject, request.Actor.Automated || request.Actor.Ai);
        var facts = await SubjectFacts.LoadAsync(subject, call.Store, policy, purpose, actor, call.Today, call.Aborted);
        var probe = CallFor(call, actor);
        var access = facts.Request(probe, purpose, typeIndex, action!.Value, level) with { HasJustification = request.Actor.Justification };
        var explanation = policy.Explain(access);
        var decision = explanation.Decision;
        var masks = decision.Outcome == DecisionOutcome.PermitMasked
            ? call.Tenant.MasksFor(role, request.RecordType).Select(m => new MaskResult(m.Path, m.Mask.ToString())).ToList()
            : [];
        var response = new DecisionResponse(
            decision.OutcomeKey,
            decision.Refusal?.Code,
            decision.Refusal?.Rule,
            decision.Refusal?.Citation,
            decision.Refusal is { } refusal ? policy.DetailOf(refusal, access) : null,
            [.. explanation.Checks.Select(c => new RuleResult(c.Rule, c.Citation, c.Check, c.Passed, c.Detail))],
            masks,
            FlagNames(decision.Flags),
            decision.IsPermitted ? decision.RuleIds : []);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, request.Purpose, subject.Id, rules: [.. explanation.Checks.Select(c => c.Rule).Distinct()]), CancellationToken.None);
        return Api.Ok(response, DecisionsJson.Strict.DecisionResponse);
    }

    /// <summary>The facts are evaluated as if the described actor made the call, at the same time.</summary>
    private static Call CallFor(Call call, Actor actor) => call.As(actor);

    internal static IReadOnlyList<string> FlagNames(AuditFlags flags)
    {
        var names = new List<string>();
        if (flags.HasFlag(AuditFlags.BreakGlass))
        {
            names.Add("break-glass");
        }

        if (flags.HasFlag(AuditFlags.HighestLevel))
        {
            names.Add("level-5");
        }

        if (flags.HasFlag(AuditFlags.Guardian))
        {
            names.Add("guardian");
        }

        if (flags.HasFlag(AuditFlags.Masked))
        {
            names.Add("masked");
        }

        if (flags.HasFlag(AuditFlags.Automated))
        {
            names.Add("automated");
        }

        if (flags.HasFlag(AuditFlags.Restricted))
        {
            names.Add("restricted");
        }

        return names;
    }
}
