using Cordon.Core.Decisions;

namespace Cordon.Core.Care;

/// <summary>One care check as the explain step shows it: what was checked, under which rule, whether it held, and why not.</summary>
public sealed record CareCheck(string Check, string Rule, bool Passed, string? Detail = null)
{
    /// <summary>The refusal when the check failed.</summary>
    public Refusal? Refusal { get; init; }
}

/// <summary>Where a prescription stands (R54): a draft until signed by its physician, active only once a pharmacist approved it.</summary>
public enum PrescriptionState : byte
{
    Draft,
    Signed,
    Active,
    Rejected,
    Dispensed,
}

/// <summary>Which step of the lifecycle is being decided.</summary>
public enum PrescriptionStep : byte
{
    /// <summary>The physician (never an automated agent) signs the draft.</summary>
    Sign,

    /// <summary>A pharmacist approves it: every precondition is checked again, on the current version.</summary>
    Approve,
}

/// <summary>Everything a prescription's preconditions are decided on, gathered by the caller (register, records, signature).</summary>
public sealed record PrescriptionCase
{
    public required MedicationRequestFacts Request { get; init; }

    /// <summary>The canonical form of the current version (<see cref="PrescriptionSignature.Canonical"/>).</summary>
    public required byte[] Canonical { get; init; }

    /// <summary>The physician who signs (or signed) it; null while none has.</summary>
    public string? Author { get; init; }

    public bool AuthorAutomated { get; init; }

    public PractitionerStanding AuthorStanding { get; init; }

    public string? AuthorKey { get; init; }

    public byte[]? Signature { get; init; }

    public EncounterFacts? Consultation { get; init; }

    public ConsultationState ConsultationState { get; init; } = ConsultationState.Closed;

    /// <summary>The patient's age in full years on the day; null when the birth date is not known.</summary>
    public int? Age { get; init; }

    public int PaediatricBelowAge { get; init; } = 6;

    public bool GuardianPresent { get; init; }

    public string? AccompanyingPhysician { get; init; }

    public PractitionerStanding AccompanyingStanding { get; init; }

    public string? Reviewer { get; init; }

    public bool ReviewerAutomated { get; init; }

    public PractitionerStanding ReviewerStanding { get; init; }

    public required DrugClasses Drugs { get; init; }

    public int MinimumPracticeYears { get; init; } = 3;
}

/// <summary>
/// The preconditions of an online prescription, in order (R53–R57; Internet Diagnosis Measures 2018 Art. 18–19,
/// Supervision Rules 2022 Art. 19–22): pure, no store or clock. Each check is kept, so the explain step shows them all;
/// the first that fails is the refusal.
/// </summary>
public static class PrescriptionPolicy
{
    /// <summary>The drugs checks alone: every code known, none of a class that may not be prescribed online (R55).</summary>
    public static CareCheck Drugs(MedicationRequestFacts request, DrugClasses drugs)
    {
        Guard.NotNull(request);
        Guard.NotNull(drugs);
        if (request.Drugs.Count == 0)
        {
            return Fail("drug codes", "R55", CareRefusals.UnknownDrug,
                $"A prescription names its drug in medicationCodeableConcept.coding, in a code system of the drug catalog ({string.Join(", ", drugs.Systems.Order(StringComparer.Ordinal))}), so that its class can be checked.");
        }

        foreach (var drug in request.Drugs)
        {
            if (!drugs.IsKnown(drug))
            {
                return Fail("drug codes", "R55", CareRefusals.UnknownDrug,
                    drug.System == DrugClasses.Atc
                        ? "An ATC drug code is a full substance code of seven characters (letter, two digits, two letters, two digits, e.g. A10BA02); a group or a malformed code cannot be checked against the controlled classes."
                        : $"The drug code system is not in the drug catalog ({string.Join(", ", drugs.Systems.Order(StringComparer.Ordinal))}); a code Cordon cannot classify cannot be shown not to be controlled.");
            }

            if (drugs.ClassOf(drug) is { } drugClass && DrugClasses.NotPrescribableOnline.Contains(drugClass))
            {
                return Fail("drug classes", "R55", CareRefusals.ControlledDrug,
                    $"The prescription names a {DrugClasses.KeyOf(drugClass)} drug; narcotic, psychotropic and other specially managed drugs are never prescribed online (Internet Diagnosis Measures 2018 Art. 19). The patient is seen in person.");
            }
        }

        return Pass("drug classes", "R55");
    }

