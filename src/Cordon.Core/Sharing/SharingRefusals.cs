using Cordon.Core.Decisions;

namespace Cordon.Core.Sharing;

/// <summary>The refusals of the egress gate, each with its rule.</summary>
public static class SharingRefusals
{
    public static readonly Refusal RecipientUnknown = Refusal.Of(
        "recipient.unknown", 422, "Recipient not in the register",
        "Data leaves Cordon only for a recipient the profile declares, with its identity, contact and what it receives in the privacy notice; GET /v1/recipients lists them.",
        "R10");

    public static readonly Refusal PurposeNotAllowed = Refusal.Of(
        "sharing.purpose-not-allowed", 403, "Recipient not declared for this purpose",
        "The profile does not list this recipient under the purpose, so the notice never told the subject it receives data for it.",
        "R10");

    public static readonly Refusal FieldsNotAllowed = Refusal.Of(
        "sharing.field-not-allowed", 403, "Data not declared for this recipient",
        "The recipient may receive only the record types and fields its register entry declares (fields), and only what the purpose may read.",
        "R10", "PIPL Art. 6, 23; NDSMR Art. 12");

    public static readonly Refusal MethodNotDeliverable = Refusal.Of(
        "sharing.no-delivery", 409, "Recipient has no delivery through the gate",
        "The recipient receives its data in the app (method sdk) or has no endpoint or public key: the gate never hands data to the caller, so there is nothing it can deliver to.",
        "R11");

    public static readonly Refusal ContractRequired = Refusal.Of(
        "sharing.contract-required", 403, "No contract with the recipient",
        "Providing or entrusting personal information needs a contract with the recipient that is in force (reference, term, purposes, what it may do, sub-entrusting, deletion or return at the end); record it with PUT /v1/recipients/{key}/contract.",
        "R11");

    public static readonly Refusal ContractExpired = Refusal.Of(
        "sharing.contract-expired", 403, "Contract with the recipient not in force",
        "The recipient's contract is not in force today; record the renewed contract before sharing again.",
        "R11");

    public static readonly Refusal BeyondContract = Refusal.Of(
        "sharing.beyond-contract", 403, "Purpose outside the contract",
        "The contract with this recipient does not cover the purpose; an entrusted party may process only for the purposes agreed.",
        "R11");

    public static readonly Refusal AssessmentRequired = Refusal.Of(
        "assessment.required", 403, "Impact assessment required",
        "This processing needs an approved personal-information protection impact assessment that covers it before it starts; record one with POST /v1/assessments.",
        "R25");

    public static readonly Refusal LocalisationRequired = Refusal.Of(
        "localisation.required", 403, "Data must stay in China",
        "Population health information and a medical institution's data are stored and processed in mainland China only; they never go to a recipient outside it.",
        "R38");

    public static readonly Refusal GeneticFilingRequired = Refusal.Of(
        "hgr.filing-required", 403, "Human genetic resources information to a foreign party",
        "Genetic data goes to a foreign or foreign-controlled recipient only after the filing with the health authority is recorded (PUT /v1/recipients/{key}/genetic-filing).",
        "R39");

    public static readonly Refusal ConsentMissing = Refusal.Of(
        "consent.recipient-missing", 403, "No separate consent for this recipient",
        "The subject has not given separate consent to providing their data to this recipient under this purpose (a consent with this recipient).",
        "R10");

    public static readonly Refusal ConsentWithdrawn = Refusal.Of(
        "consent.recipient-missing", 403, "Consent for this recipient withdrawn",
        "The subject withdrew their consent to this recipient; nothing more goes to it from the next disclosure.",
        "R08");

    public static readonly Refusal ConsentRenewal = Refusal.Of(
        "consent.renewal-required", 403, "Consent needs renewal",
        "What the notice says of this purpose or its recipients changed since the subject consented; they must consent again.",
        "R04");

    public static readonly Refusal GuardianRequired = Refusal.Of(
        "consent.guardian-required", 403, "Guardian consent required",
        "The subject is under the guardian-consent age; only the guardian's consent to this recipient counts.",
        "R03");

    public static readonly Refusal SubjectNotActive = Refusal.Of(
        "access.subject-restricted", 403, "Subject's data is restricted",
        "The subject's data is kept for storage and a legal duty only (restricted, deceased or cancelled); none of it is shared.",
        "R19");

    public static readonly Refusal StandardContractRequired = Refusal.Of(
        "crossborder.mechanism-required", 403, "Standard contract or certification required",
        "With this transfer the individuals whose data went abroad since 1 January cross into the standard contract or certification band; record the filed standard contract or the certification for this recipient first.",
        "R35");

    public static readonly Refusal SecurityAssessmentRequired = Refusal.Of(
        "crossborder.mechanism-required", 403, "Security assessment required",
        "With this transfer the individuals whose data went abroad since 1 January reach the security-assessment threshold (or important data is among it); record the regulator's approval for this recipient first.",
        "R36");
}
