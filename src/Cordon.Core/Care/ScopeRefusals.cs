using Cordon.Core.Decisions;

namespace Cordon.Core.Care;

/// <summary>
/// The refusals of the care scope rules: automated decisions the subject refused (R14) and what a health-information
/// service, which is not a medical institution, may not write, and telemedicine only between medical institutions (R59).
/// </summary>
public static class ScopeRefusals
{
    public static readonly Refusal AutomatedDecisionRefused = Refusal.Of(
        "care.automated-decision-refused", 403, "The subject refused automated decisions",
        "The subject refused decisions made solely by automated means (GET /v1/subjects/{id}/automated-decisions): an automated agent may no longer write or read records for them, and the automated records on file are withheld; a human must decide, or the subject withdraws the refusal.",
        "R14");

    public static readonly Refusal OutsideServiceScope = Refusal.Of(
        "care.outside-service-scope", 403, "Not a medical institution: no diagnosis or treatment",
        "This operator is a health-information service, not a medical institution: it may write health information and general advice (a HealthQuestion answer, a Communication without a diagnosis or treatment-plan category, a Condition without clinicalStatus as a reported concern), and booking with partner hospitals — never a diagnosis, a treatment plan or a prescription.",
        "R59");

    public static readonly Refusal TelemedicineNotInstitutional = Refusal.Of(
        "care.telemedicine-not-institutional", 403, "Telemedicine runs only between medical institutions",
        "A remote consultation (telemedicine) is a request from one medical institution to another: a ServiceRequest whose requester and performer reference Organizations (Organization/…), written by the requesting institution's app or clinician — never by or for the patient or guardian. A patient asks their own physician, who may request a second opinion.",
        "R59");
}
