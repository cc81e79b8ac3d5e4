using Cordon.Core.Access;
using Cordon.Core.Profiles;

namespace Cordon.Core.Care;

/// <summary>Whether a clinician may act in an online consultation or prescription, decided from the register (R53).</summary>
public enum PractitionerStanding : byte
{
    /// <summary>Not looked up: a decision that needs the register refuses (fail closed).</summary>
    Unchecked,
    Eligible,
    Automated,
    NotRegistered,
    RoleMismatch,
    Suspended,
    RealNameNotVerified,
    LicenceMissing,
    NotRegisteredHere,
    TooFewYears,
    NoOnlineConsent,
}

/// <summary>
/// The internet-diagnosis rules on who may act as a clinician (R53, Internet Diagnosis Measures 2018 Art. 25;
/// Supervision Rules 2022 Art. 13): pure, no clock or store — the caller passes the register entry and today.
/// </summary>
public static class CarePolicy
{
    /// <summary>China's physician practising certificate number (医师执业证书编码): 15 digits.</summary>
    public const int PhysicianLicenceDigits = 15;

    /// <summary>The longest licence number of a pharmacist or nurse accepted (their formats differ by province and year).</summary>
    public const int MaxLicenceLength = 40;

    /// <summary>
    /// Whether acting in <paramref name="role"/> under <paramref name="purpose"/> needs an eligible practitioner: every
    /// clinician of an online consultation, and the physician and pharmacist of a prescription.
    /// </summary>
    public static bool Applies(PurposeDef purpose, Role role) => Guard.NotNull(purpose).Service switch
    {
        "consultation" => role.IsClinician(),
        "prescription" => role is Role.Physician or Role.Pharmacist,
        _ => false,
    };

    /// <summary>Full years from <paramref name="since"/> to <paramref name="today"/>.</summary>
    public static int YearsOfPractice(DateOnly since, DateOnly today)
    {
        var years = today.Year - since.Year;
        if (today < since.AddYears(years))
        {
            years--;
        }

        return Math.Max(0, years);
    }

    /// <summary>The first condition that keeps the actor from acting as <paramref name="role"/>, or <see cref="PractitionerStanding.Eligible"/>.</summary>
    public static PractitionerStanding Standing(Practitioner? practitioner, Role role, bool automated, int minimumPracticeYears, DateOnly today)
    {
        if (automated)
        {
            return PractitionerStanding.Automated;
        }

        if (practitioner is null)
        {
            return PractitionerStanding.NotRegistered;
        }

        if (practitioner.Role != role)
        {
            return PractitionerStanding.RoleMismatch;
        }

        if (practitioner.Suspension is not null)
        {
            return PractitionerStanding.Suspended;
        }

        if (practitioner.RealName is not { Status: RealNameVerification.Verified, VerifiedOn: { } verifiedOn } || verifiedOn > today)
        {
            return PractitionerStanding.RealNameNotVerified;
        }

        if (string.IsNullOrWhiteSpace(practitioner.Licence))
        {
            return PractitionerStanding.LicenceMissing;
        }

        if (practitioner.Registration is null)
        {
            return PractitionerStanding.NotRegisteredHere;
        }

        if (role == Role.Physician && (practitioner.IndependentPracticeSince is not { } since || YearsOfPractice(since, today) < minimumPracticeYears))
        {
            return PractitionerStanding.TooFewYears;
        }

        return practitioner.OnlinePracticeConsentedOn is { } consented && consented <= today ? PractitionerStanding.Eligible : PractitionerStanding.NoOnlineConsent;
    }

    /// <summary>Null when eligible; otherwise the refusal with the failing condition in its detail.</summary>
    public static Failure? Check(Practitioner? practitioner, Role role, bool automated, int minimumPracticeYears, DateOnly today)
    {
        var standing = Standing(practitioner, role, automated, minimumPracticeYears, today);
        return standing == PractitionerStanding.Eligible ? null : Failure.From(CareRefusals.PractitionerNotEligible, Detail(standing, role, minimumPracticeYears));
    }

    /// <summary>The failing condition in words, for the refusal's detail; built only when refusing.</summary>
    public static string Detail(PractitionerStanding standing, Role role, int minimumPracticeYears)
    {
        var who = role.ToKey();
        return standing switch
        {
            PractitionerStanding.Eligible => $"The {who} is an eligible practitioner.",
            PractitionerStanding.Automated => "An automated agent is never a practitioner: a real-name verified human clinician must act (R53).",
            PractitionerStanding.NotRegistered => $"The actor is not registered as a practitioner: register the {who} (POST /v1/practitioners) before they act in an online consultation or prescription.",
            PractitionerStanding.RoleMismatch => $"The actor is registered in another role, not as a {who}; the token's role must be the one of the register.",
            PractitionerStanding.Suspended => $"The {who} is suspended; they act again once reinstated (PUT /v1/practitioners/{{id}}/suspension).",
            PractitionerStanding.RealNameNotVerified => $"The {who}'s real name is not verified.",
            PractitionerStanding.LicenceMissing => $"No practising licence number is recorded for the {who}.",
            PractitionerStanding.NotRegisteredHere => $"The {who} is not registered to practise at this institution (no practice or multi-site registration recorded).",
            PractitionerStanding.TooFewYears => $"The physician has fewer than {minimumPracticeYears} years of independent practice (settings.minimumPracticeYears), counted from the date independent practice began.",
            PractitionerStanding.NoOnlineConsent => $"The institution has not consented to the {who}'s online practice.",
            _ => "The practitioner register was not consulted for this decision, so the clinician is not known to be eligible.",
        };
    }

    /// <summary>
    /// The licence number's shape, or the reason it is wrong: a physician's is the 15-digit practising certificate number;
    /// a pharmacist's or nurse's any 1 to 40 letters, digits and hyphens (their certificates are numbered by province and
    /// have changed format over the years, so no one national shape would fit them all).
    /// </summary>
    public static string? LicenceProblem(Role role, string licence)
    {
        Guard.NotNull(licence);
        if (role == Role.Physician)
        {
            return licence.Length == PhysicianLicenceDigits && licence.All(char.IsAsciiDigit)
                ? null
                : $"A physician's practising certificate number is {PhysicianLicenceDigits} digits.";
        }

        return licence.Length is >= 1 and <= MaxLicenceLength && licence.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? null
            : $"1 to {MaxLicenceLength} letters, digits and hyphens.";
    }
}
