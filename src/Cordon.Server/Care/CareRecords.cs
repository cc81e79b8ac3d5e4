using Cordon.Core.Care;
using Cordon.Server.Records;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Care;

/// <summary>
/// A subject's care history read from their sealed records: the Encounters and Conditions on file, opened under the
/// subject's key and reduced to what the care rules compare (<see cref="ClinicalFacts"/>). Read from the records
/// themselves, not from a copy, so a correction or an erasure counts at once and no diagnosis code is stored in the clear.
/// A version an automated agent wrote is not a clinical fact here: no AI records an in-person diagnosis or a
/// consultation the care rules would count.
/// </summary>
public static class CareRecords
{
    public static async Task<CareHistory> LoadAsync(TenantContext tenant, ICordonStore vault, OpenSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(subject);
        var automated = (await vault.ListAutomatedRecordsAsync(tenant.Id, subject.Id, cancellationToken)).Select(r => (r.RecordId, r.Version)).ToHashSet();
        var encounters = new List<EncounterFacts>();
        foreach (var row in await vault.ListRecordsAsync(tenant.Id, subject.Id, "Encounter", cancellationToken))
        {
            if (automated.Contains((row.Id, row.Version)))
            {
                continue;
            }

            encounters.Add(ClinicalFacts.Encounter(RecordWriter.Open(tenant, subject, row)) with { RecordId = row.Id });
        }

        var conditions = new List<ConditionFacts>();
        foreach (var row in await vault.ListRecordsAsync(tenant.Id, subject.Id, "Condition", cancellationToken))
        {
            if (automated.Contains((row.Id, row.Version)))
            {
                continue;
            }

            conditions.Add(ClinicalFacts.Condition(RecordWriter.Open(tenant, subject, row)));
        }

        return new CareHistory(encounters, conditions);
    }
}
