using Cordon.Core.Access;

namespace Cordon.Core.Care;

/// <summary>How a practitioner's real name was verified (status, method, date).</summary>
public sealed record RealNameVerification(string Status, string Method, DateOnly? VerifiedOn = null)
{
    public const string Verified = "verified";
    public const string Pending = "pending";
    public const string Failed = "failed";

    public static IReadOnlyList<string> Statuses { get; } = [Verified, Pending, Failed];
}

/// <summary>The practice registration (执业注册) that lets the practitioner practise at this institution, or a multi-site one that includes it.</summary>
public sealed record PracticeRegistration(string Kind, string Institution, DateOnly RegisteredOn)
{
    public const string ThisInstitution = "this-institution";
    public const string MultiSite = "multi-site";

    public static IReadOnlyList<string> Kinds { get; } = [ThisInstitution, MultiSite];
}

/// <summary>A suspension: since when, why, who recorded it.</summary>
public sealed record PractitionerSuspension(DateTimeOffset Since, string Reason, string By);

/// <summary>
/// One entry of the practitioner register: a physician, pharmacist or nurse of the tenant. <see cref="Id"/> is the actor id
/// the practitioner's tokens carry. Years of practice are counted from <see cref="IndependentPracticeSince"/> on the day
/// of each decision, so they grow with time instead of being a stored number.
/// </summary>
public sealed record Practitioner
{
    public required string Id { get; init; }

    public required Role Role { get; init; }

    public required string Name { get; init; }

    public required RealNameVerification RealName { get; init; }

    /// <summary>The practising certificate number; null while none is recorded.</summary>
    public string? Licence { get; init; }

    /// <summary>Null while the practitioner is not registered to practise at this institution.</summary>
    public PracticeRegistration? Registration { get; init; }

    /// <summary>The first day of independent practice (after the probation period).</summary>
    public DateOnly? IndependentPracticeSince { get; init; }

    /// <summary>The day the institution consented to this practitioner's online practice; null when it has not.</summary>
    public DateOnly? OnlinePracticeConsentedOn { get; init; }

    /// <summary>The public key for e-signatures (base64 SubjectPublicKeyInfo, SM2 or P-256); null while none is registered.</summary>
    public string? PublicKey { get; init; }

    public PractitionerSuspension? Suspension { get; init; }
}
