using System.Security.Cryptography;
using Cordon.Core.Audit;
using Cordon.Core.Crypto;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract: The audit chain: storage, queries, verification, tampering.</summary>
public abstract partial class StoreContract
{
    [Fact]
    public async Task Audit_entries_by_subject_page_in_order_whether_or_not_the_subject_index_has_caught_up()
    {
        // SQLite keeps the subject index behind the chain: some entries below are indexed, the newest are not yet.
        var sql = (Cordon.Storage.Sql.SqlStore)Store;
        var written = new List<(int, long)>();
        for (var i = 0; i < 5; i++)
        {
            written.Add(Position(await Store.AppendAsync(Audit("record.read", "sub_pa") with { ActorId = i % 2 == 0 ? "dr-li" : "dr-wang" }, default)));
            await Store.AppendAsync(Audit("record.read", "sub_pb"), default);
        }

        var onlyTail = await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_pa", Limit = 1000 }, default);
        Assert.Equal(written, onlyTail.Select(Position));
        var indexed = await sql.IndexAuditSubjectsAsync();
        for (var i = 0; i < 3; i++)
        {
            written.Add(Position(await Store.AppendAsync(Audit("record.read", "sub_pa") with { ActorId = "dr-li" }, default)));
            await Store.AppendAsync(Audit("record.read", "sub_pb"), default);
        }

        Assert.Equal(written, (await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_pa", Limit = 1000 }, default)).Select(Position));
        Assert.All(await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_pb", Limit = 1000 }, default), e => Assert.Equal("sub_pb", e.Draft.SubjectId));

        // Pages of three cross from indexed entries to the newest ones without losing or repeating any.
        var paged = new List<(int, long)>();
        long? after = null;
        while (true)
        {
            var page = await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_pa", After = after, Limit = 3 }, default);
            if (page.Count == 0)
            {
                break;
            }

            paged.AddRange(page.Select(Position));
            after = page[^1].Id;
        }

        Assert.Equal(written, paged);

        // Other filters apply to both parts.
        var byActor = await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_pa", ActorId = "dr-li", Limit = 1000 }, default);
        Assert.Equal([written[0], written[2], written[4], written[5], written[6], written[7]], byActor.Select(Position));
        Assert.Equal(Store.Engine == "sqlite", indexed);
    }

    [Fact]
    public async Task Concurrent_writes_all_land_in_one_valid_chain()
    {
        var subject = await CreateSubjectAsync("sub_p");
        var writes = Enumerable.Range(0, 300).Select(i => i % 3 == 0
            ? (Task)Store.AppendAsync(Audit("record.read", $"sub_{i}"), default)
            : Store.PutRecordAsync(Record($"rec_{i}", subject, "Observation", 1), [], Audit("record.write", subject), default));
        await Task.WhenAll(writes);

        Assert.Equal(200, (await Store.ListRecordsAsync(Tenant, subject, null, default)).Count);
        var result = await VerifyAsync();
        Assert.True(result.Valid, result.Reason);
        Assert.Equal(await CountAuditAsync(), result.Entries);
    }

    [Fact]
    public async Task A_failing_write_in_a_batch_does_not_sink_the_others()
    {
        var subject = await CreateSubjectAsync("sub_b");
        await Store.PutRecordAsync(Record("rec_dup", subject, "Observation", 1), [], Audit("record.write", subject), default);

        var tasks = Enumerable.Range(0, 50)
            .Select(i => Store.PutRecordAsync(Record(i == 25 ? "rec_dup" : $"rec_ok_{i}", subject, "Observation", 1), [], Audit("record.write", subject), default))
            .ToList();
        await Assert.ThrowsAnyAsync<Exception>(() => tasks[25]);
        await Task.WhenAll(tasks.Where((_, i) => i != 25));

        Assert.Equal(50, (await Store.ListRecordsAsync(Tenant, subject, null, default)).Count);
        var result = await VerifyAsync();
        Assert.True(result.Valid, result.Reason);
    }

    [Fact]
    public async Task Audit_query_filters_by_subject_actor_and_time()
    {
        await Store.AppendAsync(Audit("record.read", "sub_q1") with { ActorId = "dr-wang" }, default);
        await Store.AppendAsync(Audit("record.read", "sub_q2") with { ActorId = "dr-wang", Time = T0.AddHours(2) }, default);
        await Store.AppendAsync(Audit("record.read", "sub_q1") with { ActorId = "nurse-chen", Time = T0.AddHours(3) }, default);

        Assert.Equal(2, (await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_q1" }, default)).Count);
        Assert.Equal(2, (await Store.QueryAsync(Tenant, new AuditQuery { ActorId = "dr-wang" }, default)).Count);
        Assert.Single(await Store.QueryAsync(Tenant, new AuditQuery { ActorId = "dr-wang", From = T0.AddHours(1) }, default));
        var page = await Store.QueryAsync(Tenant, new AuditQuery { Limit = 2 }, default);
        Assert.Equal(2, page.Count);
        var next = await Store.QueryAsync(Tenant, new AuditQuery { After = page[^1].Id, Limit = 100 }, default);
        Assert.DoesNotContain(next, e => page.Any(p => p.Id == e.Id));
    }

    [Fact]
    public async Task Audit_query_pages_newest_first_with_before_and_filters_by_exact_action_and_outcome()
    {
        for (var i = 0; i < 7; i++)
        {
            var outcome = i % 3 == 0 ? AuditOutcome.Deny : AuditOutcome.Permit;
            await Store.AppendAsync(Audit(i % 2 == 0 ? "record.read" : "record.readers", "sub_nf") with { Outcome = outcome, Time = T0.AddMinutes(i) }, default);
            if (i == 3)
            {
                // SQLite: the older entries are behind the subject index's mark, the newer ones after it.
                await ((Cordon.Storage.Sql.SqlStore)Store).IndexAuditSubjectsAsync();
            }
        }

        // Ids are the store's; oldest first is the order they were written in.
        var ids = (await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_nf", Limit = 100 }, default)).Select(e => e.Id).ToList();
        Assert.Equal(7, ids.Count);
        foreach (var subject in new[] { null, "sub_nf" })
        {
            var paged = new List<long>();
            long? before = null;
            while (true)
            {
                var page = await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = subject, NewestFirst = true, Before = before, Limit = 3 }, default);
                if (page.Count == 0)
                {
                    break;
                }

                paged.AddRange(page.Select(e => e.Id));
                before = page[^1].Id;
            }

            Assert.Equal(Enumerable.Reverse(ids), paged.Where(ids.Contains));
            Assert.Equal(paged.OrderDescending(), paged);
        }

        // Exact action: record.read, not record.readers; outcome; both together, newest first; and with after and before as a window.
        var reads = await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_nf", Action = "record.read", Limit = 100 }, default);
        Assert.Equal([ids[0], ids[2], ids[4], ids[6]], reads.Select(e => e.Id));
        var denied = await Store.QueryAsync(Tenant, new AuditQuery { Outcome = AuditOutcome.Deny, Limit = 100 }, default);
        Assert.Equal([ids[0], ids[3], ids[6]], denied.Select(e => e.Id));
        var deniedReads = await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_nf", Action = "record.read", Outcome = AuditOutcome.Deny, NewestFirst = true, Limit = 100 }, default);
        Assert.Equal([ids[6], ids[0]], deniedReads.Select(e => e.Id));
        var window = await Store.QueryAsync(Tenant, new AuditQuery { After = ids[1], Before = ids[5], NewestFirst = true, From = T0.AddMinutes(3), Limit = 100 }, default);
        Assert.Equal([ids[4], ids[3]], window.Select(e => e.Id));
    }

    [Fact]
    public async Task Stored_entries_round_trip_into_the_same_hash()
    {
        var draft = Audit("record.read", "sub_h") with
        {
            RecordIds = ["rec_1", "rec_2"],
            Rules = ["R02", "R46"],
            Code = "consent.missing",
            ClientAddress = "10.0.0.7",
            RequestId = "req-1",
            Flags = AuditFlags.BreakGlass | AuditFlags.Masked,
            SealedNote = [1, 2, 3],
            Purpose = null,
        };
        var appended = await Store.AppendAsync(draft, default);

        var stored = Assert.Single(await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_h" }, default));
        Assert.Equal(appended.Hash, stored.Hash);
        Assert.Equal(appended.Hash, AuditChain.ComputeHash(CryptoSuite.Standard, stored.Draft, stored.Lane, stored.Seq, stored.PrevHash));
    }

    [Fact]
    public async Task An_edited_entry_is_found()
    {
        await WriteEntriesAsync(20);
        var target = (await Store.QueryAsync(Tenant, new AuditQuery { Limit = 1000 }, default))[10];

        await ExecuteRawAsync($"UPDATE audit_entries SET outcome = 3 WHERE id = {target.Id}");

        var result = await VerifyAsync();
        Assert.False(result.Valid);
        Assert.Equal(target.Lane, result.BrokenLane);
        Assert.Equal(target.Seq, result.FirstBroken);
        Assert.Contains("altered", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_entry_is_found()
    {
        await WriteEntriesAsync(20);
        var lane0 = (await Store.QueryAsync(Tenant, new AuditQuery { Limit = 1000 }, default)).Where(e => e.Lane == 0).ToList();
        var target = lane0[lane0.Count / 2];

        await ExecuteRawAsync($"DELETE FROM audit_entries WHERE id = {target.Id}");

        var result = await VerifyAsync();
        Assert.False(result.Valid);
        Assert.Equal(0, result.BrokenLane);
        Assert.Equal(target.Seq, result.FirstBroken);
    }

    [Fact]
    public async Task Reordered_entries_are_found()
    {
        await WriteEntriesAsync(20);
        var lane0 = (await Store.QueryAsync(Tenant, new AuditQuery { Limit = 1000 }, default)).Where(e => e.Lane == 0).ToList();
        var (a, b) = (lane0[2], lane0[3]);

        await ExecuteRawAsync($"UPDATE audit_entries SET seq = -1 WHERE id = {a.Id}");
        await ExecuteRawAsync($"UPDATE audit_entries SET seq = {a.Seq} WHERE id = {b.Id}");
        await ExecuteRawAsync($"UPDATE audit_entries SET seq = {b.Seq} WHERE id = {a.Id}");

        var result = await VerifyAsync();
        Assert.False(result.Valid);
        Assert.Equal(a.Seq, result.FirstBroken);
    }

    [Fact]
    public async Task An_edit_that_rechains_everything_after_it_is_caught_by_the_signed_checkpoint()
    {
        await WriteEntriesAsync(10);
        await CheckpointAsync();
        var lane0 = (await Store.QueryAsync(Tenant, new AuditQuery { Limit = 1000 }, default)).Where(e => e.Lane == 0).OrderBy(e => e.Seq).ToList();

        // Forge: change the first entry's action and recompute every hash after it, lane heads included.
        var prev = AuditChain.Genesis(CryptoSuite.Standard, Tenant, 0);
        foreach (var e in lane0)
        {
            var draft = e.Seq == 1 ? e.Draft with { Action = "forged" } : e.Draft;
            var hash = AuditChain.ComputeHash(CryptoSuite.Standard, draft, 0, e.Seq, prev);
            await ExecuteRawAsync($"UPDATE audit_entries SET action = '{draft.Action}', body = {Hex(AuditChain.EncodeBody(draft))}, prev_hash = {Hex(prev)}, hash = {Hex(hash)} WHERE id = {e.Id}");
            prev = hash;
        }

        await ExecuteRawAsync($"UPDATE audit_lanes SET head_hash = {Hex(prev)} WHERE tenant = '{Tenant}' AND lane = 0");

        var result = await VerifyAsync();
        Assert.False(result.Valid);
        Assert.Equal(0, result.BrokenLane);
        Assert.Contains("checkpoint", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entries_cut_from_the_end_are_found()
    {
        await WriteEntriesAsync(10);
        await CheckpointAsync();
        var lane0 = (await Store.QueryAsync(Tenant, new AuditQuery { Limit = 1000 }, default)).Where(e => e.Lane == 0).OrderBy(e => e.Seq).ToList();
        var last = lane0[^1];

        await ExecuteRawAsync($"DELETE FROM audit_entries WHERE id = {last.Id}");
        await ExecuteRawAsync($"UPDATE audit_lanes SET head_seq = {last.Seq - 1}, head_hash = {Hex(last.PrevHash)} WHERE tenant = '{Tenant}' AND lane = 0");

        var result = await VerifyAsync();
        Assert.False(result.Valid);
        Assert.Equal(last.Seq, result.FirstBroken);
    }

    [Fact]
    public async Task An_untouched_chain_verifies()
    {
        await WriteEntriesAsync(40);
        await CheckpointAsync();
        await WriteEntriesAsync(5);

        var result = await VerifyAsync();
        Assert.True(result.Valid, result.Reason);
        Assert.Equal(await CountAuditAsync(), result.Entries);
    }

    [Fact]
    public async Task Any_string_in_any_audited_field_round_trips_and_verifies()
    {
        // Separators, quotes, escapes, SQL and LIKE metacharacters, controls, NUL, non-BMP and combining characters.
        string[] hostile = ["dr-li,dr-wang", ",", "a,,b", "\"quoted\"", "it's", "back\\slash", "%_", "semi;colon", "pipe|bar", "new\nline", "tab\t", "nul\0byte", "\u0001\u001f\u007f", "😷病历", "𠀀𪚥", "e\u0301", "\u202Eevil", string.Empty, " ", new string('x', 3000), "{\"json\":[1]}", "\uFEFF", "\uFFFD"];
        var random = new Random(20261202);
        string Pick() => hostile[random.Next(hostile.Length)] + (random.Next(3) == 0 ? hostile[random.Next(hostile.Length)] : string.Empty);
        var drafts = new List<AuditDraft>();
        for (var i = 0; i < 120; i++)
        {
            drafts.Add(new AuditDraft
            {
                Tenant = Tenant,
                Time = T0.AddMilliseconds(i),
                ActorId = Pick(),
                ActorRole = Pick(),
                Purpose = random.Next(4) == 0 ? null : Pick(),
                Action = Pick(),
                SubjectId = random.Next(4) == 0 ? null : Pick(),
                RecordIds = [.. Enumerable.Range(0, random.Next(4)).Select(_ => Pick())],
                Outcome = (AuditOutcome)(1 + random.Next(4)),
                Code = random.Next(3) == 0 ? null : Pick(),
                Rules = [.. Enumerable.Range(0, random.Next(4)).Select(_ => Pick())],
                ClientAddress = random.Next(3) == 0 ? null : Pick(),
                RequestId = random.Next(3) == 0 ? null : Pick(),
                Flags = (AuditFlags)random.Next(64),
                SealedNote = random.Next(2) == 0 ? null : RandomNumberGenerator.GetBytes(random.Next(40)),
            });
        }

        var appended = new List<AuditEntry>();
        foreach (var draft in drafts)
        {
            appended.Add(await Store.AppendAsync(draft, default));
        }

        var stored = new Dictionary<(int, long), AuditEntry>();
        await foreach (var entry in Store.ReadChainAsync(Tenant, default))
        {
            stored[Position(entry)] = entry;
        }

        foreach (var (draft, entry) in drafts.Zip(appended))
        {
            AssertSameDraft(draft, stored[Position(entry)].Draft);
        }

        // Found again by the values themselves, whatever they hold.
        var byActor = await Store.QueryAsync(Tenant, new AuditQuery { ActorId = drafts[7].ActorId, Limit = 1000 }, default);
        Assert.Contains(byActor, e => Position(e) == Position(appended[7]));
        var withSubject = drafts.FindIndex(d => d.SubjectId is not null);
        var bySubject = await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = drafts[withSubject].SubjectId, Limit = 1000 }, default);
        Assert.Contains(bySubject, e => Position(e) == Position(appended[withSubject]));

        var result = await VerifyAsync();
        Assert.True(result.Valid, result.Reason);
        Assert.Equal(drafts.Count + 1, result.Entries);
    }

    [Fact]
    public async Task A_lone_surrogate_is_kept_as_the_replacement_character_and_the_chain_verifies()
    {
        var draft = Audit("record.read", "sub_\ud83d") with { ActorId = "dr-\udc00li", RecordIds = ["rec_\ud83d"] };
        var appended = await Store.AppendAsync(draft, default);

        var stored = Assert.Single(await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = "sub_\ufffd", Limit = 10 }, default));
        Assert.Equal(Position(appended), Position(stored));
        Assert.Equal("dr-\ufffdli", stored.Draft.ActorId);
        Assert.Equal(["rec_\ufffd"], stored.Draft.RecordIds);
        var result = await VerifyAsync();
        Assert.True(result.Valid, result.Reason);
    }

    [Fact]
    public async Task Verification_reports_every_broken_range_not_only_the_first()
    {
        for (var i = 0; i < 40; i++)
        {
            await Store.AppendAsync(Audit("record.read", $"sub_{i % 4}"), default);
        }

        await CheckpointAsync();
        var entries = await Store.QueryAsync(Tenant, new AuditQuery { Limit = 1000 }, default);
        var lanes = entries.GroupBy(e => e.Lane).Where(g => g.Count() >= 6).Select(g => g.OrderBy(e => e.Seq).ToList()).Take(2).ToList();
        Assert.Equal(2, lanes.Count);
        var edited = lanes[0][1];
        var deleted = lanes[0][4];
        var editedElsewhere = lanes[1][2];

        await ExecuteRawAsync($"UPDATE audit_entries SET actor = 'someone-else' WHERE id = {edited.Id}");
        await ExecuteRawAsync($"DELETE FROM audit_entries WHERE id = {deleted.Id}");
        await ExecuteRawAsync($"UPDATE audit_entries SET body = {Hex(AuditChain.EncodeBody(editedElsewhere.Draft with { Outcome = AuditOutcome.Deny }))} WHERE id = {editedElsewhere.Id}");

        var result = await VerifyAsync();
        Assert.False(result.Valid);
        Assert.Contains(result.Breaks, b => b.Lane == edited.Lane && b.From == edited.Seq && b.Kind == ChainBreakKind.Altered);
        Assert.Contains(result.Breaks, b => b.Lane == deleted.Lane && b.From == deleted.Seq && b.To == deleted.Seq && b.Kind == ChainBreakKind.Missing);
        Assert.Contains(result.Breaks, b => b.Lane == editedElsewhere.Lane && b.From == editedElsewhere.Seq && b.Kind == ChainBreakKind.Altered);
        Assert.Equal(3, result.Breaks.Count);
    }

    [Fact]
    public async Task Entries_from_before_the_entry_bytes_are_migrated_and_still_verify()
    {
        var drafts = new List<AuditDraft>();
        for (var i = 0; i < 12; i++)
        {
            var draft = Audit("record.read", $"sub_{i % 3}") with { RecordIds = [$"rec_{i}", $"rec_{i}b"], Rules = ["R02", "R46"], ClientAddress = "10.0.0.1", RequestId = $"req-{i}", Flags = AuditFlags.Masked, SealedNote = i % 2 == 0 ? [1, 2, (byte)i] : null };
            drafts.Add(draft);
            await Store.AppendAsync(draft, default);
        }

        await CheckpointAsync();

        // Turn the table back into the columns-only form of the last release, lists joined with commas.
        var entries = await Store.QueryAsync(Tenant, new AuditQuery { Limit = 1000 }, default);
        await Store.DisposeAsync();
        var legacy = new System.Text.StringBuilder();
        legacy.Append("ALTER TABLE audit_entries ADD COLUMN record_ids TEXT NOT NULL DEFAULT '';")
            .Append("ALTER TABLE audit_entries ADD COLUMN rules TEXT NOT NULL DEFAULT '';")
            .Append("ALTER TABLE audit_entries ADD COLUMN client TEXT;")
            .Append("ALTER TABLE audit_entries ADD COLUMN request_id TEXT;")
            .Append("ALTER TABLE audit_entries ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;")
            .Append("ALTER TABLE audit_entries ADD COLUMN note ").Append(Store.Engine == "sqlite" ? "BLOB" : "BYTEA").Append(';');
        foreach (var e in entries)
        {
            var d = e.Draft;
            legacy.Append(System.Globalization.CultureInfo.InvariantCulture, $"UPDATE audit_entries SET record_ids = '{string.Join(',', d.RecordIds)}', rules = '{string.Join(',', d.Rules)}', client = {Text(d.ClientAddress)}, request_id = {Text(d.RequestId)}, flags = {(int)d.Flags}, note = {(d.SealedNote is null ? "NULL" : Hex(d.SealedNote))} WHERE id = {e.Id};");
        }

        legacy.Append("ALTER TABLE audit_entries DROP COLUMN body;").Append("DELETE FROM schema_migrations WHERE description = 'audit: entries stored as their own bytes';");
        await ExecuteRawAsync(legacy.ToString());

        _store = await OpenStoreAsync(reopen: true);
        var migrated = await Store.QueryAsync(Tenant, new AuditQuery { Limit = 1000 }, default);
        Assert.Equal(entries.Select(Position), migrated.Select(Position));
        foreach (var (before, after) in entries.Zip(migrated))
        {
            AssertSameDraft(before.Draft, after.Draft);
        }

        var result = await VerifyAsync();
        Assert.True(result.Valid, result.Reason);
    }
}
