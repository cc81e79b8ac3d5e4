namespace Cordon.Core.Care;

/// <summary>A subject's encounters and conditions on file, as the care rules read them.</summary>
public sealed record CareHistory(IReadOnlyList<EncounterFacts> Encounters, IReadOnlyList<ConditionFacts> Conditions)
{
    public static CareHistory Empty { get; } = new([], []);
}

/// <summary>Where an online consultation stands.</summary>
public enum ConsultationState : byte
{
    Open,
    Closed,

    /// <summary>A diagnosis recorded in it that no in-person diagnosis of the patient matches: online care for that condition ended (R52).</summary>
    EndedNewDiagnosis,
}

/// <summary>
/// Online consultations are follow-up visits only (R52; Internet Diagnosis Measures 2018 Art. 16, Supervision Rules 2022
/// Art. 17): one opens only for a condition the patient was diagnosed with in person, at a medical institution, with the
/// same code, and a new diagnosis made during it ends online care for that condition. Pure: the caller passes the
/// subject's history and the code systems the profile compares.
/// </summary>
public static class ConsultationPolicy
{
    /// <summary>The conditions diagnosed in person: recorded in an encounter of an in-person class, not refuted or entered in error.</summary>
    public static HashSet<Code> InPersonDiagnoses(CareHistory history, IReadOnlySet<string> codeSystems)
    {
        Guard.NotNull(history);

        // An id that also names an online encounter counts for neither: a diagnosis made online is never in person.
        var virtualIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var encounter in history.Encounters)
        {
            if (encounter.Class is not { } klass || !ClinicalFacts.InPersonClasses.Contains(klass))
            {
                Add(virtualIds, encounter);
            }
        }

        var inPerson = new HashSet<string>(StringComparer.Ordinal);
        foreach (var encounter in history.Encounters)
        {
            if (encounter.Class is { } klass && ClinicalFacts.InPersonClasses.Contains(klass))
            {
                Add(inPerson, encounter);
            }
        }

        inPerson.ExceptWith(virtualIds);
        var codes = new HashSet<Code>();
        foreach (var condition in history.Conditions)
        {
            if (condition.Encounter is { } encounter && inPerson.Contains(encounter) && condition.VerificationStatus is not ("refuted" or "entered-in-error"))
            {
                foreach (var code in condition.Codes)
                {
                    if (codeSystems.Contains(code.System))
                    {
                        codes.Add(code);
                    }
                }
            }
        }

