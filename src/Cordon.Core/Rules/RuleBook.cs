namespace Cordon.Core.Rules;

/// <summary>One rule of the engine (RULES.md, regulations.md "Rule table for the engine"): its stable id, trigger, requirement and source.</summary>
public sealed record Rule(string Id, string Trigger, string Requirement, string Citation, string Status);

/// <summary>
/// The rule table R01…R60. Ids are stable: code, tests, problem responses (<c>rule</c>, <c>citation</c>) and docs use them.
/// Status: V verified against the text, V2 verified through a reliable secondary source, U unverified.
/// </summary>
public static class RuleBook
{
    private static readonly Rule[] All =
    [
        new("R01", "any processing op", "must reference exactly one lawful basis ∈ {consent, contract, legal_duty, health_emergency, news, public_PI, other_law}", "PIPL Art. 13", "V"),
        new("R02", "collect field with class SENSITIVE/HEALTH", "active separate consent for that purpose, plus notice of necessity and impact", "PIPL Art. 29, 30; NDSMR Art. 22(2)", "V"),
        new("R03", "data subject age < 14", "guardian consent + a dedicated child policy; treat all fields as SENSITIVE", "PIPL Art. 28, 31", "V"),
        new("R04", "purpose / method / categories change", "invalidate consent; re-consent", "PIPL Art. 14; NDSMR Art. 22(6)", "V"),
        new("R05", "user refused consent", "do not re-prompt \"frequently\"; basic function must still work if the field is non-necessary", "NDSMR Art. 22(5); PIPL Art. 16", "V"),
        new("R06", "field not in the necessary-PI list for the app type", "must be optional; refusal cannot block the basic function", "App Necessary-PI Rules 2021", "V2"),
        new("R07", "app type ∈ {women's health, fitness}", "basic function must run with zero PI", "App Necessary-PI Rules 2021", "V2"),
        new("R08", "withdrawal request", "convenient channel; stop consent-based processing; then delete (see R20)", "PIPL Art. 15, 47", "V"),
        new("R09", "privacy policy published", "must contain: name and contact; purposes, methods, categories (as lists); sensitive necessity and impact; retention and post-expiry handling; rights channels incl. account cancellation and withdrawal", "PIPL Art. 17; NDSMR Art. 21", "V"),
        new("R10", "provide PI to another processor", "recipient identity, contact, purpose, method, categories notified + separate consent + PIPIA + contract + records ≥ 3y", "PIPL Art. 23, 55; NDSMR Art. 12", "V"),
        new("R11", "entrust processing (vendor/SDK)", "contract (purpose, term, method, categories, measures); supervision; no sub-entrusting without approval; delete/return at end; PIPIA; records ≥ 3y", "PIPL Art. 21, 55; NDSMR Art. 12", "V"),
        new("R12", "public disclosure of PI", "separate consent + PIPIA", "PIPL Art. 25, 55", "V"),
        new("R13", "automated push or marketing", "offer a non-personalised option or one-tap opt-out; stop immediately on opt-out; allow deleting user tags", "PIPL Art. 24; Algorithm Provisions Art. 17; NDSMR Art. 42", "V"),
        new("R14", "automated decision with major effect", "explanation on request; allow refusing a purely automated decision; PIPIA", "PIPL Art. 24, 55", "V"),
        new("R15", "electronic marketing message", "recipient's prior consent or request; sender identity and contact; unsubscribe", "Advertising Law Art. 43", "V"),
        new("R16", "popup ad", "visible one-click close", "Advertising Law Art. 44", "V"),
        new("R17", "medical/drug/device ad content", "block efficacy guarantees, cure rates, comparisons, endorsers; require an ad-review approval number", "Advertising Law Art. 16, 46", "V"),
        new("R18", "retention timer", "retention ≤ purpose-necessary; declared period enforced; purge at expiry", "PIPL Art. 19, 47", "V"),
        new("R19", "legal retention still running OR deletion infeasible", "freeze: storage + security only, no other processing", "PIPL Art. 47; NDSMR Art. 24", "V"),
        new("R20", "delete triggers: purpose done, service stopped, retention expired, consent withdrawn, illegal processing", "delete proactively", "PIPL Art. 47", "V"),
        new("R21", "account cancellation", "offer an in-app, easy cancellation; delete or anonymize", "NDSMR Art. 24; App Identification Methods 2019 (15 working days)", "V/V2"),
        new("R22", "access/copy/correct/delete/restrict request", "accept promptly; verify identity; no unreasonable conditions; refusals state reasons", "PIPL Art. 45–50; NDSMR Art. 23", "V (no statutory number)"),
        new("R23", "portability request", "grant if identity verified + data given by consent or contract + feasible + no harm to others; fee only for excessive requests", "PIPL Art. 45; NDSMR Art. 25", "V"),
        new("R24", "subject deceased", "allow close relatives access/copy/correct/delete unless the deceased arranged otherwise", "PIPL Art. 49", "V"),
        new("R25", "processing SENSITIVE, automated decisions, sharing, entrusting, disclosure, export", "PIPIA before processing; keep report + records ≥ 3y", "PIPL Art. 55, 56", "V"),
        new("R26", "PI individuals ≥ 1,000,000", "appoint a DPO; publish contact; file with city-level CAC ≤ 30 WD after reaching the count; refile changes ≤ 30 WD", "PIPL Art. 52; PI Compliance Audit Measures 2025 Art. 12; CAC 2025 notice", "V2"),
        new("R27", "PI individuals > 10,000,000", "compliance audit at least every 24 months", "PI Compliance Audit Measures 2025", "V2"),
        new("R28", "any processor", "periodic compliance audit (self or agency)", "PIPL Art. 54; NDSMR Art. 27", "V"),
        new("R29", "processes minors' PI", "annual minors-PI compliance audit, reported to CAC etc.; staff access with approval + logging", "Regulations on Online Protection of Minors Art. 36, 37", "V"),
        new("R30", "incident affecting > 1M PI or > 100k sensitive PI", "expect a regulator-ordered external audit", "PI Compliance Audit Measures 2025", "V2"),
        new("R31", "PI individuals ≥ 10,000,000", "network data security officer (management-level) + security body; report M&A/dissolution disposal to a provincial authority", "NDSMR Art. 28, 30, 32", "V"),
        new("R32", "registered users ≥ 50M or MAU ≥ 10M (+ complexity)", "annual PI-protection social-responsibility report; independent external oversight body", "NDSMR Art. 44, 62; PIPL Art. 58", "V"),
        new("R33", "any cross-border transfer (including remote access from abroad)", "separate consent + recipient notice + PIPIA + a mechanism per R34–R36 unless exempt", "PIPL Art. 38, 39, 55", "V"),
        new("R34", "export since 1 Jan: non-sensitive < 100k AND sensitive = 0 AND no important data AND non-CIIO", "no SA/SCC/cert needed (consent and PIPIA still apply)", "Cross-Border Data Flow Provisions 2024 Art. 5(4)", "V2"),
        new("R35", "export since 1 Jan: non-sensitive 100k–<1M OR sensitive 1–9,999", "SCC (file with provincial CAC ≤ 10 WD) or certification", "Cross-Border Data Flow Provisions 2024 Art. 8; SCC Measures", "V2"),
        new("R36", "export: sensitive ≥ 10k OR non-sensitive ≥ 1M OR important data OR CIIO", "CAC security assessment; valid 3y; renewal request in the 60 WD before expiry", "Cross-Border Data Flow Provisions 2024 Art. 7", "V2"),
        new("R37", "export necessary for a contract with the individual / HR / emergency to protect life and health", "exempt from SA/SCC/cert (consent and notice still apply)", "Cross-Border Data Flow Provisions 2024 Art. 5; NDSMR Art. 35", "V2/V"),
        new("R38", "storage region for medical-institution data / population health info", "storage.region == CN (no overseas servers, hosting or leasing)", "NHC 2022 measures; PHI Measures 2014", "V2"),
        new("R39", "data class HGR_INFO AND recipient foreign or foreign-controlled", "block unless filed with NHC + backup submitted (+ security review if sensitive); foreign-controlled entity may not collect or preserve HGR in China", "Human Genetic Resources Regulations Art. 7, 28", "V"),
        new("R40", "collection of HGR material/information", "ethics review + written informed consent (incl. right to withdraw unconditionally)", "Human Genetic Resources Regulations Art. 9, 12", "V"),
        new("R41", "security incident (leak, tamper, loss)", "remedy immediately; notify regulator + individuals with categories, cause, harm, remedies, self-help steps, contact", "PIPL Art. 57; NDSMR Art. 11", "V"),
        new("R42", "security defect endangering national security / public interest", "report to authority ≤ 24h", "NDSMR Art. 10", "V"),
        new("R43", "patient-data leak at a medical institution", "report promptly to the supervising health authority", "Internet Diagnosis Measures 2018 Art. 20", "V"),
        new("R44", "network/security logs", "retain ≥ 6 months, protected and backed up", "CSL Art. 21 (2017 text) / Art. 23 (2026 text)", "V"),
        new("R45", "user/admin authentication (MLPS L3)", "unique ID; complexity + rotation; lockout/timeout; encrypted remote admin; ≥ 2 factors, one cryptographic", "GB/T 22239-2019 L3", "V"),
        new("R46", "access control (MLPS L3)", "least privilege; separated admin roles; no default/shared/stale accounts; granularity user/process → file/table", "GB/T 22239-2019 L3", "V"),
        new("R47", "audit logging (MLPS L3)", "every user; date/time, user, type, outcome; tamper protection; regular backup", "GB/T 22239-2019 L3", "V"),
        new("R48", "HEALTH/PI/auth data in transit and at rest (MLPS L3)", "cryptographic confidentiality; checksum or crypto integrity", "GB/T 22239-2019 L3", "V"),
        new("R49", "backup (MLPS L3)", "local backup/restore + off-site real-time backup + hot redundancy", "GB/T 22239-2019 L3", "V"),
        new("R50", "storage release/reuse", "wipe auth data and sensitive data before reallocation", "GB/T 22239-2019 L3", "V"),
        new("R51", "crawler / automated collection", "assess impact; no intrusion or disruption; delete incidentally captured non-necessary or non-consented PI", "NDSMR Art. 18, 24", "V"),
        new("R52", "online consultation request", "allowed only if visit.type = follow_up AND prior offline diagnosis on file AND same diagnosis; otherwise refer offline", "Internet Diagnosis Measures 2018; Internet Diagnosis Supervision Rules 2022", "V2"),
        new("R53", "clinician session", "real-name authenticated licensed physician with ≥ 3 years of independent practice + institution consent; AI may not act as the physician", "Internet Diagnosis Measures 2018 Art. 25; Internet Diagnosis Supervision Rules 2022", "V/V2"),
        new("R54", "prescription creation", "author = treating physician (human), e-signature present, pharmacist review passed before it takes effect; AI auto-generation blocked; no dispensing before the Rx", "Internet Diagnosis Supervision Rules 2022; Internet Diagnosis Measures 2018", "V2"),
        new("R55", "prescription drug class ∈ {narcotic, psychotropic, other specially controlled}", "block online Rx", "Internet Diagnosis Measures 2018 Art. 19", "V"),
        new("R56", "online drug sale of {vaccine, blood product, narcotic, psychotropic, medical toxic, radioactive, precursor chemical}", "block", "Drug Administration Law Art. 61", "V"),
        new("R57", "paediatric online Rx, patient age < 6", "require guardian + relevant physician present", "Internet Diagnosis Measures 2018 Art. 19", "V"),
        new("R58", "internet-diagnosis medical record", "retain ≥ 15 years; chat and AV process records ≥ 3 years; full traceability", "Internet Diagnosis Supervision Rules 2022; Internet Diagnosis Measures 2018 Art. 24", "V2/V"),
        new("R59", "operator is NOT a medical institution", "block diagnosis/treatment features; block storing or processing EMR / health-record data online", "Internet Medical and Health Information Services Measures 2009 Art. 12", "V (text)"),
        new("R60", "separate consent before marketing push (Shanghai internet-medical companies)", "consent.marketing.separate = true", "Shanghai 2025 guideline Art. 6", "V2"),
    ];

    public static IReadOnlyList<Rule> Rules => All;

    /// <summary>The rule with this id (R01…R60).</summary>
    public static Rule Get(string id)
    {
        if (id.Length == 3 && id[0] == 'R' && int.TryParse(id.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 60)
        {
            return All[n - 1];
        }

        throw new ArgumentOutOfRangeException(nameof(id), id, "not a rule id R01…R60");
    }
}
