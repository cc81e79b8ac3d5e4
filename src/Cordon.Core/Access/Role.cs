namespace Cordon.Core.Access;

/// <summary>The roles of API.md. Tokens carry exactly one.</summary>
public enum Role : byte
{
    Patient,
    Guardian,
    Physician,
    Pharmacist,
    Nurse,
    Support,
    Marketing,
    Analyst,
    Dpo,
    Security,
    Admin,
    App,
}

public static class RoleNames
{
    public static string ToKey(this Role role) => role switch
    {
        Role.Patient => "patient",
        Role.Guardian => "guardian",
        Role.Physician => "physician",
        Role.Pharmacist => "pharmacist",
        Role.Nurse => "nurse",
        Role.Support => "support",
        Role.Marketing => "marketing",
        Role.Analyst => "analyst",
        Role.Dpo => "dpo",
        Role.Security => "security",
        Role.Admin => "admin",
        Role.App => "app",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? key, out Role role)
    {
        foreach (var r in Enum.GetValues<Role>())
        {
            if (string.Equals(r.ToKey(), key, StringComparison.Ordinal))
            {
                role = r;
                return true;
            }
        }

        role = default;
        return false;
    }

    /// <summary>Clinicians read clinical data only within a care relationship.</summary>
    public static bool IsClinician(this Role role) => role is Role.Physician or Role.Nurse or Role.Pharmacist;

    /// <summary>Roles that act for one data subject (their token names it).</summary>
    public static bool IsSubjectSide(this Role role) => role is Role.Patient or Role.Guardian;
}