    /// <summary>Every check of <paramref name="step"/>, in order.</summary>
    public static IReadOnlyList<CareCheck> Evaluate(PrescriptionCase c, PrescriptionStep step)
    {
        Guard.NotNull(c);
        var checks = new List<CareCheck>(9);
        if (step == PrescriptionStep.Approve)
        {
            checks.Add(c.ReviewerAutomated
                ? Fail("human reviewer", "R54", CareRefusals.AutomatedPrescriber, "An automated agent never reviews or approves a prescription; a registered pharmacist does.")
                : Pass("human reviewer", "R54"));
            checks.Add(c.Reviewer is not null && string.Equals(c.Reviewer, c.Author, StringComparison.Ordinal)
                ? Fail("reviewer is not the author", "R54", CareRefusals.SelfReview, "A prescription is reviewed by a pharmacist other than its author.")
                : Pass("reviewer is not the author", "R54"));
            checks.Add(c.ReviewerStanding == PractitionerStanding.Eligible
                ? Pass("registered pharmacist", "R53")
                : Fail("registered pharmacist", "R53", CareRefusals.PractitionerNotEligible, CarePolicy.Detail(c.ReviewerStanding, Access.Role.Pharmacist, c.MinimumPracticeYears)));
        }

        checks.Add(c.AuthorAutomated
            ? Fail("human physician", "R54", CareRefusals.AutomatedPrescriber, "An automated agent may propose a draft but never author, sign or approve a prescription; the physician of the consultation signs it.")
            : Pass("human physician", "R54"));
        checks.Add(c.AuthorStanding == PractitionerStanding.Eligible
            ? Pass("eligible physician", "R53")
            : Fail("eligible physician", "R53", CareRefusals.PractitionerNotEligible, CarePolicy.Detail(c.AuthorStanding, Access.Role.Physician, c.MinimumPracticeYears)));
        checks.Add(Consultation(c.Consultation, c.ConsultationState));
        checks.Add(Drugs(c.Request, c.Drugs));
        checks.Add(Attendance(c));
        checks.Add(SignatureCheck(c));
        return checks;
    }

    /// <summary>The first failed check of <paramref name="checks"/>, or null when all held.</summary>
    public static CareCheck? FirstFailure(IReadOnlyList<CareCheck> checks)
    {
        foreach (var check in Guard.NotNull(checks))
        {
            if (!check.Passed)
            {
                return check;
            }
        }

        return null;
    }

    /// <summary>Whether a dispensing may happen: the prescription is active and, for an online sale (delivery), no drug is of a class never sold online (R54, R56).</summary>
    public static CareCheck Dispense(PrescriptionState state, MedicationRequestFacts request, DrugClasses drugs, bool online)
    {
        Guard.NotNull(request);
        Guard.NotNull(drugs);
        if (state != PrescriptionState.Active)
        {
            return Fail("prescription active", "R54", CareRefusals.PrescriptionNotActive,
                $"The prescription is {KeyOf(state)}; nothing is dispensed before a pharmacist has approved it, and an approved prescription is dispensed once.");
        }

        if (online)
        {
            foreach (var drug in request.Drugs)
            {
                if (drugs.ClassOf(drug) is { } drugClass && DrugClasses.NotSoldOnline.Contains(drugClass))
                {
                    return Fail("online sale", "R56", CareRefusals.OnlineSaleForbidden,
                        $"A {DrugClasses.KeyOf(drugClass)} drug is not sold online (Drug Administration Law 2019 Art. 61): dispense it at the pharmacy (channel pharmacy), not by delivery.");
                }
            }
        }

        return Pass(online ? "online sale" : "prescription active", online ? "R56" : "R54");
    }

