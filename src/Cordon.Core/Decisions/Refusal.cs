using Cordon.Core.Rules;

namespace Cordon.Core.Decisions;

/// <summary>
/// A compliance refusal: its problem code, HTTP status, the rule that decided it and the law behind it.
/// One table of these serves decisions, the HTTP problem mapping and the docs.
/// </summary>
public sealed class Refusal
{
    private Refusal(string code, int status, string title, string detail, string? rule, string? citation)
    {
        Code = code;
        Status = status;
        Title = title;
        Detail = detail;
        Rule = rule;
        Citation = citation ?? (rule is null ? null : RuleBook.Get(rule).Citation);
    }

    public string Code { get; }

    public int Status { get; }

    public string Title { get; }

    /// <summary>Plain words a developer can act on. Never holds patient data.</summary>
    public string Detail { get; }

    public string? Rule { get; }

    public string? Citation { get; }

    public static Refusal Of(string code, int status, string title, string detail, string? rule = null, string? citation = null)
        => new(code, status, title, detail, rule, citation);

    public override string ToString() => Rule is null ? Code : $"{Code} ({Rule})";
}

/// <summary>The refusals the access decision can return.</summary>
public static class Refusals
{
    public static readonly Refusal RoleNotAllowed = Refusal.Of(
        "access.role-not-allowed", 403, "Role not allowed for this purpose",
        "The caller's role may not perform this action under the declared purpose; the profile lists the roles per purpose (least privilege).",
        "R46");

    public static readonly Refusal AutomatedClinician = Refusal.Of(
        "access.automated-actor", 403, "Automated agents may not act as clinicians",
        "An automated agent (AI) may not act as a physician, pharmacist or nurse; a real-name authenticated clinician must act in person.",
        "R53");

    public static readonly Refusal NotTheSubject = Refusal.Of(
        "access.not-the-subject", 403, "Not this subject's data",
        "A patient's token reaches only its own subject, and a guardian's only its wards.",
        "R46");

    public static readonly Refusal TypeNotAllowed = Refusal.Of(
        "minimization.type-not-allowed", 403, "Record type not allowed for this purpose",
        "The declared purpose may not collect or read this record type (minimum necessary).",
        "R06", "PIPL Art. 6; NDSMR Art. 22(1); App Necessary-PI Rules 2021");

    public static readonly Refusal SubjectRestricted = Refusal.Of(
        "access.subject-restricted", 403, "Subject's data is restricted",
        "The subject's data is kept for storage and a legal duty only; it is served to no purpose but the legal one.",
        "R19");

    public static readonly Refusal RecordRestricted = Refusal.Of(
        "access.record-restricted", 403, "Record kept for a legal duty only",
        "The subject asked for this record's deletion, but a law (or a legal hold) keeps it: it is stored and protected and served to no purpose but the legal one.",
        "R19");

    public static readonly Refusal ConsentMissingSeparate = Refusal.Of(
        "consent.missing", 403, "Separate consent missing",
        "This purpose processes sensitive personal information and needs the subject's active separate consent for it.",
        "R02");

    public static readonly Refusal ConsentMissingGeneral = Refusal.Of(
        "consent.missing", 403, "Consent missing",
        "This purpose rests on consent and the subject has not granted it.",
        "R01", "PIPL Art. 13, 14");

    public static readonly Refusal ConsentWithdrawn = Refusal.Of(
        "consent.missing", 403, "Consent withdrawn",
        "The subject withdrew consent for this purpose; consent-based processing stops from the next request.",
        "R08");

    public static readonly Refusal GuardianRequired = Refusal.Of(
        "consent.guardian-required", 403, "Guardian consent required",
        "The subject is under the guardian-consent age; only consent given by a parent or guardian counts.",
        "R03");

    public static readonly Refusal ConsentNeedsRenewal = Refusal.Of(
        "consent.renewal-required", 403, "Consent needs renewal",
        "The privacy notice changed what this purpose collects, how or with whom; the subject must consent again.",
        "R04");

    public static readonly Refusal NoCareRelationship = Refusal.Of(
        "access.no-care-relationship", 403, "No care relationship",
        "Clinicians read a patient's clinical records only while in the patient's care team; break-glass access needs an X-Justification header.",
        "R46", "GB/T 22239-2019 L3 access control; GB/T 39725-2020 §11.1");

    public static readonly Refusal LevelRestricted = Refusal.Of(
        "access.level-restricted", 403, "Highest-level data",
        "L5 data (HIV/AIDS, sexually transmitted and mental-health conditions, genetic data) is served only to the subject and to the treating physician with an X-Justification header.",
        "R46", "GB/T 39725-2020 §6.2 (level 5); GB/T 22239-2019 L3 access control");

    public static readonly Refusal FieldNotAllowed = Refusal.Of(
        "minimization.field-not-allowed", 403, "Fields not allowed for this purpose",
        "The declared purpose may not collect some of the fields sent (minimum necessary).",
        "R06", "PIPL Art. 6; NDSMR Art. 22(1); App Necessary-PI Rules 2021");

    public static readonly Refusal TenantServiceNotAllowed = Refusal.Of(
        "tenant.service-not-allowed", 403, "Service not allowed for this operator",
        "An operator that is not a medical institution may not store or process medical-record or health-record data, nor diagnose or treat.",
        "R59");

    public static readonly Refusal DeidentifyUnknownPath = Refusal.Of(
        "deidentify.unknown-path", 422, "De-identification rule names an unknown path",
        "A de-identification rule names a record type or element path the catalog does not classify; each error names the rule, the path and the nearest known path.");

    public static readonly Refusal KAnonymityTooLow = Refusal.Of(
        "deidentify.k-anonymity-too-low", 422, "Release below the minimum k",
        "Some records of the de-identified release share their quasi-identifiers (birth year, gender, province, city …) with fewer records than the minimum k; generalise further or leave those records out.");
}
