using System.Security.Claims;
using Cordon.Core.Access;

namespace Cordon.Server.Auth;

/// <summary>
/// Who is calling: tenant, identity, role, the subject a patient or guardian token names, whether an automated agent.
/// A clinician's licence and years of practice are not claims: the decision reads them from the practitioner register (R53).
/// </summary>
public sealed record Actor(string Tenant, string Id, Role Role, string? SubjectId, bool Automated)
{
    public const string TenantClaim = "tid";
    public const string RoleClaim = "role";
    public const string SubjectClaim = "subject";
    public const string AutomatedClaim = "ai";

    public string RoleKey => Role.ToKey();

    /// <summary>Reads the actor from a validated principal; null when a required claim is missing or invalid.</summary>
    public static Actor? From(ClaimsPrincipal principal, string defaultTenant, string roleClaim = RoleClaim)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var id = principal.FindFirstValue("sub") ?? principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var roleText = principal.FindFirstValue(roleClaim) ?? principal.FindFirstValue(ClaimTypes.Role);
        if (!ActorIds.IsValid(id) || !RoleNames.TryParse(roleText, out var role))
        {
            return null;
        }

        return new Actor(
            principal.FindFirstValue(TenantClaim) ?? defaultTenant,
            id,
            role,
            principal.FindFirstValue(SubjectClaim),
            string.Equals(principal.FindFirstValue(AutomatedClaim), "true", StringComparison.OrdinalIgnoreCase));
    }
}
