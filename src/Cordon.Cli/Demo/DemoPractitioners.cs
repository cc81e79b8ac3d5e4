using System.Globalization;
using System.Security.Cryptography;
using Cordon.Core.Access;
using Cordon.Core.Care;
using Cordon.Server.Care;
using Cordon.Server.Rights;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Cli.Demo;

/// <summary>
/// The demo's practitioner register, written through the same use case as <c>POST /v1/practitioners</c>: every clinician
/// of the roster eligible (verified, licensed, registered here, consented to online practice, with their years), and one
/// physician with two years of independent practice, so that the console and the tour can show the R53 refusal.
/// </summary>
internal static class DemoPractitioners
{
    /// <summary>The physician who is registered but not eligible: two years of independent practice, below the minimum of three.</summary>
    public const string Junior = "dr-junior-zhou";

    /// <summary>Registers the roster; every physician with a P-256 signing key, whose private half stays in this process (the demo signs its prescriptions with it, then forgets it).</summary>
    public static async Task<(int Count, IReadOnlyDictionary<string, ECDsa> Keys)> SeedAsync(TenantContext tenant, ICordonStore store, IReadOnlyList<DemoStaff> staff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var op = new Operation(tenant, store, now, DemoTenant.Seeder, Role.App.ToKey());
        var today = op.Today;
        var institution = tenant.Profile.Operator.Name;
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var member in staff)
        {
            var request = Request(member.Actor, member.Role, member.Name, member.Licence, today.AddYears(-member.PracticeYears).AddDays(-30), today, institution);
            if (member.Role == Role.Physician)
            {
                var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                keys[member.Actor] = key;
                request = request with { PublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()) };
            }

            await RegisterAsync(op, request, cancellationToken);
        }

        await RegisterAsync(op, Request(Junior, Role.Physician, "周宁", "110101000000002", today.AddYears(-2).AddDays(-30), today, institution), cancellationToken);
        return (staff.Count + 1, keys);
    }

    private static PractitionerRequest Request(string actor, Role role, string name, string licence, DateOnly since, DateOnly today, string institution)
        => new(
            actor,
            role.ToKey(),
            name,
            new RealNameRequest(RealNameVerification.Verified, "居民身份证与人脸识别 / ID card and face match", today.AddDays(-60)),
            role == Role.Physician ? licence : string.Create(CultureInfo.InvariantCulture, $"{role.ToKey()[0]}-{licence}"),
            new RegistrationRequest(PracticeRegistration.ThisInstitution, institution, since),
            since,
            today.AddDays(-45));

    private static async Task RegisterAsync(Operation op, PractitionerRequest request, CancellationToken cancellationToken)
    {
        var registered = await PractitionerRegister.RegisterAsync(op, request, cancellationToken);
        if (registered.Failed)
        {
            throw new InvalidOperationException($"The demo could not register practitioner {request.Id} ({registered.Failure.Code}: {registered.Failure.Detail}).");
        }
    }
}
