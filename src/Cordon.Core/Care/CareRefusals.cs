using Cordon.Core.Decisions;

namespace Cordon.Core.Care;

/// <summary>The refusals of the care rules, each with its rule.</summary>
public static class CareRefusals
{
    public static readonly Refusal PractitionerNotEligible = Refusal.Of(
        "care.practitioner-not-eligible", 403, "Not an eligible practitioner",
        "A physician, pharmacist or nurse acts in an online consultation or prescription only as an eligible practitioner of the register (GET /v1/practitioners): registered, real name verified, licensed, registered to practise at this institution, with the institution's consent to online practice, not suspended, and a physician with the profile's minimum years of independent practice.",
        "R53");

    public static readonly Refusal FirstVisitOffline = Refusal.Of(
        "care.first-visit-offline", 403, "First visits are in person",
        "Online diagnosis and treatment is for follow-up visits of common and chronic diseases diagnosed in person at a medical institution, with the same diagnosis; a first visit, or a new diagnosis, is referred to an in-person visit.",
        "R52");

    public static readonly Refusal NotConsultationPhysician = Refusal.Of(
        "care.not-consultation-physician", 403, "Not the physician of an open consultation",
        "A prescription is authored and signed by the human physician of the patient's open online consultation.",
        "R54");

    public static readonly Refusal AutomatedPrescriber = Refusal.Of(
        "care.automated-prescriber", 403, "An automated agent does not prescribe",
        "An automated agent (AI) may propose a draft prescription but never author, sign, review or approve one.",
        "R54");

    public static readonly Refusal SignatureInvalid = Refusal.Of(
        "care.signature-invalid", 403, "The prescription's signature does not verify",
        "A prescription takes effect only with its physician's e-signature, made with the key in the practitioner register over the prescription's current canonical form.",
        "R54");

    public static readonly Refusal SelfReview = Refusal.Of(
        "care.self-review", 403, "A prescription is not reviewed by its author",
        "A pharmacist other than the author reviews and approves every prescription before it takes effect.",
        "R54");

    public static readonly Refusal PrescriptionNotActive = Refusal.Of(
        "care.prescription-not-active", 409, "The prescription is not active",
        "A prescription is a draft until its physician signs it and a pharmacist approves it; nothing is dispensed before, and an active prescription is not changed (write a new one).",
        "R54");

    public static readonly Refusal ControlledDrug = Refusal.Of(
        "care.controlled-drug", 403, "A specially managed drug is not prescribed online",
        "Narcotic, psychotropic, medical toxic and radioactive drugs and drug precursor chemicals are never prescribed online.",
        "R55");

    public static readonly Refusal UnknownDrug = Refusal.Of(
        "care.unknown-drug", 422, "The drug code cannot be classified",
        "A prescription names each drug by a code of the drug catalog's code systems (ATC by default), so that its class can be checked; a code Cordon cannot classify is refused.",
        "R55");

    public static readonly Refusal OnlineSaleForbidden = Refusal.Of(
        "care.online-sale-forbidden", 403, "This drug is not sold online",
        "Vaccines, blood products, narcotic, psychotropic, medical toxic and radioactive drugs and drug precursor chemicals are not sold online.",
        "R56");

    public static readonly Refusal PaediatricAttendance = Refusal.Of(
        "care.paediatric-attendance-required", 403, "A young child's prescription needs the guardian and a physician present",
        "For a child under the profile's paediatricPrescriptionBelowAge (6 by law) an online prescription needs the guardian and an accompanying physician present.",
        "R57");
}
