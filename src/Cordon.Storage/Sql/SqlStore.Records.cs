using Cordon.Core.Audit;
using Cordon.Core.Consent;

namespace Cordon.Storage.Sql;

/// <summary>Records and their versions.</summary>
internal sealed partial class SqlStore
{
    public Task PutRecordAsync(RecordRow record, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await EnsureCurrentKeyAsync(ctx, record);
            await InsertRecordAsync(ctx, "records", record);
            await InsertLookupsAsync(ctx, lookups);
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task PutRecordsAsync(IReadOnlyList<(RecordRow Record, IReadOnlyList<LookupRow> Lookups)> records, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var checkedSubjects = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (record, lookups) in records)
            {
                if (checkedSubjects.Add(record.SubjectId))
                {
                    await EnsureCurrentKeyAsync(ctx, record);
                }

                await InsertRecordAsync(ctx, "records", record);
                await InsertLookupsAsync(ctx, lookups);
            }

            foreach (var audit in audits)
            {
                await ctx.AppendAuditAsync(audit);
            }

            return true;
        });

    public Task<WriteStatus> PutRecordVersionAsync(RecordRow record, int expectedVersion, IReadOnlyList<LookupRow> lookups, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunStatusAsync(cancellationToken, async ctx =>
        {
            var status = await ReplaceRecordAsync(ctx, record, expectedVersion, lookups);
            if (status != WriteStatus.Done)
            {
                return status;
            }

            await ctx.AppendAuditAsync(audit);
            return WriteStatus.Done;
        });

    /// <summary>Stores a new version of a record in the write's transaction, keeping the old one; NotFound or Stale (and nothing written) otherwise.</summary>
    private async ValueTask<WriteStatus> ReplaceRecordAsync(WriteContext ctx, RecordRow record, int expectedVersion, IReadOnlyList<LookupRow> lookups)
    {
        var current = ctx.Command("SELECT version FROM records WHERE tenant = @tenant AND id = @id").Add("tenant", record.Tenant).Add("id", record.Id);
        var version = await current.ExecuteScalarAsync();
        if (version is null or DBNull)
        {
            return WriteStatus.NotFound;
        }

        if (Convert.ToInt32(version, System.Globalization.CultureInfo.InvariantCulture) != expectedVersion)
        {
            return WriteStatus.Stale;
        }

        await EnsureCurrentKeyAsync(ctx, record);

        await ctx.Command($"INSERT INTO record_versions ({RecordColumns}) SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND id = @id")
            .Add("tenant", record.Tenant).Add("id", record.Id)
            .ExecuteNonQueryAsync();
        await ctx.Command("UPDATE records SET version = @version, level = @level, purpose = @purpose, updated_at = @updated, sealed = @sealed WHERE tenant = @tenant AND id = @id")
            .Add("version", record.Version).Add("level", (int)record.Level).Add("purpose", record.Purpose)
            .Add("updated", record.UpdatedAt.ToUnixTimeMilliseconds()).Add("sealed", record.Sealed)
            .Add("tenant", record.Tenant).Add("id", record.Id)
            .ExecuteNonQueryAsync();
        await MarkAutomatedAsync(ctx, record);
        // A new version is still the same source resource: its source id stays, the index values are the new version's.
        await ctx.Command("DELETE FROM lookups WHERE tenant = @tenant AND record_id = @id AND kind <> @source")
            .Add("tenant", record.Tenant).Add("id", record.Id).Add("source", LookupRow.SourceId)
            .ExecuteNonQueryAsync();
        await InsertLookupsAsync(ctx, lookups);
        return WriteStatus.Done;
    }

    public async Task<RecordRow?> GetRecordAsync(string tenant, string recordId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND id = @id", c => c.Add("tenant", tenant).Add("id", recordId), ReadRecord, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    private const string RecordForReadSql = "SELECT r.tenant, r.id, r.subject, r.type, r.version, r.level, r.purpose, r.created_at, r.updated_at, r.sealed, r.restricted, s.state, s.guardian_id, s.created_at, s.updated_at, s.key_version, s.sealed, k.wrapped, k.created_at, c.id, c.purpose, c.recipient, c.action, c.given_by, c.notice_version, c.fingerprint, c.channel, c.actor, c.time{0} FROM records r JOIN subjects s ON s.tenant = r.tenant AND s.id = r.subject JOIN subject_keys k ON k.tenant = s.tenant AND k.subject = s.id AND k.version = s.key_version LEFT JOIN consent_events c ON c.n = (SELECT x.n FROM consent_events x WHERE x.tenant = r.tenant AND x.subject = r.subject AND x.purpose = @purpose AND x.recipient IS NULL ORDER BY x.n DESC LIMIT 1){1} WHERE r.tenant = @tenant AND r.id = @id{2}";
    private static readonly string RecordForRead = string.Format(System.Globalization.CultureInfo.InvariantCulture, RecordForReadSql, string.Empty, string.Empty, string.Empty);
    private static readonly string RecordForReadWithCareTeam = string.Format(System.Globalization.CultureInfo.InvariantCulture, RecordForReadSql, ", t.actor, t.role, t.until, t.added_at, t.added_by", " LEFT JOIN care_team t ON t.tenant = r.tenant AND t.subject = r.subject", " ORDER BY t.actor, t.role");

    public async Task<(RecordRow Record, SubjectRow Subject, SubjectKeyRow Key, ConsentEvent? Consent, IReadOnlyList<CareTeamRow> CareTeam)?> GetRecordForReadAsync(string tenant, string recordId, string? consentPurpose, bool careTeam, CancellationToken cancellationToken)
    {
        // One row per care-team member (or one row): the record, subject, key and consent columns repeat and are read from the first row only.
        (RecordRow Record, SubjectRow Subject, SubjectKeyRow Key, ConsentEvent? Consent)? first = null;
        var members = await QueryAsync(
            careTeam ? RecordForReadWithCareTeam : RecordForRead,
            c => c.Add("tenant", tenant).Add("id", recordId).Add("purpose", consentPurpose),
            r =>
            {
                if (first is null)
                {
                    var record = ReadRecord(r);
                    var subject = ReadSubjectAt(r, tenant, record.SubjectId, 11);
                    var key = new SubjectKeyRow(tenant, subject.Id, subject.KeyVersion, (byte[])r.GetValue(17), Time(r.GetInt64(18)));
                    var consent = r.IsDBNull(19) ? null : ReadConsentAt(r, tenant, subject.Id, 19);
                    first = (record, subject, key, consent);
                }

                return careTeam && !r.IsDBNull(29)
                    ? new CareTeamRow(tenant, first.Value.Record.SubjectId, r.GetString(29), r.GetString(30), Time(r.GetInt64(31)), Time(r.GetInt64(32)), r.GetString(33))
                    : null;
            },
            cancellationToken);
        if (first is not var (foundRecord, foundSubject, foundKey, foundConsent))
        {
            return null;
        }

        var team = new List<CareTeamRow>(members.Count);
        foreach (var member in members)
        {
            if (member is not null)
            {
                team.Add(member);
            }
        }

        return (foundRecord, foundSubject, foundKey, foundConsent, team);
    }

    public Task<IReadOnlyList<byte[]>> ListSourceIdsAsync(string tenant, string subjectId, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT hash FROM lookups WHERE tenant = @tenant AND subject = @subject AND kind = @kind",
            c => c.Add("tenant", tenant).Add("subject", subjectId).Add("kind", LookupRow.SourceId),
            r => (byte[])r.GetValue(0),
            cancellationToken);

    public Task<IReadOnlyList<RecordRow>> ListRecordsAsync(string tenant, string subjectId, string? type, CancellationToken cancellationToken)
        => type is null
            ? QueryAsync($"SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND subject = @subject ORDER BY created_at, id", c => c.Add("tenant", tenant).Add("subject", subjectId), ReadRecord, cancellationToken)
            : QueryAsync($"SELECT {RecordColumns} FROM records WHERE tenant = @tenant AND subject = @subject AND type = @type ORDER BY created_at, id", c => c.Add("tenant", tenant).Add("subject", subjectId).Add("type", type), ReadRecord, cancellationToken);

    public async Task<IReadOnlyList<RecordRow>> GetRecordVersionsAsync(string tenant, string recordId, CancellationToken cancellationToken)
    {
        var old = await QueryAsync($"SELECT {RecordColumns} FROM record_versions WHERE tenant = @tenant AND id = @id ORDER BY version", c => c.Add("tenant", tenant).Add("id", recordId), ReadRecord, cancellationToken);
        var current = await GetRecordAsync(tenant, recordId, cancellationToken);
        return current is null ? old : [.. old, current];
    }
}
