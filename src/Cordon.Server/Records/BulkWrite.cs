using Cordon.Core.Audit;
using Cordon.Storage;

namespace Cordon.Server.Records;

/// <summary>
/// Bulk writes (import, demo seeding): records are stored in batches, and each batch is audited with one entry per
/// subject that names every record written for that subject, in the same transaction as the records.
/// </summary>
public static class BulkWrite
{
    public static Task PutAsync(IVault vault, IReadOnlyList<(RecordRow Record, IReadOnlyList<LookupRow> Lookups, AuditDraft Audit)> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vault);
        var (records, audits) = Coalesce(batch);
        return vault.PutRecordsAsync(records, audits, cancellationToken);
    }

    /// <summary>
    /// One audit entry per subject: the first record's entry, naming all of that subject's records in the batch, with
    /// the union of their flags and rules. Entries keep the order in which their subjects first appear.
    /// </summary>
    public static (IReadOnlyList<(RecordRow Record, IReadOnlyList<LookupRow> Lookups)> Records, IReadOnlyList<AuditDraft> Audits) Coalesce(
        IReadOnlyList<(RecordRow Record, IReadOnlyList<LookupRow> Lookups, AuditDraft Audit)> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var records = new List<(RecordRow, IReadOnlyList<LookupRow>)>(batch.Count);
        var bySubject = new Dictionary<string, (AuditDraft First, List<string> Ids, AuditFlags Flags, SortedSet<string> Rules)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (record, lookups, audit) in batch)
        {
            records.Add((record, lookups));
            if (!bySubject.TryGetValue(record.SubjectId, out var group))
            {
                group = (audit, [], AuditFlags.None, new SortedSet<string>(StringComparer.Ordinal));
                order.Add(record.SubjectId);
            }

            group.Ids.AddRange(audit.RecordIds.Count > 0 ? audit.RecordIds : [record.Id]);
            group.Rules.UnionWith(audit.Rules);
            bySubject[record.SubjectId] = (group.First, group.Ids, group.Flags | audit.Flags, group.Rules);
        }

        var audits = order.Select(subject =>
        {
            var g = bySubject[subject];
            return g.First with { RecordIds = g.Ids, Flags = g.Flags, Rules = [.. g.Rules] };
        }).ToList();
        return (records, audits);
    }
}
