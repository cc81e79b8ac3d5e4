using Cordon.Core.Access;
using Cordon.Core.Care;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Subjects;

namespace Cordon.Core.Decisions;

public enum AccessAction : byte
{
    Read,
    Write,
}

/// <summary>How the caller's token relates to the data subject.</summary>
public enum SubjectLink : byte
{
    None,
    /// <summary>The token names this subject (a patient acting for themselves).</summary>
    Self,
    /// <summary>The token names the subject's guardian.</summary>
    Guardian,
}

/// <summary>How a clinician relates to the subject's care team.</summary>
public enum CareRelation : byte
{
    None,
    /// <summary>A current member of the care team (physician, nurse or pharmacist).</summary>
    Member,
    /// <summary>A current member whose care-team role is physician: the treating physician.</summary>
    TreatingPhysician,
}

/// <summary>
/// Everything a decision needs, already resolved to small values so that deciding allocates nothing.
/// <see cref="Purpose"/> and <see cref="RecordType"/> are indexes from <see cref="AccessPolicy"/>.
/// </summary>
public readonly record struct AccessRequest
{
    public required Role Role { get; init; }

    public bool Automated { get; init; }

    public required int Purpose { get; init; }

    public required int RecordType { get; init; }

    public required AccessAction Action { get; init; }

    /// <summary>The record's level (reads) or the level of what is written.</summary>
    public Level Level { get; init; }

    public SubjectState SubjectState { get; init; }

    public SubjectLink Link { get; init; }

    /// <summary>Below the profile's guardian-consent age (R03).</summary>
    public bool UnderGuardianAge { get; init; }

    public ConsentStatus Consent { get; init; }

    public CareRelation Care { get; init; }

    public bool HasJustification { get; init; }

    /// <summary>The actor's standing in the practitioner register, looked up before deciding when the purpose needs it (R53); unchecked refuses.</summary>
    public PractitionerStanding Practitioner { get; init; }
}
