using System.Data.Common;
using Cordon.Core.Audit;

namespace Cordon.Storage.Sql;

/// <summary>Care storage: prescriptions and their lifecycle, written with their record in one transaction.</summary>
internal sealed partial class SqlStore
{
    private const string PrescriptionColumns = "tenant, id, subject, state, proposed_by, proposed_automated, author, signature, signed_version, signed_at, guardian, accompanying, reviewer, reviewed_at, dispensed_by, dispensed_at, channel, created_at, updated_at";

    public Task PutPrescriptionDraftAsync(RecordRow record, IReadOnlyList<LookupRow> lookups, PrescriptionRow prescription, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await EnsureCurrentKeyAsync(ctx, record);
            await InsertRecordAsync(ctx, "records", record);
            await InsertLookupsAsync(ctx, lookups);
            var p = prescription;
            await Bind(ctx.Command($"INSERT INTO prescriptions ({PrescriptionColumns}) VALUES (@tenant, @id, @subject, @state, @proposedBy, @automated, @author, @signature, @signedVersion, @signedAt, @guardian, @accompanying, @reviewer, @reviewedAt, @dispensedBy, @dispensedAt, @channel, @created, @updated)"), p)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<WriteStatus> UpdatePrescriptionAsync(PrescriptionRow prescription, string expectedState, RecordVersionChange? record, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunStatusAsync(cancellationToken, async ctx =>
        {
            var p = prescription;
            var state = await ctx.Command("SELECT state FROM prescriptions WHERE tenant = @tenant AND id = @id" + ctx.Dialect.ForUpdate).Add("tenant", p.Tenant).Add("id", p.Id).ExecuteScalarAsync();
            if (state is null or DBNull)
            {
                return WriteStatus.NotFound;
            }

            if (!string.Equals((string)state, expectedState, StringComparison.Ordinal))
            {
                return WriteStatus.Stale;
            }

            if (record is not null)
            {
                var replaced = await ReplaceRecordAsync(ctx, record.Record, record.ExpectedVersion, record.Lookups);
                if (replaced != WriteStatus.Done)
                {
                    return replaced == WriteStatus.NotFound ? WriteStatus.NotFound : WriteStatus.Stale;
                }
            }

            var updated = await Bind(ctx.Command("""
                UPDATE prescriptions SET state = @state, proposed_by = @proposedBy, proposed_automated = @automated, author = @author, signature = @signature,
                    signed_version = @signedVersion, signed_at = @signedAt, guardian = @guardian, accompanying = @accompanying, reviewer = @reviewer,
                    reviewed_at = @reviewedAt, dispensed_by = @dispensedBy, dispensed_at = @dispensedAt, channel = @channel, created_at = @created, updated_at = @updated
                WHERE tenant = @tenant AND id = @id AND subject = @subject AND state = @expected
                """), p).Add("expected", expectedState).ExecuteNonQueryAsync();
            if (updated == 0)
            {
                // Another node's step came between the read and the update: nothing of this one is kept.
                throw new WriteConflictException();
            }

            await ctx.AppendAuditAsync(audit);
            return WriteStatus.Done;
        });

    public async Task<PrescriptionRow?> GetPrescriptionAsync(string tenant, string id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {PrescriptionColumns} FROM prescriptions WHERE tenant = @tenant AND id = @id", c => c.Add("tenant", tenant).Add("id", id), ReadPrescription, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<PrescriptionRow>> ListPrescriptionsAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync($"SELECT {PrescriptionColumns} FROM prescriptions WHERE tenant = @tenant AND subject = @subject ORDER BY created_at, id", c => c.Add("tenant", tenant).Add("subject", subjectId), ReadPrescription, cancellationToken);

    private static DbCommand Bind(DbCommand command, PrescriptionRow p)
        => command.Add("tenant", p.Tenant).Add("id", p.Id).Add("subject", p.SubjectId).Add("state", p.State).Add("proposedBy", p.ProposedBy)
            .Add("automated", p.ProposedAutomated ? 1 : 0).Add("author", p.Author).Add("signature", p.Signature).Add("signedVersion", p.SignedVersion)
            .Add("signedAt", p.SignedAt?.ToUnixTimeMilliseconds()).Add("guardian", p.Guardian).Add("accompanying", p.AccompanyingPhysician)
            .Add("reviewer", p.Reviewer).Add("reviewedAt", p.ReviewedAt?.ToUnixTimeMilliseconds()).Add("dispensedBy", p.DispensedBy)
            .Add("dispensedAt", p.DispensedAt?.ToUnixTimeMilliseconds()).Add("channel", p.Channel)
            .Add("created", p.CreatedAt.ToUnixTimeMilliseconds()).Add("updated", p.UpdatedAt.ToUnixTimeMilliseconds());

    private static PrescriptionRow ReadPrescription(DbDataReader r) => new()
    {
        Tenant = r.GetString(0),
        Id = r.GetString(1),
        SubjectId = r.GetString(2),
        State = r.GetString(3),
        ProposedBy = r.GetString(4),
        ProposedAutomated = r.GetInt64(5) != 0,
        Author = r.IsDBNull(6) ? null : r.GetString(6),
        Signature = r.IsDBNull(7) ? null : r.GetString(7),
        SignedVersion = r.IsDBNull(8) ? null : (int)r.GetInt64(8),
        SignedAt = r.IsDBNull(9) ? null : Time(r.GetInt64(9)),
        Guardian = r.IsDBNull(10) ? null : r.GetString(10),
        AccompanyingPhysician = r.IsDBNull(11) ? null : r.GetString(11),
        Reviewer = r.IsDBNull(12) ? null : r.GetString(12),
        ReviewedAt = r.IsDBNull(13) ? null : Time(r.GetInt64(13)),
        DispensedBy = r.IsDBNull(14) ? null : r.GetString(14),
        DispensedAt = r.IsDBNull(15) ? null : Time(r.GetInt64(15)),
        Channel = r.IsDBNull(16) ? null : r.GetString(16),
        CreatedAt = Time(r.GetInt64(17)),
        UpdatedAt = Time(r.GetInt64(18)),
    };
}
