using System.Security.Cryptography;
using Cordon.Core.Access;
using Cordon.Server.Audit;
using Cordon.Server.Auth;
using Cordon.Server.Care;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Cli.Demo;

/// <summary>A draft prescription the demo sealed, written with its lifecycle row once the practitioners are registered.</summary>
internal sealed record DemoDraft(RecordRow Row, IReadOnlyList<LookupRow> Lookups, Cordon.Core.Audit.AuditDraft Audit)
{
    public DemoPerson? Person { get; init; }
}

/// <summary>
/// The demo's prescriptions, each taken through the same use cases as the API (R53–R57): proposed as a draft by the app,
/// signed by the physician of the patient's open consultation with the key the register holds, approved or rejected by
/// the pharmacist of the care team, and some dispensed — so that every state is on file, and the first patient's
/// prescription waits, signed, for the pharmacist of the tour.
/// </summary>
internal static class DemoPrescriptions
{
    public static async Task<IReadOnlyDictionary<string, int>> SeedAsync(TenantContext tenant, ICordonStore store, IReadOnlyList<DemoStaff> staff, IReadOnlyList<DemoDraft> drafts, IReadOnlyDictionary<string, ECDsa> keys, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var seeder = new Actor(tenant.Id, DemoTenant.Seeder, Role.App, null, false);
        var states = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var k = 0; k < drafts.Count; k++)
        {
            var draft = drafts[k];
            var person = draft.Person ?? throw new InvalidOperationException("A demo prescription has no patient.");
            var id = draft.Row.Id;
            await store.PutPrescriptionDraftAsync(draft.Row, draft.Lookups, PrescriptionWorkflow.Draft(draft.Row, seeder, now), draft.Audit, cancellationToken);
            var target = person.Index == 0 ? "signed" : (k % 5) switch { 0 => "draft", 1 => "signed", 2 => "active", 3 => "dispensed", _ => "rejected" };
            if (target != "draft")
            {
                var physician = staff[person.Physician];
                var canonical = Expect(await PrescriptionWorkflow.CanonicalAsync(tenant, store, id, cancellationToken), "read");
                var signature = Convert.ToBase64String(keys[physician.Actor].SignData(canonical, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
                Expect(await PrescriptionWorkflow.SignAsync(tenant, store, Context(tenant, physician, now), As(tenant, physician), id, new SignatureRequest(signature), cancellationToken), "sign");
            }

            if (target is "active" or "dispensed" or "rejected")
            {
                var pharmacist = staff[person.Pharmacist];
                var decision = target == "rejected" ? "reject" : "approve";
                Expect(await PrescriptionWorkflow.ReviewAsync(tenant, store, Context(tenant, pharmacist, now), As(tenant, pharmacist), id, new ReviewRequest(decision), cancellationToken), "review");
                if (target == "dispensed")
                {
                    Expect(await PrescriptionWorkflow.DispenseAsync(tenant, store, Context(tenant, pharmacist, now), As(tenant, pharmacist), id, new DispenseRequest("pharmacy"), cancellationToken), "dispense");
                }
            }

            states[target] = states.GetValueOrDefault(target) + 1;
        }

        foreach (var key in keys.Values)
        {
            key.Dispose();
        }

        return states;
    }

    private static Actor As(TenantContext tenant, DemoStaff member) => new(tenant.Id, member.Actor, member.Role, null, false);

    private static AuditContext Context(TenantContext tenant, DemoStaff member, DateTimeOffset now) => new(tenant.Id, member.Actor, member.Role.ToKey(), now, Keys: tenant.Keys);

    private static T Expect<T>(Cordon.Core.Result<T> result, string step)
        => result.Failed
            ? throw new InvalidOperationException($"The demo could not {step} a prescription ({result.Failure.Code}: {result.Failure.Detail}); the demo data and the care rules disagree.")
            : result.Value;
}
