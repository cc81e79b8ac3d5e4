using Cordon.Core;
using Cordon.Core.Access;
using Cordon.Core.Care;
using Cordon.Server.Auth;
using Cordon.Server.Records;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Care;

/// <summary>What a record write is to the care rules.</summary>
public enum CareWrite : byte
{
    /// <summary>A record the care rules do not concern, or one they admitted as it is.</summary>
    Plain,

    /// <summary>A new prescription: stored as a draft with its lifecycle row (<see cref="ICareStore.PutPrescriptionDraftAsync"/>).</summary>
    PrescriptionDraft,
}

/// <summary>
/// The care rules at the one admission path of a record write, after the access decision permitted it: an online
/// consultation opens only as the follow-up of an in-person diagnosis (R52) with eligible clinicians (R53); a
/// prescription is written as a draft, of drugs that may be prescribed online (R55), by the physician of an open
/// consultation or proposed for one (R54); an active prescription is not changed. Nothing here knows about HTTP.
/// </summary>
public static class CareGate
{
    public static async Task<Result<CareWrite>> CheckAsync(
        TenantContext tenant,
        ICordonStore store,
        Actor actor,
        OpenSubject subject,
        int purpose,
        PreparedRecord record,
        DateOnly today,
        string? correctedId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(record);
        var service = tenant.Policy.Purpose(purpose).Service;
        var care = tenant.Profile.Care;
        switch (record.Type.Definition.Name)
        {
            // An online consultation is one whatever the purpose it is written under: the follow-up rule holds for all.
            case "Encounter":
                var encounter = ClinicalFacts.Encounter(record.Json);
                if (correctedId is not null && encounter.Class != ClinicalFacts.Virtual && await WasVirtualAsync(tenant, store, subject, correctedId, cancellationToken))
                {
                    return Failure.Invalid("class", "An online consultation stays virtual: an in-person visit is an Encounter of its own, so that no online diagnosis is ever counted as made in person.", "R52");
                }

                if (!ConsultationPolicy.IsOpenConsultation(encounter))
                {
                    return CareWrite.Plain;
                }

                if (encounter.Id is null)
                {
                    return Failure.Invalid("id", "An online consultation carries its id, by which its Conditions and prescriptions name it (encounter.reference Encounter/<id>).", "R52");
                }

                var history = await CareRecords.LoadAsync(tenant, store, subject, cancellationToken);
                if (ConsultationPolicy.CheckOpening(encounter, history, care.DiagnosisCodeSystems) is { } notFollowUp)
                {
                    return notFollowUp;
                }

                return await CheckCliniciansAsync(tenant, store, actor, encounter, today, cancellationToken) is { } clinician ? clinician : CareWrite.Plain;

            // A prescription's record is corrected only as a prescription, whatever the purpose the correction names.
            case "MedicationRequest":
                var existing = correctedId is null ? null : await store.GetPrescriptionAsync(tenant.Id, correctedId, cancellationToken);
                return service == "prescription" || existing is not null
                    ? await CheckPrescriptionAsync(tenant, store, actor, subject, record, correctedId, existing, cancellationToken)
                    : CareWrite.Plain;

            default:
                return CareWrite.Plain;
        }
    }

    /// <summary>Whether the record's current version is a virtual (online) encounter.</summary>
    private static async Task<bool> WasVirtualAsync(TenantContext tenant, ICordonStore store, OpenSubject subject, string recordId, CancellationToken cancellationToken)
        => await store.GetRecordAsync(tenant.Id, recordId, cancellationToken) is { } current
           && ClinicalFacts.Encounter(RecordWriter.Open(tenant, subject, current)).Class == ClinicalFacts.Virtual;

    private static async Task<Result<CareWrite>> CheckPrescriptionAsync(TenantContext tenant, ICordonStore store, Actor actor, OpenSubject subject, PreparedRecord record, string? correctedId, PrescriptionRow? existing, CancellationToken cancellationToken)
    {
        var request = ClinicalFacts.MedicationRequest(record.Json);
        if (!string.Equals(request.Status, "draft", StringComparison.Ordinal))
        {
            return Failure.Invalid("status",
                "A prescription is written as status draft; it becomes active only when its physician has signed it and a pharmacist has approved it (POST /v1/prescriptions/{id}/signature, /review).",
                "R54");
        }

        if (existing is not null)
        {
            if (existing.State is not ("draft" or "signed"))
            {
                return Failure.From(CareRefusals.PrescriptionNotActive, $"The prescription is {existing.State}; an approved, rejected or dispensed prescription is not changed: write a new one.");
            }
        }

        var drugs = PrescriptionPolicy.Drugs(request, tenant.Profile.Care.Drugs);
        if (!drugs.Passed)
        {
            return Failure.From(drugs.Refusal!, drugs.Detail);
        }

        // A physician writes a prescription only in their open consultation; an automated agent or the app may propose one, which a physician then signs.
        if (actor.Role == Role.Physician && !actor.Automated)
        {
            var history = await CareRecords.LoadAsync(tenant, store, subject, cancellationToken);
            var (consultation, state) = ConsultationPolicy.ConsultationOf(history, actor.Id, tenant.Profile.Care.DiagnosisCodeSystems, request.Encounter);
            if (consultation is null || state != ConsultationState.Open)
            {
                var check = PrescriptionPolicy.Consultation(consultation, state);
                return Failure.From(check.Refusal!, check.Detail);
            }
        }

        return correctedId is null ? CareWrite.PrescriptionDraft : CareWrite.Plain;
    }

    /// <summary>Every practitioner a consultation names is an eligible practitioner of the register in their own role (R53), and it names at least one physician.</summary>
    private static async Task<Failure?> CheckCliniciansAsync(TenantContext tenant, ICareStore store, Actor actor, EncounterFacts encounter, DateOnly today, CancellationToken cancellationToken)
    {
        var minimum = tenant.Profile.Settings.MinimumPracticeYears;
        var physicians = 0;
        foreach (var id in encounter.Practitioners.Distinct(StringComparer.Ordinal))
        {
            var row = await store.GetPractitionerAsync(tenant.Id, id, cancellationToken);
            var practitioner = row is null ? null : PractitionerRegister.Parse(row);
            var role = practitioner?.Role ?? Role.Physician;
            var automated = actor.Automated && string.Equals(actor.Id, id, StringComparison.Ordinal);
            if (CarePolicy.Check(practitioner, role, automated, minimum, today) is { } failure)
            {
                return failure;
            }

            physicians += role == Role.Physician ? 1 : 0;
        }

        return physicians > 0
            ? null
            : Failure.Invalid("participant",
                "An online consultation names its physician as a participant (participant.individual.reference Practitioner/<id>, the id of the practitioner register), so that the prescription and the record can be traced to them.",
                "R53");
    }
}
