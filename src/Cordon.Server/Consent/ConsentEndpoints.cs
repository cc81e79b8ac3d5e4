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
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Consent;

public sealed record ConsentRequest(string Purpose, string Action, string NoticeVersion, string Channel, string GrantedBy = "self", string? Recipient = null);

public sealed record ConsentEventResponse(string Id, string SubjectId, string Purpose, string? Recipient, string Action, string GrantedBy, string NoticeVersion, string Channel, string Actor, DateTimeOffset Time);

public sealed record ConsentCurrentResponse(string Purpose, string? Recipient, string State, DateTimeOffset? Since, string? NoticeVersion, string? GrantedBy);

public sealed record ConsentsResponse(IReadOnlyList<ConsentCurrentResponse> Current, IReadOnlyList<ConsentEventResponse> History);

/// <summary>One purpose on the prompt list: may the app ask now (<c>advice</c> ask or renew), and if not, from when.</summary>
public sealed record ConsentPromptResponse(string Purpose, string Name, string? NameEn, string Consent, bool Necessary, string State, string Advice, bool MayAsk, DateTimeOffset? AskAfter, string? Rule, string? Citation);

public sealed record ConsentPromptsResponse(string NoticeVersion, int ReaskAfterDays, IReadOnlyList<ConsentPromptResponse> Prompts);

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
            .WithSummary("Grant, withdraw or refuse consent for one purpose")
            .WithDescription("One event carries one purpose (R02: never bundled). Grants must cite the current privacy-notice version (R04). Below the guardian-consent age only a guardian's consent counts (R03). Withdrawal takes effect for the very next request (R08). A refusal counts as no consent and keeps the app from asking again for the profile's consentReaskAfterDays (R05; see consent-prompts).")
            .Accepts<ConsentRequest>("application/json");

        group.MapGet("/{id}/consents", ListAsync)
            .Audited("consent.read", Role.App, Role.Patient, Role.Guardian, Role.Dpo, Role.Support, Role.Admin)
            .WithSummary("Current consent per purpose and the full history");

        group.MapGet("/{id}/consent-prompts", PromptsAsync)
            .Audited("consent.prompts", Role.App, Role.Patient, Role.Guardian, Role.Dpo, Role.Support)
            .WithSummary("Which consents the app may ask for now")
            .WithDescription("Every purpose that needs this subject's consent. Necessary purposes (the basic service) may always be asked for. After a refusal or withdrawal of an optional consent the app may not ask again before askAfter (settings.consentReaskAfterDays, R05); a grant under an older description of the purpose is to be renewed (R04).");
        return group;
    }

    private static async Task<Results<JsonCreated<ConsentEventResponse>, Problem>> RecordAsync(string id, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, ConsentJson.Strict.ConsentRequest);
        if (read.Failed)
        {
            return await call.RefuseAsync(read.Problem, null, SubjectVault.IsWellFormedId(id, "sub") ? id : null);
        }

        var request = read.Value;
        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id);

        var policy = call.Tenant.Policy;
        if (!policy.TryGetPurpose(request.Purpose, out var purposeIndex))
        {
            return Problem.PurposeUnknown(request.Purpose, call.Tenant.Policy.PurposeKeys);
        }

        var purpose = policy.Purpose(purposeIndex);
        call.About(subject.Id, purpose.Key);
        var errors = new Dictionary<string, string[]>();
        var action = request.Action switch { "grant" => ConsentAction.Grant, "withdraw" => ConsentAction.Withdraw, "refuse" => ConsentAction.Refuse, _ => (ConsentAction?)null };
        var giver = request.GrantedBy switch { "self" => ConsentGiver.Self, "guardian" => ConsentGiver.Guardian, _ => (ConsentGiver?)null };
        if (action is null)
        {
            errors["action"] = ["grant, withdraw or refuse."];
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
            return Problem.Validation(errors);
        }

        var child = subject.AgeOn(call.Today) < call.Tenant.Profile.Settings.GuardianConsentBelowAge;
        if (!AccessPolicy.ConsentRequired(purpose, child))
        {
            return Problem.Validation("purpose", $"'{purpose.Key}' rests on {purpose.LegalBasis} as its legal basis, not on consent.", "R01", RuleBook.Get("R01").Citation);
        }

        var link = SubjectFacts.LinkOf(call.Actor, subject);
        if ((call.Actor.Role == Role.Patient && link != SubjectLink.Self) || (call.Actor.Role == Role.Guardian && link != SubjectLink.Guardian))
        {
            return Problem.From(Refusals.NotTheSubject);
        }

        if ((call.Actor.Role == Role.Patient && giver != ConsentGiver.Self) || (call.Actor.Role == Role.Guardian && giver != ConsentGiver.Guardian))
        {
            return Problem.Validation("grantedBy", "A patient's token records consent given by self; a guardian's token, by the guardian.");
        }

        if (action == ConsentAction.Grant)
        {
            if (!string.Equals(request.NoticeVersion, call.Tenant.NoticeVersion, StringComparison.Ordinal))
            {
                return new Problem(409, "consent.notice-outdated", "Privacy notice outdated", $"Consent is given against the current privacy notice ({call.Tenant.NoticeVersion}); show it and ask again.", "R04", RuleBook.Get("R04").Citation);
            }

            if (subject.Row.State is SubjectState.Restricted or SubjectState.Cancelled)
            {
                return Problem.From(Refusals.SubjectRestricted);
            }

            if (child && giver != ConsentGiver.Guardian)
            {
                return Problem.From(Refusals.GuardianRequired);
            }
        }

        if (action == ConsentAction.Refuse
            && await call.Store.GetLatestConsentAsync(call.Tenant.Id, subject.Id, purpose.Key, request.Recipient, call.Aborted) is { } latest
            && ConsentLedger.StatusOf(latest, policy.PurposeFingerprint(purposeIndex)) is ConsentStatus.Granted or ConsentStatus.GrantedByGuardian)
        {
            return Problem.Conflict("consent.already-granted", $"The subject has granted '{purpose.Key}'; record a withdrawal to end it.");
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
        var rules = action switch
        {
            ConsentAction.Withdraw => new[] { "R08" },
            ConsentAction.Refuse => ["R05"],
            _ => purpose.Consent >= ConsentRequirement.Separate ? ["R02"] : ["R01"],
        };
        var flags = giver == ConsentGiver.Guardian ? AuditFlags.Guardian : AuditFlags.None;
        await call.Store.AppendAsync(
            consentEvent,
            call.Audit(AuditOutcome.Done, purpose.Key, subject.Id, records: [consentEvent.Id], rules: rules, flags: flags, action: "consent." + action.Value.ToKey()),
            call.Aborted);
        if (action == ConsentAction.Withdraw)
        {
            await Personalisation.UserTagEndpoints.ForgetTagsOnWithdrawalAsync(Rights.Operation.From(call), subject.Id, purpose.Key, consentEvent.Id, call.Aborted);
        }

        return Api.Created($"/v1/subjects/{subject.Id}/consents", ToResponse(consentEvent), ConsentJson.Strict.ConsentEventResponse);
    }

    private static async Task<Results<JsonOk<ConsentsResponse>, Problem>> ListAsync(string id, Call call)
    {
        var opened = await SubjectOfCall.OpenAsync(call, id, SubjectOfCall.StaffOrLinked);
        if (opened.Failed)
        {
            return opened.Problem;
        }

        using var subject = opened.Value;
        var history = await call.Store.GetHistoryAsync(call.Tenant.Id, subject.Id, call.Aborted);
        var current = ConsentLedger.Current(history, call.Tenant.Policy.PurposeFingerprint)
            .Select(c => new ConsentCurrentResponse(c.Purpose, c.Recipient, c.Status.ToKey(), c.Since, c.NoticeVersion, c.GivenBy?.ToKey()))
            .ToList();
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject.Id), CancellationToken.None);
        return Api.Ok(new ConsentsResponse(current, [.. history.Select(ToResponse)]), ConsentJson.Strict.ConsentsResponse);
    }

    private static async Task<Results<JsonOk<ConsentPromptsResponse>, Problem>> PromptsAsync(string id, Call call)
    {
        var opened = await SubjectOfCall.OpenAsync(call, id, SubjectOfCall.StaffOrLinked);
        if (opened.Failed)
        {
            return opened.Problem;
        }

        using var subject = opened.Value;
        var profile = call.Tenant.Profile;
        var child = subject.AgeOn(call.Today) < profile.Settings.GuardianConsentBelowAge;
        var history = await call.Store.GetHistoryAsync(call.Tenant.Id, subject.Id, call.Aborted);
        var prompts = ConsentPrompts.For(history, profile.Purposes, call.Tenant.Policy.PurposeFingerprint, child, call.Now, profile.Settings.ConsentReaskAfterDays)
            .Select(p => new ConsentPromptResponse(
                p.Purpose.Key,
                p.Purpose.Name,
                p.Purpose.NameEn,
                p.Purpose.Consent.ToKey(),
                p.Necessary,
                p.Status.ToKey(),
                p.Advice.ToKey(),
                p.MayAsk,
                p.AskAfter,
                p.Rule,
                p.Rule is null ? null : RuleBook.Get(p.Rule).Citation))
            .ToList();
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject.Id, rules: ["R05"]), CancellationToken.None);
        return Api.Ok(new ConsentPromptsResponse(call.Tenant.NoticeVersion, profile.Settings.ConsentReaskAfterDays, prompts), ConsentJson.Strict.ConsentPromptsResponse);
    }

    private static ConsentEventResponse ToResponse(ConsentEvent e)
        => new(e.Id, e.SubjectId, e.Purpose, e.Recipient, e.Action.ToKey(), e.GivenBy.ToKey(), e.NoticeVersion, e.Channel, e.ActorId, e.Time);
}
