using Cordon.Core.Decisions;

namespace Cordon.Core.Care;

/// <summary>The refusals of the care rules, each with its rule.</summary>
public static class CareRefusals
{
    public static readonly Refusal PractitionerNotEligible = Refusal.Of(
        "care.practitioner-not-eligible", 403, "Not an eligible practitioner",
        "A physician, pharmacist or nurse acts in an online consultation or prescription only as an eligible practitioner of the register (GET /v1/practitioners): registered, real name verified, licensed, registered to practise at this institution, with the institution's consent to online practice, not suspended, and a physician with the profile's minimum years of independent practice.",
        "R53");
}
