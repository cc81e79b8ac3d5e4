using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;
using Cordon.Core.Rules;
using Cordon.Core.Subjects;
using Cordon.Server.Decisions;
using Cordon.Server.Http;
using Cordon.Server.Subjects;

namespace Cordon.Server.Consent;

public sealed record ConsentRequest(string Purpose, string Action, string NoticeVersion, string Channel, string GrantedBy = "self", string? Recipient = null);

public sealed record ConsentEventResponse(string Id, string SubjectId, string Purpose, string? Recipient, string Action, string GrantedBy, string NoticeVersion, string Channel, string Actor, DateTimeOffset Time);

public sealed record ConsentCurrentResponse(string Purpose, string? Recipient, string State, DateTimeOffset? Since, string? NoticeVersion, string? GrantedBy);

public sealed record ConsentsResponse(IReadOnlyList<ConsentCurrentResponse> Current, IReadOnlyList<ConsentEventResponse> History);

/// <summary>
/// The consent ledger over HTTP: one purpose per event (never bundled), separate consent where the law asks for it,
/// a guardian below the guardian-consent age, bound to the notice version; a withdrawal counts from the next request.
/// </summary>
public static class ConsentEndpoints
{
    private static readonly string[] Channels = ["app", "web", "mini-program", "paper", "phone", "in-person", "api"];

    public static RouteGroupBuilder MapConsents(this RouteGroupBuilder group)
    {
        group.MapPost("/{id}/consents", RecordAsync)
            .Audited("consent.record", Role.App, Role.Patient, Role.Guardian)
            .WithSummary("Grant or withdraw consent for one purpose")
            .WithDescription("One event carries one purpose (R02: never bundled). Grants must cite the current privacy-notice version (R04). Below the guardian-consent age only a guardian's consent counts (R03). Withdrawal takes effect for the very next request (R08).")
            .Accepts<ConsentRequest>("application/json")
            .Produces<ConsentEventResponse>(StatusCodes.Status201Created);

        group.MapGet("/{id}/consents", ListAsync)
            .Audited("consent.read", Role.App, Role.Patient, Role.Guardian, Role.Dpo, Role.Support, Role.Admin)
            .WithSummary("Current consent per purpose and the full history")
            .Produces<ConsentsResponse>();
        return group;
    }

    private static async Task<IResult> RecordAsync(string id, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, ApiJson.Default.ConsentRequest);
        if (read.Failed)
        {
            return await call.RefuseAsync(read.Problem!, null, SubjectVault.IsWellFormedId(id, "sub") ? id : null);
        }

