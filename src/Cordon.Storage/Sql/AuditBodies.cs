using System.Data.Common;
using Cordon.Core.Audit;

namespace Cordon.Storage.Sql;

/// <summary>
/// The migration to entries stored as their own bytes. Before it, an entry was only its columns, and the lists in it
/// (record ids, rules) were joined with commas, so an id holding a comma read back as two and no longer matched its
/// hash. Each existing entry's bytes are rebuilt from its columns, as the old reader read them, then the columns that
/// only the bytes need to hold are dropped. The bytes are exactly what the hash always covered after the previous hash,
/// lane and sequence, so every hash stays as it was; an entry whose columns had already lost its contents stays broken,
/// as it was.
/// </summary>
internal static class AuditBodies
{
    private const int Batch = 2000;

    public static async Task MigrateAsync(DbConnection connection, DbTransaction transaction, bool notNull, CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            var rows = new List<(long Id, byte[] Body)>(Batch);
            await using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = "SELECT id, tenant, time, actor, role, purpose, action, subject, record_ids, outcome, code, rules, client, request_id, flags, note FROM audit_entries WHERE id > @after ORDER BY id LIMIT @limit";
                select.Add("after", after).Add("limit", Batch);
                await using var r = await select.ExecuteReaderAsync(cancellationToken);
                while (await r.ReadAsync(cancellationToken))
                {
                    var draft = new AuditDraft
                    {
                        Tenant = r.GetString(1),
                        Time = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
                        ActorId = r.GetString(3),
                        ActorRole = r.GetString(4),
                        Purpose = r.IsDBNull(5) ? null : r.GetString(5),
                        Action = r.GetString(6),
                        SubjectId = r.IsDBNull(7) ? null : r.GetString(7),
                        RecordIds = Split(r.GetString(8)),
                        Outcome = (AuditOutcome)r.GetInt32(9),
                        Code = r.IsDBNull(10) ? null : r.GetString(10),
                        Rules = Split(r.GetString(11)),
                        ClientAddress = r.IsDBNull(12) ? null : r.GetString(12),
                        RequestId = r.IsDBNull(13) ? null : r.GetString(13),
                        Flags = (AuditFlags)r.GetInt32(14),
                        SealedNote = r.IsDBNull(15) ? null : (byte[])r.GetValue(15),
                    };
                    rows.Add((r.GetInt64(0), AuditChain.EncodeBody(draft)));
                }
            }

            if (rows.Count == 0)
            {
                break;
            }

            await using (var update = connection.CreateCommand())
            {
                update.Transaction = transaction;
                update.CommandText = "UPDATE audit_entries SET body = @body WHERE id = @id";
                foreach (var (id, body) in rows)
                {
                    update.Add("body", body).Add("id", id);
                    await update.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            after = rows[^1].Id;
        }

        var finish = (notNull ? "ALTER TABLE audit_entries ALTER COLUMN body SET NOT NULL;" : string.Empty)
            + "ALTER TABLE audit_entries DROP COLUMN record_ids;"
            + "ALTER TABLE audit_entries DROP COLUMN rules;"
            + "ALTER TABLE audit_entries DROP COLUMN client;"
            + "ALTER TABLE audit_entries DROP COLUMN request_id;"
            + "ALTER TABLE audit_entries DROP COLUMN flags;"
            + "ALTER TABLE audit_entries DROP COLUMN note;";
        foreach (var statement in finish.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = transaction;
            cmd.CommandText = statement;
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>How lists were read before this migration.</summary>
    private static string[] Split(string value) => value.Length == 0 ? [] : value.Split(',');
}
