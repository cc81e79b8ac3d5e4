using Cordon.Core.Audit;
using Cordon.Server.Records;
using Cordon.Storage;

namespace Cordon.Server.Tests.Records;

public sealed class BulkWriteTests
{
    [Fact]
    public void A_batch_is_audited_with_one_entry_per_subject_naming_all_its_records()
    {
        var batch = new List<(RecordRow, IReadOnlyList<LookupRow>, AuditDraft)>
        {
            Item("rec_1", "sub_a", AuditFlags.None, ["R02"]),
            Item("rec_2", "sub_b", AuditFlags.None, []),
            Item("rec_3", "sub_a", AuditFlags.HighestLevel, ["R46"]),
        };

        var (records, audits) = BulkWrite.Coalesce(batch);

        Assert.Equal(3, records.Count);
        Assert.Equal(["sub_a", "sub_b"], audits.Select(a => a.SubjectId));
        Assert.Equal(["rec_1", "rec_3"], audits[0].RecordIds);
        Assert.Equal(AuditFlags.HighestLevel, audits[0].Flags);
        Assert.Equal(["R02", "R46"], audits[0].Rules);
        Assert.Equal(["rec_2"], audits[1].RecordIds);
    }

    private static (RecordRow, IReadOnlyList<LookupRow>, AuditDraft) Item(string id, string subject, AuditFlags flags, string[] rules)
    {
        var now = DateTimeOffset.UnixEpoch;
        var row = new RecordRow { Tenant = "t", Id = id, SubjectId = subject, Type = "Observation", Version = 1, Level = 4, Purpose = "record-keeping", CreatedAt = now, UpdatedAt = now, Sealed = [1] };
        var audit = new AuditDraft { Tenant = "t", Time = now, ActorId = "import", ActorRole = "app", Action = "record.import", SubjectId = subject, RecordIds = [id], Outcome = AuditOutcome.Done, Flags = flags, Rules = rules };
        return (row, [], audit);
    }
}