        var request = read.Value!;
        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return await call.RefuseAsync(Problem.NotFound("subject"), null, null);
        }

        var policy = call.Tenant.Policy;
        if (!policy.TryGetPurpose(request.Purpose, out var purposeIndex))
        {
            return await call.RefuseAsync(Problem.PurposeUnknown(request.Purpose), null, subject.Id);
        }

        var purpose = policy.Purpose(purposeIndex);
        var errors = new Dictionary<string, string[]>();
        var action = request.Action switch { "grant" => ConsentAction.Grant, "withdraw" => ConsentAction.Withdraw, _ => (ConsentAction?)null };
        var giver = request.GrantedBy switch { "self" => ConsentGiver.Self, "guardian" => ConsentGiver.Guardian, _ => (ConsentGiver?)null };
        if (action is null)
        {
            errors["action"] = ["grant or withdraw."];
        }

        if (giver is null)
        {
            errors["grantedBy"] = ["self or guardian."];
        }

        if (!Channels.Contains(request.Channel, StringComparer.Ordinal))
        {
            errors["channel"] = [$"One of {string.Join(", ", Channels)}."];
        }

        if (request.Recipient is not null && !purpose.Recipients.Contains(request.Recipient, StringComparer.Ordinal))
        {
            errors["recipient"] = ["Not a recipient the profile declares for this purpose."];
        }

        if (errors.Count > 0)
        {
            return await call.RefuseAsync(Problem.Validation(errors), purpose.Key, subject.Id);
        }

        var child = subject.AgeOn(call.Today) < call.Tenant.Profile.Settings.GuardianConsentBelowAge;
        if (!AccessPolicy.ConsentRequired(purpose, child))
        {
            return await call.RefuseAsync(
                Problem.Validation("purpose", $"'{purpose.Key}' rests on {purpose.LegalBasis} as its legal basis, not on consent.", "R01", RuleBook.Get("R01").Citation),
                purpose.Key,
                subject.Id);
        }

        var link = SubjectFacts.LinkOf(call.Actor, subject);
        if ((call.Actor.Role == Role.Patient && link != SubjectLink.Self) || (call.Actor.Role == Role.Guardian && link != SubjectLink.Guardian))
        {
            return await call.RefuseAsync(Refusals.NotTheSubject, purpose.Key, subject.Id);
        }

        if ((call.Actor.Role == Role.Patient && giver != ConsentGiver.Self) || (call.Actor.Role == Role.Guardian && giver != ConsentGiver.Guardian))
        {
            return await call.RefuseAsync(Problem.Validation("grantedBy", "A patient's token records consent given by self; a guardian's token, by the guardian."), purpose.Key, subject.Id);
        }

        if (action == ConsentAction.Grant)
        {
            if (!string.Equals(request.NoticeVersion, call.Tenant.NoticeVersion, StringComparison.Ordinal))
            {
                return await call.RefuseAsync(
                    new Problem(409, "consent.notice-outdated", "Privacy notice outdated", $"Consent is given against the current privacy notice ({call.Tenant.NoticeVersion}); show it and ask again.", "R04", RuleBook.Get("R04").Citation),
                    purpose.Key,
                    subject.Id);
            }

            if (subject.Row.State is SubjectState.Restricted or SubjectState.Cancelled)
            {
                return await call.RefuseAsync(Refusals.SubjectRestricted, purpose.Key, subject.Id);
            }

            if (child && giver != ConsentGiver.Guardian)
            {
                return await call.RefuseAsync(Refusals.GuardianRequired, purpose.Key, subject.Id);
            }
        }

        var consentEvent = new ConsentEvent
        {
            Id = SubjectVault.NewId("con"),
            Tenant = call.Tenant.Id,
            SubjectId = subject.Id,
            Purpose = purpose.Key,
            Recipient = request.Recipient,
            Action = action!.Value,
            GivenBy = giver!.Value,
            NoticeVersion = request.NoticeVersion,
            PurposeFingerprint = policy.PurposeFingerprint(purposeIndex),
            Channel = request.Channel,
            ActorId = call.Actor.Id,
            Time = call.Now,
        };
        var rules = action == ConsentAction.Withdraw ? new[] { "R08" } : purpose.Consent >= ConsentRequirement.Separate ? ["R02"] : ["R01"];
        var flags = giver == ConsentGiver.Guardian ? AuditFlags.Guardian : AuditFlags.None;
        await call.Store.AppendAsync(
            consentEvent,
            call.Audit(AuditOutcome.Done, purpose.Key, subject.Id, records: [consentEvent.Id], rules: rules, flags: flags, action: action == ConsentAction.Grant ? "consent.grant" : "consent.withdraw"),
            call.Aborted);
        return new SubjectEndpoints.CreatedAt(
            $"/v1/subjects/{subject.Id}/consents",
            TypedResults.Json(ToResponse(consentEvent), ApiJson.Default.ConsentEventResponse, statusCode: StatusCodes.Status201Created));
    }

    private static async Task<IResult> ListAsync(string id, Call call)
    {
        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return await call.RefuseAsync(Problem.NotFound("subject"), null, null);
        }

        if (call.Actor.Role.IsSubjectSide() && SubjectFacts.LinkOf(call.Actor, subject) == SubjectLink.None)
        {
            return await call.RefuseAsync(Refusals.NotTheSubject, null, subject.Id);
        }

        var history = await call.Store.GetHistoryAsync(call.Tenant.Id, subject.Id, call.Aborted);
        var current = ConsentLedger.Current(history, call.Tenant.Policy.PurposeFingerprint)
            .Select(c => new ConsentCurrentResponse(c.Purpose, c.Recipient, c.Status.ToKey(), c.Since, c.NoticeVersion, c.GivenBy?.ToKey()))
            .ToList();
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject.Id), CancellationToken.None);
        return TypedResults.Json(new ConsentsResponse(current, [.. history.Select(ToResponse)]), ApiJson.Default.ConsentsResponse);
    }

    private static ConsentEventResponse ToResponse(ConsentEvent e)
        => new(e.Id, e.SubjectId, e.Purpose, e.Recipient, e.Action.ToKey(), e.GivenBy.ToKey(), e.NoticeVersion, e.Channel, e.ActorId, e.Time);
}
