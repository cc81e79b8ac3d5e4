using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Core.Catalog;
using Cordon.Core.Decisions;
using Cordon.Server.Decisions;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Care;

public sealed record ConsultationView(string? Encounter, string? Status, string State, IReadOnlyList<string> Practitioners, IReadOnlyList<CareCheckView> Checks);

public sealed record ConsultationList(string SubjectId, int InPersonDiagnoses, IReadOnlyList<ConsultationView> Consultations);

/// <summary>A subject's online consultations with where each stands and its follow-up checks (R52, R53): the care explain step for consultations.</summary>
public static class ConsultationEndpoints
{
    private static readonly Role[] Readers = [Role.App, Role.Physician, Role.Nurse, Role.Pharmacist, Role.Dpo, Role.Admin];

    public static RouteGroupBuilder MapSubjectConsultations(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}/consultations", ListAsync)
            .Audited("consultation.list", Readers)
            .RequiresPurpose()
            .WithSummary("A subject's online consultations (Encounters of class VR): open, closed or ended by a new diagnosis, each with its follow-up checks in order (R52) and its practitioners' eligibility (R53)")
            .WithDescription("Requires X-Purpose of a purpose whose service is consultation; decided as a read of the subject's Encounters under it.");
        return group;
    }

    private static async Task<Results<JsonOk<ConsultationList>, Problem>> ListAsync(string id, Call call)
    {
        var policy = call.Tenant.Policy;
        if (policy.Purpose(call.Purpose).Service != "consultation")
        {
            return Problem.Validation("X-Purpose", "A purpose whose service is consultation (the default profile's: consultation).");
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id);
        if (!policy.TryGetType("Encounter", out var encounterType))
        {
            return Problem.Validation("X-Purpose", "The catalog declares no Encounter type.");
        }

        var facts = await SubjectFacts.LoadAsync(subject, call.Store, policy, call.Purpose, call.Actor, call.Today, call.Aborted);
        var request = facts.Request(call, call.Purpose, encounterType, AccessAction.Read, Level.L4);
        var decision = policy.Decide(request);
        if (!decision.IsPermitted)
        {
            return call.Refused(decision, detail: policy.DetailOf(decision.Refusal!, request));
        }

        var history = await CareRecords.LoadAsync(call.Tenant, call.Store, subject, call.Aborted);
        var systems = call.Tenant.Profile.Care.DiagnosisCodeSystems;
        var minimum = call.Tenant.Profile.Settings.MinimumPracticeYears;
        var views = new List<ConsultationView>();
        foreach (var encounter in history.Encounters.Where(e => e.Class == ClinicalFacts.Virtual))
        {
            var checks = new List<CareCheck>(ConsultationPolicy.Explain(encounter, history, systems));
            foreach (var practitioner in encounter.Practitioners.Distinct(StringComparer.Ordinal))
            {
                var row = await call.Store.GetPractitionerAsync(call.Tenant.Id, practitioner, call.Aborted);
                var entry = row is null ? null : PractitionerRegister.Parse(row);
                var standing = CarePolicy.Standing(entry, entry?.Role ?? Role.Physician, automated: false, minimum, call.Today);
                checks.Add(standing == PractitionerStanding.Eligible
                    ? new CareCheck($"eligible practitioner {practitioner}", "R53", Passed: true)
                    : new CareCheck($"eligible practitioner {practitioner}", "R53", Passed: false, CarePolicy.Detail(standing, entry?.Role ?? Role.Physician, minimum)) { Refusal = CareRefusals.PractitionerNotEligible });
            }

            var state = ConsultationPolicy.StateOf(encounter, history, systems) switch
            {
                ConsultationState.Open => "open",
                ConsultationState.EndedNewDiagnosis => "ended-new-diagnosis",
                _ => "closed",
            };
            views.Add(new ConsultationView(encounter.Id, encounter.Status, state, encounter.Practitioners, [.. checks.Select(c => new CareCheckView(c.Check, c.Rule, c.Passed, c.Refusal?.Code, c.Detail))]));
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, call.PurposeName, subject.Id, flags: decision.Flags, rules: decision.RuleIds), CancellationToken.None);
        return Api.Ok(new ConsultationList(subject.Id, ConsultationPolicy.InPersonDiagnoses(history, systems).Count, views), CareJson.Strict.ConsultationList);
    }
}