        return codes;
    }

    private static void Add(HashSet<string> ids, EncounterFacts encounter)
    {
        if (encounter.Id is { } id)
        {
            ids.Add(id);
        }

        if (encounter.RecordId is { } recordId)
        {
            ids.Add(recordId);
        }
    }

    /// <summary>Whether this Encounter is an online consultation that is going on (virtual class, an open status).</summary>
    public static bool IsOpenConsultation(EncounterFacts encounter)
        => Guard.NotNull(encounter).Class == ClinicalFacts.Virtual && encounter.Status is { } status && ClinicalFacts.OpenStatuses.Contains(status);

    /// <summary>
    /// Null when the consultation may open; otherwise the refusal (R52): it names no condition in the profile's code
    /// systems, or a condition it names was not diagnosed in person.
    /// </summary>
    public static Failure? CheckOpening(EncounterFacts consultation, CareHistory history, IReadOnlySet<string> codeSystems)
    {
        foreach (var check in OpeningChecks(consultation, codeSystems, InPersonDiagnoses(history, codeSystems)))
        {
            if (!check.Passed)
            {
                return Failure.From(check.Refusal!, check.Detail);
            }
        }

        return null;
    }

    /// <summary>The two checks of an opening, in order: it names its condition, and that condition was diagnosed in person.</summary>
    private static CareCheck[] OpeningChecks(EncounterFacts consultation, IReadOnlySet<string> codeSystems, HashSet<Code> inPerson)
    {
        Guard.NotNull(consultation);
        var named = consultation.Reasons.Where(r => codeSystems.Contains(r.System)).ToList();
        return
        [
            named.Count > 0
                ? new CareCheck("names the condition it follows up", "R52", Passed: true)
                : new CareCheck("names the condition it follows up", "R52", Passed: false,
                    $"An online consultation names the condition it follows up in reasonCode, coded in one of the profile's diagnosis code systems ({string.Join(", ", codeSystems.Order(StringComparer.Ordinal))}); the same code must be on file from an in-person diagnosis.") { Refusal = CareRefusals.FirstVisitOffline },
            named.Count > 0 && named.TrueForAll(inPerson.Contains)
                ? new CareCheck("diagnosed in person, same code", "R52", Passed: true)
                : new CareCheck("diagnosed in person, same code", "R52", Passed: false,
                    "No in-person diagnosis of the condition named in reasonCode is on file for this patient: online care is only for follow-up visits of a condition diagnosed at a medical institution. Refer the patient to an in-person visit; once that diagnosis is recorded, the follow-up can be online.") { Refusal = CareRefusals.FirstVisitOffline },
        ];
    }

    /// <summary>Where a consultation stands, given the conditions recorded in it.</summary>
    public static ConsultationState StateOf(EncounterFacts consultation, CareHistory history, IReadOnlySet<string> codeSystems, HashSet<Code>? inPerson = null)
    {
        Guard.NotNull(consultation);
        Guard.NotNull(history);
        if (!IsOpenConsultation(consultation))
        {
            return ConsultationState.Closed;
        }

        inPerson ??= InPersonDiagnoses(history, codeSystems);
        foreach (var condition in history.Conditions)
        {
            if (consultation.IsNamedBy(condition.Encounter) && condition.VerificationStatus is not ("refuted" or "entered-in-error"))
            {
                // A diagnosis coded in no system the profile compares cannot be shown to be the same one: it ends online care too.
                var coded = condition.Codes.Where(c => codeSystems.Contains(c.System)).ToList();
                if (coded.Count == 0 || !coded.Exists(inPerson.Contains))
                {
                    return ConsultationState.EndedNewDiagnosis;
                }
            }
        }

        return ConsultationState.Open;
    }

    /// <summary>The subject's consultation that <paramref name="physician"/> takes part in and that is still open, or the last one ended by a new diagnosis.</summary>
    public static (EncounterFacts? Consultation, ConsultationState State) ConsultationOf(CareHistory history, string physician, IReadOnlySet<string> codeSystems, string? encounterId = null)
    {
        Guard.NotNull(history);
        var inPerson = InPersonDiagnoses(history, codeSystems);
        (EncounterFacts?, ConsultationState) ended = (null, ConsultationState.Closed);
        foreach (var encounter in history.Encounters)
        {
            if (!IsOpenConsultation(encounter) || !encounter.Practitioners.Contains(physician, StringComparer.Ordinal)
                || (encounterId is not null && !encounter.IsNamedBy(encounterId)))
            {
                continue;
            }

            var state = StateOf(encounter, history, codeSystems, inPerson);
            if (state == ConsultationState.Open)
            {
                return (encounter, state);
            }

            ended = (encounter, state);
        }

        return ended;
    }

    /// <summary>The follow-up checks of one consultation as the explain step shows them, in order, each with its rule (R52).</summary>
    public static IReadOnlyList<CareCheck> Explain(EncounterFacts consultation, CareHistory history, IReadOnlySet<string> codeSystems)
    {
        var inPerson = InPersonDiagnoses(history, codeSystems);
        var checks = new List<CareCheck>(OpeningChecks(consultation, codeSystems, inPerson));
        var ended = StateOf(consultation, history, codeSystems, inPerson) == ConsultationState.EndedNewDiagnosis;
        checks.Add(ended
            ? new CareCheck("no new diagnosis in it", "R52", Passed: false, "A diagnosis recorded in it is not one the patient was diagnosed with in person: online care for it ended.") { Refusal = CareRefusals.FirstVisitOffline }
            : new CareCheck("no new diagnosis in it", "R52", Passed: true));
        return checks;
    }
}
