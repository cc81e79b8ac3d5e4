using System.Data.Common;
using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Core.Consent;

namespace Cordon.Storage.Sql;

/// <summary>Automated decisions (R14): the refusal ledger and the records automated agents wrote.</summary>
internal sealed partial class SqlStore
{
    private const string AutomatedEventColumns = "tenant, id, subject_id, action, given_by, channel, actor_id, at";

    /// <summary>Notes a record version an automated agent wrote, in the record's own transaction.</summary>
    private static async ValueTask MarkAutomatedAsync(WriteContext ctx, RecordRow r)
    {
        if (r.AutomatedBy is null)
        {
            return;
        }

        await ctx.Command("INSERT INTO automated_records (tenant, subject_id, record_id, version, actor_id, purpose, type, at) VALUES (@tenant, @subject, @record, @version, @actor, @purpose, @type, @at) ON CONFLICT (tenant, record_id, version) DO NOTHING")
            .Add("tenant", r.Tenant).Add("subject", r.SubjectId).Add("record", r.Id).Add("version", r.Version).Add("actor", r.AutomatedBy)
            .Add("purpose", r.Purpose).Add("type", r.Type).Add("at", r.UpdatedAt.ToUnixTimeMilliseconds())
            .ExecuteNonQueryAsync();
    }

    public Task AppendAutomatedDecisionEventAsync(AutomatedDecisionEvent automatedEvent, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var e = automatedEvent;
            await ctx.Command($"INSERT INTO automated_refusals ({AutomatedEventColumns}) VALUES (@tenant, @id, @subject, @action, @givenBy, @channel, @actor, @at)")
                .Add("tenant", e.Tenant).Add("id", e.Id).Add("subject", e.SubjectId).Add("action", e.Action.ToKey()).Add("givenBy", e.GivenBy.ToKey())
                .Add("channel", e.Channel).Add("actor", e.ActorId).Add("at", e.Time.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<AutomatedDecisionEvent>> GetAutomatedDecisionHistoryAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync(
            $"SELECT {AutomatedEventColumns} FROM automated_refusals WHERE tenant = @tenant AND subject_id = @subject ORDER BY n",
            c => c.Add("tenant", tenant).Add("subject", subjectId),
            ReadAutomatedEvent,
            cancellationToken);

    public async Task<AutomatedDecisionEvent?> GetLatestAutomatedDecisionEventAsync(string tenant, string subjectId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            $"SELECT {AutomatedEventColumns} FROM automated_refusals WHERE tenant = @tenant AND subject_id = @subject ORDER BY n DESC LIMIT 1",
            c => c.Add("tenant", tenant).Add("subject", subjectId),
            ReadAutomatedEvent,
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<AutomatedRecordRow>> ListAutomatedRecordsAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync(
            """
            SELECT a.tenant, a.subject_id, a.record_id, a.version, a.actor_id, a.purpose, a.type, a.at, CASE WHEN r.id IS NULL THEN 0 ELSE 1 END
            FROM automated_records a LEFT JOIN records r ON r.tenant = a.tenant AND r.id = a.record_id
            WHERE a.tenant = @tenant AND a.subject_id = @subject
            ORDER BY a.at, a.record_id, a.version
            """,
            c => c.Add("tenant", tenant).Add("subject", subjectId),
            r => new AutomatedRecordRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetString(4), r.GetString(5), r.GetString(6), Time(r.GetInt64(7)), r.GetInt32(8) == 1),
            cancellationToken);

    private static AutomatedDecisionEvent ReadAutomatedEvent(DbDataReader r) => new()
    {
        Tenant = r.GetString(0),
        Id = r.GetString(1),
        SubjectId = r.GetString(2),
        Action = AutomatedDecisions.TryParse(r.GetString(3), out var action) ? action : throw new InvalidDataException("An automated-decision event with an unknown action."),
        GivenBy = r.GetString(4) == "guardian" ? ConsentGiver.Guardian : ConsentGiver.Self,
        Channel = r.GetString(5),
        ActorId = r.GetString(6),
        Time = Time(r.GetInt64(7)),
    };
}
