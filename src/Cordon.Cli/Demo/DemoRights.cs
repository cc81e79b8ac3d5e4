using System.Text.Json;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Rights;
using Cordon.Core.Subjects;
using Cordon.Server.Audit;
using Cordon.Server.Hosting;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Cli.Demo;

/// <summary>What the demo's rights queue holds after seeding, by what the workflow made of each request.</summary>
public sealed record DemoRightsQueue(int Open, int Late, int AwaitingProof, int Completed);

/// <summary>
/// Rights requests for the DPO's queue, received through the server's own use case (<see cref="RightsIntake"/>) by the
/// patients themselves at earlier times of the demo clock, so each due date is counted on the working-day calendar
/// from its day of receipt and the server tells which are late by its own clock: a correction of a diagnosis received
/// six weeks ago (late, waiting for a clinician), one received two days ago (open), a close relative's access request
/// for a deceased patient (waiting for the proof to be verified, R24), and an access request already completed.
/// </summary>
internal static class DemoRights
{
    public static async Task<DemoRightsQueue> SeedAsync(CordonHost host, TenantContext tenant, IReadOnlyList<DemoPerson> patients, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var store = host.Store;
        var portability = host.App.Services.GetRequiredService<PortabilityClient>();
        var calendar = await host.App.Services.GetRequiredService<CalendarCache>().GetAsync(tenant.Id, cancellationToken);

        // Adults with a diagnosis on record, away from the people the printed logins show (patient 0, the guardian, the child).
        var guardians = patients.Where(p => p.Child).Select(p => p.Guardian!.Value).ToHashSet();
        var candidates = patients.Where(p => !p.Child && p.Index > 20 && p.Consultations > 0 && !guardians.Contains(p.Index)).Take(5).ToList();
        if (candidates.Count < 5)
        {
            throw new InvalidOperationException("The demo roster has too few adults with a consultation to seed the rights queue.");
        }

        async Task<string> SubjectOf(DemoPerson person)
        {
            var found = await store.FindSubjectsAsync(tenant.Id, "external-id", tenant.Indexer.Compute("external-id", person.ExternalId), cancellationToken);
            return found.Count == 1 ? found[0] : throw new InvalidOperationException("A demo patient just seeded cannot be found by external id.");
        }

        async Task<RightsRequestRow> ReceiveAsync(DemoPerson requester, string subjectId, TimeSpan ago, RightsKind kind, RequesterRelation relation, CreateRightsRequest request)
        {
            using var subject = await SubjectVault.OpenAsync(tenant, store, subjectId, cancellationToken)
                ?? throw new InvalidOperationException("A demo subject just seeded could not be opened.");
            var op = new Operation(tenant, store, now - ago, requester.ExternalId, Role.Patient.ToKey());
            var received = await RightsIntake.ReceiveAsync(op, new Requester(Role.Patient, await SubjectOf(requester)), kind, relation, request, subject, calendar, portability, cancellationToken);
            return received.Failed
                ? throw new InvalidOperationException($"The rights workflow refused a demo request ({received.Failure.Code}); the demo and the rules disagree.")
                : received.Value;
        }

        async Task<RightsRequestRow> CorrectionAsync(DemoPerson person, TimeSpan ago)
        {
            var subjectId = await SubjectOf(person);
            var condition = (await store.ListRecordsAsync(tenant.Id, subjectId, "Condition", cancellationToken)).FirstOrDefault()
                ?? throw new InvalidOperationException("A demo patient with a consultation has no Condition record.");
            var proposal = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["resourceType"] = "Condition",
                ["code"] = new Dictionary<string, string> { ["text"] = person.Department!.Conditions[0].Display },
                ["note"] = new[] { new Dictionary<string, string> { ["text"] = "患者说明：症状始于三个月前，而非病历所记的一年前。" } },
            });
            return await ReceiveAsync(person, subjectId, ago, RightsKind.Correction, RequesterRelation.Self, new CreateRightsRequest(subjectId, "correction", RecordId: condition.Id, Resource: proposal, Reason: "发病时间记录有误"));
        }

        var rows = new List<RightsRequestRow>
        {
            await CorrectionAsync(candidates[0], TimeSpan.FromDays(42)),
            await CorrectionAsync(candidates[1], TimeSpan.FromDays(2)),
        };

        var accessor = await SubjectOf(candidates[2]);
        rows.Add(await ReceiveAsync(candidates[2], accessor, TimeSpan.FromDays(9), RightsKind.Access, RequesterRelation.Self, new CreateRightsRequest(accessor, "access")));

        // A death recorded a week ago (as PUT /v1/subjects/{id}/state records it), then a relative asks for access with a proof reference.
        var deceased = await SubjectOf(candidates[3]);
        var audit = new AuditContext(tenant.Id, "cordon-demo", Role.Admin.ToKey(), now - TimeSpan.FromDays(7), Keys: tenant.Keys);
        var recorded = await store.SetSubjectStateAsync(tenant.Id, deceased, SubjectState.Deceased, now - TimeSpan.FromDays(7), audit.Draft("subject.state", AuditOutcome.Done, subject: deceased, rules: ["R24"]), cancellationToken);
        if (recorded != WriteStatus.Done)
        {
            throw new InvalidOperationException($"The demo could not record a death ({recorded}).");
        }

        rows.Add(await ReceiveAsync(candidates[4], deceased, TimeSpan.FromDays(4), RightsKind.Access, RequesterRelation.CloseRelative, new CreateRightsRequest(deceased, "access", "close-relative", ProofReference: "死亡医学证明书 DEMO-2026-0042；户口簿亲属关系页（待线下核验）")));

        var today = DateOnly.FromDateTime(now.UtcDateTime.AddHours(8));
        var open = rows.Where(r => r.Status == RightsStatus.Open).ToList();
        return new DemoRightsQueue(
            open.Count,
            open.Count(r => today > r.DueOn),
            open.Count(r => r.Relation == RequesterRelation.CloseRelative),
            rows.Count(r => r.Status == RightsStatus.Completed));
    }
}