    public static string KeyOf(PrescriptionState state) => state switch
    {
        PrescriptionState.Draft => "draft",
        PrescriptionState.Signed => "signed",
        PrescriptionState.Active => "active",
        PrescriptionState.Rejected => "rejected",
        _ => "dispensed",
    };

    public static bool TryParse(string key, out PrescriptionState state)
    {
        foreach (var s in Enum.GetValues<PrescriptionState>())
        {
            if (KeyOf(s) == key)
            {
                state = s;
                return true;
            }
        }

        state = default;
        return false;
    }

    /// <summary>The prescriber's consultation: open, with the physician a participant, and not ended by a new diagnosis (R54, R52).</summary>
    public static CareCheck Consultation(EncounterFacts? consultation, ConsultationState state) => state switch
    {
        ConsultationState.Open when consultation is not null => Pass("open consultation of this physician", "R54"),
        ConsultationState.EndedNewDiagnosis => Fail("open consultation of this physician", "R52", CareRefusals.FirstVisitOffline,
            "A diagnosis made in this consultation is not one the patient was diagnosed with in person, so online care for it ended; the patient is referred to an in-person visit and nothing is prescribed online."),
        _ => Fail("open consultation of this physician", "R54", CareRefusals.NotConsultationPhysician,
            "A prescription is written by the physician of the patient's open online consultation (an Encounter of class VR, in progress, with the physician as a participant); none is open for this physician and patient."),
    };

    private static CareCheck Attendance(PrescriptionCase c)
    {
        if (c.Age is not { } age)
        {
            return Fail("guardian and physician present for a young child", "R57", CareRefusals.PaediatricAttendance,
                $"The patient's birth date is not on file, so it cannot be shown that they are {c.PaediatricBelowAge} or older; record it, or record the guardian and the accompanying physician.");
        }

        if (age >= c.PaediatricBelowAge)
        {
            return Pass("guardian and physician present for a young child", "R57");
        }

        if (!c.GuardianPresent || c.AccompanyingPhysician is null)
        {
            return Fail("guardian and physician present for a young child", "R57", CareRefusals.PaediatricAttendance,
                $"For a child under {c.PaediatricBelowAge} a prescription needs the guardian and an accompanying physician present (Internet Diagnosis Measures 2018 Art. 19): the signing physician records both (guardian, accompanyingPhysician).");
        }

        return c.AccompanyingStanding == PractitionerStanding.Eligible && !string.Equals(c.AccompanyingPhysician, c.Author, StringComparison.Ordinal)
            ? Pass("guardian and physician present for a young child", "R57")
            : Fail("guardian and physician present for a young child", "R57", CareRefusals.PaediatricAttendance,
                "The accompanying physician is an eligible registered physician other than the prescriber.");
    }

    /// <summary>The signature of the physician over the current canonical form, with their registered key (R54).</summary>
    public static CareCheck SignatureCheck(PrescriptionCase c)
    {
        if (c.Signature is null)
        {
            return Fail("signature of the physician", "R54", CareRefusals.SignatureInvalid, "The prescription is not signed: the physician signs its canonical form (GET /v1/prescriptions/{id}/canonical) with their registered key.");
        }

        if (c.AuthorKey is null)
        {
            return Fail("signature of the physician", "R54", CareRefusals.SignatureInvalid, "No public key is registered for the physician (publicKey in the practitioner register), so no signature of theirs can be verified.");
        }

        return PrescriptionSignature.Verify(c.AuthorKey, c.Canonical, c.Signature)
            ? Pass("signature of the physician", "R54")
            : Fail("signature of the physician", "R54", CareRefusals.SignatureInvalid,
                "The signature does not verify with the physician's registered key over the prescription as it is now: it was made with another key, or the prescription changed after it was signed. The physician signs the current canonical form.");
    }

    private static CareCheck Pass(string check, string rule) => new(check, rule, Passed: true);

    private static CareCheck Fail(string check, string rule, Refusal refusal, string detail) => new(check, rule, Passed: false, detail) { Refusal = refusal };
}
