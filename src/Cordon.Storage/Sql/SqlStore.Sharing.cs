using System.Data.Common;
using System.Globalization;
using System.Text;
using Cordon.Core.Audit;
using Cordon.Core.Sharing;

namespace Cordon.Storage.Sql;

/// <summary>Sharing storage: recipient evidence, impact assessments, disclosures and the year's cross-border counts.</summary>
internal sealed partial class SqlStore
{
    private const string DisclosureColumns = "tenant, id, recipient, purpose, actor, created_at, status, subjects, records, abroad, sensitive, deidentified, method, detail, package_hash, finished_at";

    /// <summary>Subjects per statement when probing or adding to the year's set (well inside both engines' parameter limits).</summary>
    private const int SubjectChunk = 500;

    public Task PutRecipientEvidenceAsync(RecipientEvidenceRow evidence, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var e = evidence;
            // seq orders evidence recorded in the same millisecond: the latest of each kind is the one in force.
            await ctx.Command("INSERT INTO recipient_evidence (tenant, recipient, kind, id, recorded_at, recorded_by, body, seq) VALUES (@tenant, @recipient, @kind, @id, @at, @by, @body, (SELECT COALESCE(MAX(seq), 0) + 1 FROM recipient_evidence WHERE tenant = @tenant))")
                .Add("tenant", e.Tenant).Add("recipient", e.Recipient).Add("kind", e.Kind).Add("id", e.Id)
                .Add("at", e.RecordedAt.ToUnixTimeMilliseconds()).Add("by", e.RecordedBy).Add("body", e.Body)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<RecipientEvidenceRow>> ListRecipientEvidenceAsync(string tenant, string? recipient, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT tenant, recipient, kind, id, recorded_at, recorded_by, body FROM recipient_evidence WHERE tenant = @tenant" + (recipient is null ? string.Empty : " AND recipient = @recipient") + " ORDER BY seq",
            c =>
            {
                c.Add("tenant", tenant);
                if (recipient is not null)
                {
                    c.Add("recipient", recipient);
                }
            },
            r => new RecipientEvidenceRow { Tenant = r.GetString(0), Recipient = r.GetString(1), Kind = r.GetString(2), Id = r.GetString(3), RecordedAt = Time(r.GetInt64(4)), RecordedBy = r.GetString(5), Body = r.GetString(6) },
            cancellationToken);

    public Task PutAssessmentAsync(AssessmentRow assessment, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var a = assessment;
            await ctx.Command("INSERT INTO assessments (tenant, id, recorded_at, recorded_by, body, seq) VALUES (@tenant, @id, @at, @by, @body, (SELECT COALESCE(MAX(seq), 0) + 1 FROM assessments WHERE tenant = @tenant))")
                .Add("tenant", a.Tenant).Add("id", a.Id).Add("at", a.RecordedAt.ToUnixTimeMilliseconds()).Add("by", a.RecordedBy).Add("body", a.Body)
                .ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<AssessmentRow>> ListAssessmentsAsync(string tenant, CancellationToken cancellationToken)
        => QueryAsync(
            "SELECT tenant, id, recorded_at, recorded_by, body FROM assessments WHERE tenant = @tenant ORDER BY seq DESC",
            c => c.Add("tenant", tenant),
            r => new AssessmentRow { Tenant = r.GetString(0), Id = r.GetString(1), RecordedAt = Time(r.GetInt64(2)), RecordedBy = r.GetString(3), Body = r.GetString(4) },
            cancellationToken);

    public async Task<CrossBorderCounts> GetCrossBorderCountsAsync(string tenant, int year, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT non_sensitive, sensitive, important FROM crossborder_counts WHERE tenant = @tenant AND year = @year",
            c => c.Add("tenant", tenant).Add("year", year),
            r => new CrossBorderCounts(year, r.GetInt64(0), r.GetInt64(1), r.GetInt32(2) != 0),
            cancellationToken);
        return rows.Count == 0 ? new CrossBorderCounts(year, 0, 0, false) : rows[0];
    }

    public async Task<int> CountUncountedAsync(string tenant, int year, bool sensitive, IReadOnlyList<string> subjects, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        var distinct = subjects.Distinct(StringComparer.Ordinal).ToArray();
        var counted = 0;
        foreach (var chunk in distinct.Chunk(SubjectChunk))
        {
            var rows = await QueryAsync(CountedSql(chunk.Length), c => BindCounted(c, tenant, year, sensitive, chunk), r => r.GetInt64(0), cancellationToken);
            counted += (int)rows[0];
        }

        return distinct.Length - counted;
    }

    public Task<DisclosureStart> StartDisclosureAsync(DisclosureRow disclosure, IReadOnlyList<string> subjects, CrossBorderCharge? charge, IReadOnlyList<AuditDraft> audits, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var d = disclosure;
            var distinct = subjects.Distinct(StringComparer.Ordinal).ToArray();
            CrossBorderCounts? after = null;
            if (charge is { } c)
            {
                await ctx.Command("INSERT INTO crossborder_counts (tenant, year, non_sensitive, sensitive, important) VALUES (@tenant, @year, 0, 0, 0) ON CONFLICT (tenant, year) DO NOTHING")
                    .Add("tenant", d.Tenant).Add("year", c.Year).ExecuteNonQueryAsync();
                long nonSensitive, sensitive;
                bool important;
                await using (var reader = await ctx.Command("SELECT non_sensitive, sensitive, important FROM crossborder_counts WHERE tenant = @tenant AND year = @year" + ctx.Dialect.ForUpdate)
                    .Add("tenant", d.Tenant).Add("year", c.Year).ExecuteReaderAsync())
                {
                    await reader.ReadAsync();
                    (nonSensitive, sensitive, important) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2) != 0);
                }

                var counted = 0L;
                foreach (var chunk in distinct.Chunk(SubjectChunk))
                {
                    var probe = ctx.Command(CountedSql(chunk.Length));
                    BindCounted(probe, d.Tenant, c.Year, c.Sensitive, chunk);
                    counted += Convert.ToInt64(await probe.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
                }

                var added = distinct.Length - counted;
                important |= c.ImportantData;
                after = c.Sensitive
                    ? new CrossBorderCounts(c.Year, nonSensitive, sensitive + added, important)
                    : new CrossBorderCounts(c.Year, nonSensitive + added, sensitive, important);
                if (after.NonSensitive > c.MaxNonSensitive || after.Sensitive > c.MaxSensitive || (after.ImportantData && !c.AllowsImportantData))
                {
                    return new DisclosureStart(false, after);
                }

                foreach (var subject in distinct)
                {
                    await ctx.Command("INSERT INTO crossborder_subjects (tenant, year, sensitive, subject) VALUES (@tenant, @year, @sensitive, @subject) ON CONFLICT (tenant, year, sensitive, subject) DO NOTHING")
                        .Add("tenant", d.Tenant).Add("year", c.Year).Add("sensitive", c.Sensitive ? 1 : 0).Add("subject", subject)
                        .ExecuteNonQueryAsync();
                }

                await ctx.Command("UPDATE crossborder_counts SET non_sensitive = @nonSensitive, sensitive = @sensitive, important = @important WHERE tenant = @tenant AND year = @year")
                    .Add("nonSensitive", after.NonSensitive).Add("sensitive", after.Sensitive).Add("important", after.ImportantData ? 1 : 0).Add("tenant", d.Tenant).Add("year", c.Year)
                    .ExecuteNonQueryAsync();
            }

            await ctx.Command($"INSERT INTO disclosures ({DisclosureColumns}) VALUES (@tenant, @id, @recipient, @purpose, @actor, @created, @status, @subjects, @records, @abroad, @sensitive, @deidentified, @method, @detail, @hash, @finished)")
                .Add("tenant", d.Tenant).Add("id", d.Id).Add("recipient", d.Recipient).Add("purpose", d.Purpose).Add("actor", d.ActorId)
                .Add("created", d.CreatedAt.ToUnixTimeMilliseconds()).Add("status", (int)d.Status).Add("subjects", d.Subjects).Add("records", d.Records)
                .Add("abroad", d.Abroad ? 1 : 0).Add("sensitive", d.Sensitive ? 1 : 0).Add("deidentified", d.Deidentified ? 1 : 0).Add("method", d.Method)
                .Add("detail", d.Detail).Add("hash", d.PackageHash).Add("finished", d.FinishedAt?.ToUnixTimeMilliseconds())
                .ExecuteNonQueryAsync();
            foreach (var subject in distinct)
            {
                await ctx.Command("INSERT INTO disclosure_subjects (tenant, subject, disclosure) VALUES (@tenant, @subject, @disclosure)")
                    .Add("tenant", d.Tenant).Add("subject", subject).Add("disclosure", d.Id).ExecuteNonQueryAsync();
            }

            foreach (var audit in audits)
            {
                await ctx.AppendAuditAsync(audit);
            }

            return new DisclosureStart(true, after);
        });

    public Task FinishDisclosureAsync(string tenant, string id, DisclosureStatus status, string detail, string? packageHash, AuditDraft audit, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await ctx.Command("UPDATE disclosures SET status = @status, detail = @detail, package_hash = @hash, finished_at = @finished WHERE tenant = @tenant AND id = @id")
                .Add("status", (int)status).Add("detail", detail).Add("hash", packageHash).Add("finished", audit.Time.ToUnixTimeMilliseconds())
                .Add("tenant", tenant).Add("id", id).ExecuteNonQueryAsync();
            await ctx.AppendAuditAsync(audit);
            return true;
        });

    public Task<IReadOnlyList<DisclosureRow>> ListDisclosuresAsync(string tenant, string? recipient, string? subject, int limit, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", DisclosureColumns.Split(", ").Select(c => "d." + c));
        var byRecipient = recipient is null ? string.Empty : " AND d.recipient = @recipient";
        var sql = subject is null
            ? $"SELECT {columns} FROM disclosures d WHERE d.tenant = @tenant{byRecipient} ORDER BY d.created_at DESC, d.id LIMIT @limit"
            : $"SELECT {columns} FROM disclosure_subjects s JOIN disclosures d ON d.tenant = s.tenant AND d.id = s.disclosure WHERE s.tenant = @tenant AND s.subject = @subject{byRecipient} ORDER BY d.created_at DESC, d.id LIMIT @limit";
        return QueryAsync(sql, c =>
        {
            c.Add("tenant", tenant).Add("limit", Math.Clamp(limit, 1, 1000));
            if (recipient is not null)
            {
                c.Add("recipient", recipient);
            }

            if (subject is not null)
            {
                c.Add("subject", subject);
            }
        }, ReadDisclosure, cancellationToken);
    }

    private static DisclosureRow ReadDisclosure(DbDataReader r) => new()
    {
        Tenant = r.GetString(0),
        Id = r.GetString(1),
        Recipient = r.GetString(2),
        Purpose = r.GetString(3),
        ActorId = r.GetString(4),
        CreatedAt = Time(r.GetInt64(5)),
        Status = (DisclosureStatus)r.GetInt32(6),
        Subjects = r.GetInt32(7),
        Records = r.GetInt32(8),
        Abroad = r.GetInt32(9) != 0,
        Sensitive = r.GetInt32(10) != 0,
        Deidentified = r.GetInt32(11) != 0,
        Method = r.GetString(12),
        Detail = r.GetString(13),
        PackageHash = r.IsDBNull(14) ? null : r.GetString(14),
        FinishedAt = r.IsDBNull(15) ? null : Time(r.GetInt64(15)),
    };

    private static string CountedSql(int count)
    {
        var sql = new StringBuilder("SELECT COUNT(*) FROM crossborder_subjects WHERE tenant = @tenant AND year = @year AND sensitive = @sensitive AND subject IN (");
        for (var i = 0; i < count; i++)
        {
            sql.Append(i == 0 ? "@s" : ", @s").Append(i.ToString(CultureInfo.InvariantCulture));
        }

        return sql.Append(')').ToString();
    }

    private static void BindCounted(DbCommand command, string tenant, int year, bool sensitive, string[] subjects)
    {
        command.Add("tenant", tenant).Add("year", year).Add("sensitive", sensitive ? 1 : 0);
        for (var i = 0; i < subjects.Length; i++)
        {
            command.Add("s" + i.ToString(CultureInfo.InvariantCulture), subjects[i]);
        }
    }
}
