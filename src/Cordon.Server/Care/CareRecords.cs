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
/// </summary>
public static class CareRecords
{
    public static async Task<CareHistory> LoadAsync(TenantContext tenant, IVault vault, OpenSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(subject);
        var encounters = new List<EncounterFacts>();
        foreach (var row in await vault.ListRecordsAsync(tenant.Id, subject.Id, "Encounter", cancellationToken))
        {
            encounters.Add(ClinicalFacts.Encounter(RecordWriter.Open(tenant, subject, row)) with { RecordId = row.Id });
        }

        var conditions = new List<ConditionFacts>();
        foreach (var row in await vault.ListRecordsAsync(tenant.Id, subject.Id, "Condition", cancellationToken))
        {
            conditions.Add(ClinicalFacts.Condition(RecordWriter.Open(tenant, subject, row)));
        }

        return new CareHistory(encounters, conditions);
    }
}
