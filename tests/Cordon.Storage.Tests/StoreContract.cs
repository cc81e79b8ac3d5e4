using System.Security.Cryptography;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Crypto;
using Cordon.Core.Subjects;

namespace Cordon.Storage.Tests;

/// <summary>
/// The storage contract. Every engine passes this same suite: SQLite and PostgreSQL each subclass it.
/// Each test class instance works on its own fresh database.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    protected const string Tenant = "t1";
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
    private readonly KeyPairForTests _keys = new();
    private ICordonStore? _store;

    protected ICordonStore Store => _store ?? throw new InvalidOperationException("not initialised");

    public async ValueTask InitializeAsync()
    {
        _store = await OpenStoreAsync();
        await Store.PutTenantAsync(new TenantRow(Tenant, "Test hospital", CryptoSuiteId.Standard, 4, "schema: test", "h1", T0), Audit("tenant.create", null), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        await CleanupAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Opens the test's store: a fresh database, or (<paramref name="reopen"/>) the same one again.</summary>
    protected abstract Task<ICordonStore> OpenStoreAsync(bool reopen = false);

    /// <summary>Runs a query that answers one number directly against the database.</summary>
    protected abstract Task<long> ScalarAsync(string sql);

    /// <summary>Runs SQL directly against the database, as an attacker with file or superuser access would.</summary>
    protected abstract Task ExecuteRawAsync(string sql);

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_created_subject_reads_back_with_its_key_and_lookups()
    {
        var subject = Subject("sub_a");
        var status = await Store.CreateSubjectAsync(subject, Key(subject.Id), [Lookup("external-id", "ext-1", subject.Id), Lookup("cn-mobile", "13800000000", subject.Id)], Audit("subject.create", subject.Id), default);

        Assert.Equal(WriteStatus.Done, status);
        var read = await Store.GetSubjectAsync(Tenant, subject.Id, default);
        Assert.NotNull(read);
        Assert.Equal(subject.Sealed, read.Sealed);
        Assert.Equal(subject.CreatedAt, read.CreatedAt);
        Assert.Equal(SubjectState.Active, read.State);
        var key = await Store.GetSubjectKeyAsync(Tenant, subject.Id, 1, default);
        Assert.NotNull(key);
        var both = await Store.GetSubjectWithKeyAsync(Tenant, subject.Id, default);
        Assert.NotNull(both);
        Assert.Equal(subject.Sealed, both.Value.Subject.Sealed);
        Assert.Equal(subject.KeyVersion, both.Value.Subject.KeyVersion);
        Assert.Equal(key.Wrapped, both.Value.Key.Wrapped);
        Assert.Null(await Store.GetSubjectWithKeyAsync(Tenant, "sub_none", default));
        Assert.Equal(["sub_a"], await Store.FindSubjectsAsync(Tenant, "cn-mobile", Hash("13800000000"), default));
        Assert.Empty(await Store.FindSubjectsAsync(Tenant, "cn-mobile", Hash("13900000000"), default));
    }

    [Fact]
    public async Task A_taken_external_id_is_a_conflict_and_stores_nothing()
    {
        var first = Subject("sub_1");
        await Store.CreateSubjectAsync(first, Key(first.Id), [Lookup("external-id", "same", first.Id)], Audit("subject.create", first.Id), default);
        var entriesBefore = await CountAuditAsync();

        var second = Subject("sub_2");
        var status = await Store.CreateSubjectAsync(second, Key(second.Id), [Lookup("external-id", "same", second.Id)], Audit("subject.create", second.Id), default);

        Assert.Equal(WriteStatus.Conflict, status);
        Assert.Null(await Store.GetSubjectAsync(Tenant, second.Id, default));
        Assert.Null(await Store.GetSubjectKeyAsync(Tenant, second.Id, 1, default));
        Assert.Equal(entriesBefore, await CountAuditAsync());
    }

    [Fact]
    public async Task Records_list_by_subject_and_type_and_corrections_keep_old_versions()
    {
        var subject = await CreateSubjectAsync("sub_r");
        await Store.PutRecordAsync(Record("rec_1", subject, "Observation", 1), [], Audit("record.write", subject), default);
        await Store.PutRecordAsync(Record("rec_2", subject, "Condition", 1), [], Audit("record.write", subject), default);

        Assert.Equal(2, (await Store.ListRecordsAsync(Tenant, subject, null, default)).Count);
        Assert.Equal("rec_2", Assert.Single(await Store.ListRecordsAsync(Tenant, subject, "Condition", default)).Id);

        var corrected = Record("rec_1", subject, "Observation", 2);
        Assert.Equal(WriteStatus.Done, await Store.PutRecordVersionAsync(corrected, 1, [], Audit("record.correct", subject), default));
        Assert.Equal(WriteStatus.Stale, await Store.PutRecordVersionAsync(Record("rec_1", subject, "Observation", 2), 1, [], Audit("record.correct", subject), default));
        Assert.Equal(WriteStatus.NotFound, await Store.PutRecordVersionAsync(Record("rec_x", subject, "Observation", 2), 1, [], Audit("record.correct", subject), default));

        var current = await Store.GetRecordAsync(Tenant, "rec_1", default);
        Assert.Equal(2, current!.Version);
        Assert.Equal(corrected.Sealed, current.Sealed);
        var withSubject = await Store.GetRecordWithSubjectAsync(Tenant, "rec_1", default);
        Assert.NotNull(withSubject);
        Assert.Equal(corrected.Sealed, withSubject.Value.Record.Sealed);
        Assert.Equal(2, withSubject.Value.Record.Version);
        Assert.Equal(subject, withSubject.Value.Subject.Id);
        Assert.Equal((await Store.GetSubjectKeyAsync(Tenant, subject, 1, default))!.Wrapped, withSubject.Value.Key.Wrapped);
        Assert.Null(await Store.GetRecordWithSubjectAsync(Tenant, "rec_x", default));
        var versions = await Store.GetRecordVersionsAsync(Tenant, "rec_1", default);
        Assert.Equal([1, 2], versions.Select(v => v.Version));
    }

    [Fact]
    public async Task A_subject_state_change_is_stored_and_audited()
    {
        var subject = await CreateSubjectAsync("sub_s");
        var before = await CountAuditAsync();

        Assert.Equal(WriteStatus.Done, await Store.SetSubjectStateAsync(Tenant, subject, SubjectState.Restricted, T0.AddDays(1), Audit("subject.state", subject), default));
        Assert.Equal(WriteStatus.NotFound, await Store.SetSubjectStateAsync(Tenant, "sub_missing", SubjectState.Restricted, T0, Audit("subject.state", "sub_missing"), default));

        var read = await Store.GetSubjectAsync(Tenant, subject, default);
        Assert.Equal(SubjectState.Restricted, read!.State);
        Assert.Equal(T0.AddDays(1), read.UpdatedAt);
        Assert.Equal(before + 1, await CountAuditAsync());
    }

    [Fact]
    public async Task A_bulk_batch_stores_its_records_and_the_entries_that_cover_them_together()
    {
        var a = await CreateSubjectAsync("sub_bulk_a");
        var b = await CreateSubjectAsync("sub_bulk_b");
        var before = await CountAuditAsync();
        var records = new (RecordRow, IReadOnlyList<LookupRow>)[]
        {
            (Record("rec_b1", a, "Observation", 1), []),
            (Record("rec_b2", a, "Observation", 1), [Lookup("cn-mobile", "13700000000", a) with { RecordId = "rec_b2" }]),
            (Record("rec_b3", b, "Condition", 1), []),
        };

        await Store.PutRecordsAsync(records, [Audit("record.import", a) with { RecordIds = ["rec_b1", "rec_b2"] }, Audit("record.import", b) with { RecordIds = ["rec_b3"] }], default);

        Assert.Equal(2, (await Store.ListRecordsAsync(Tenant, a, null, default)).Count);
        Assert.Single(await Store.ListRecordsAsync(Tenant, b, null, default));
        Assert.Equal([a], await Store.FindSubjectsAsync(Tenant, "cn-mobile", Hash("13700000000"), default));
        Assert.Equal(before + 2, await CountAuditAsync());
        var entry = Assert.Single(await Store.QueryAsync(Tenant, new AuditQuery { SubjectId = a, Limit = 1000 }, default), e => e.Draft.Action == "record.import");
        Assert.Equal(["rec_b1", "rec_b2"], entry.Draft.RecordIds);
        var result = await VerifyAsync();
        Assert.True(result.Valid, result.Reason);
    }

    [Fact]
    public async Task The_consent_ledger_returns_history_in_order()
    {
        var subject = await CreateSubjectAsync("sub_c");
        await Store.AppendAsync(Consent("c1", subject, ConsentAction.Grant), Audit("consent.grant", subject), default);
        await Store.AppendAsync(Consent("c2", subject, ConsentAction.Withdraw), Audit("consent.withdraw", subject), default);
        await Store.AppendAsync(Consent("c3", subject, ConsentAction.Grant), Audit("consent.grant", subject), default);

        var history = await Store.GetHistoryAsync(Tenant, subject, default);

        Assert.Equal(["c1", "c2", "c3"], history.Select(e => e.Id));
        Assert.Equal(ConsentAction.Withdraw, history[1].Action);
        Assert.Equal("consultation", history[0].Purpose);
    }

    [Fact]
    public async Task The_latest_consent_event_of_a_purpose_and_recipient_is_the_one_decisions_read()
    {
        var subject = await CreateSubjectAsync("sub_l");
        Assert.Null(await Store.GetLatestConsentAsync(Tenant, subject, "consultation", null, default));
        await Store.AppendAsync(Consent("l1", subject, ConsentAction.Grant), Audit("consent.grant", subject), default);
        await Store.AppendAsync(Consent("l2", subject, ConsentAction.Grant) with { Purpose = "marketing.push" }, Audit("consent.grant", subject), default);
        await Store.AppendAsync(Consent("l3", subject, ConsentAction.Withdraw), Audit("consent.withdraw", subject), default);
        await Store.AppendAsync(Consent("l4", subject, ConsentAction.Grant) with { Recipient = "partner-pharmacy" }, Audit("consent.grant", subject), default);

        Assert.Equal("l3", (await Store.GetLatestConsentAsync(Tenant, subject, "consultation", null, default))!.Id);
        Assert.Equal("l2", (await Store.GetLatestConsentAsync(Tenant, subject, "marketing.push", null, default))!.Id);
        Assert.Equal("l4", (await Store.GetLatestConsentAsync(Tenant, subject, "consultation", "partner-pharmacy", default))!.Id);
        Assert.Null(await Store.GetLatestConsentAsync(Tenant, subject, "payment", null, default));
    }

    [Fact]
    public async Task Care_team_membership_is_upserted()
    {
        var subject = await CreateSubjectAsync("sub_t");
        await Store.PutCareTeamMemberAsync(new CareTeamRow(Tenant, subject, "dr-li", "physician", T0.AddDays(1), T0, "app"), Audit("care-team.add", subject), default);
        await Store.PutCareTeamMemberAsync(new CareTeamRow(Tenant, subject, "dr-li", "physician", T0.AddDays(30), T0, "app"), Audit("care-team.add", subject), default);

        var member = Assert.Single(await Store.GetCareTeamAsync(Tenant, subject, default));
        Assert.Equal(T0.AddDays(30), member.Until);
    }

    [Fact]
    public async Task A_record_read_gets_subject_key_latest_consent_and_care_team_in_one_read()
    {
        var subject = await CreateSubjectAsync("sub_f");
        await Store.PutRecordAsync(Record("rec_f", subject, "Observation", 1), [], Audit("record.write", subject), default);

        var bare = await Store.GetRecordForReadAsync(Tenant, "rec_f", "consultation", careTeam: true, default);
        Assert.NotNull(bare);
        Assert.Equal("rec_f", bare.Value.Record.Id);
        Assert.Equal(subject, bare.Value.Subject.Id);
        Assert.Equal((await Store.GetSubjectKeyAsync(Tenant, subject, 1, default))!.Wrapped, bare.Value.Key.Wrapped);
        Assert.Null(bare.Value.Consent);
        Assert.Empty(bare.Value.CareTeam);

        await Store.AppendAsync(Consent("f1", subject, ConsentAction.Grant), Audit("consent.grant", subject), default);
        await Store.AppendAsync(Consent("f2", subject, ConsentAction.Withdraw), Audit("consent.withdraw", subject), default);
        await Store.AppendAsync(Consent("f3", subject, ConsentAction.Grant) with { Recipient = "partner-pharmacy" }, Audit("consent.grant", subject), default);
        await Store.AppendAsync(Consent("f4", subject, ConsentAction.Grant) with { Purpose = "marketing.push" }, Audit("consent.grant", subject), default);
        await Store.PutCareTeamMemberAsync(new CareTeamRow(Tenant, subject, "nurse-wu", "nurse", T0.AddDays(2), T0, "app"), Audit("care-team.add", subject), default);
        await Store.PutCareTeamMemberAsync(new CareTeamRow(Tenant, subject, "dr-li", "physician", T0.AddDays(1), T0, "app"), Audit("care-team.add", subject), default);

        var read = await Store.GetRecordForReadAsync(Tenant, "rec_f", "consultation", careTeam: true, default);
        Assert.NotNull(read);
        Assert.Equal("f2", read.Value.Consent!.Id);
        Assert.Equal(ConsentAction.Withdraw, read.Value.Consent.Action);
        Assert.Equal(subject, read.Value.Consent.SubjectId);
        Assert.Equal(["dr-li", "nurse-wu"], read.Value.CareTeam.Select(m => m.ActorId));
        Assert.Equal(T0.AddDays(1), read.Value.CareTeam[0].Until);
        Assert.Equal(read.Value.Record.Sealed, bare.Value.Record.Sealed);

        var other = await Store.GetRecordForReadAsync(Tenant, "rec_f", "marketing.push", careTeam: false, default);
        Assert.Equal("f4", other!.Value.Consent!.Id);
        Assert.Empty(other.Value.CareTeam);
        var none = await Store.GetRecordForReadAsync(Tenant, "rec_f", null, careTeam: false, default);
        Assert.Null(none!.Value.Consent);
        Assert.Null(await Store.GetRecordForReadAsync(Tenant, "rec_x", "consultation", careTeam: true, default));
    }

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

    [Fact]
    public async Task A_write_whose_token_is_cancelled_before_it_runs_is_dropped_and_one_taken_runs_to_the_end()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var before = await ScalarAsync("SELECT COUNT(*) FROM audit_entries");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.AppendAsync(Audit("record.read", "sub_c"), cancelled.Token));

        Assert.Equal(before, await ScalarAsync("SELECT COUNT(*) FROM audit_entries"));
        await Store.AppendAsync(Audit("record.read", "sub_c"), CancellationToken.None);
        Assert.Equal(before + 1, await ScalarAsync("SELECT COUNT(*) FROM audit_entries"));
    }

    [Fact]
    public async Task Migrations_run_once_and_reopen_cleanly()
    {
        await Store.MigrateAsync(default);
        Assert.True(await Store.PingAsync(default));
        Assert.NotNull(await Store.GetTenantAsync(Tenant, default));
    }

    protected async Task<ChainVerification> VerifyAsync()
    {
        var verifier = new ChainVerifier(CryptoSuite.Standard, Tenant);
        verifier.AddCheckpoints(await Store.GetCheckpointsAsync(Tenant, default), id => id == _keys.Id ? _keys.Public : null);
        verifier.AddLaneHeads(await Store.GetLaneHeadsAsync(Tenant, default));
        await foreach (var entry in Store.ReadChainAsync(Tenant, default))
        {
            verifier.Add(entry);
        }

        return verifier.Complete();
    }

    private async Task CheckpointAsync()
    {
        var heads = await Store.GetLaneHeadsAsync(Tenant, default);
        await Store.AppendCheckpointAsync(Checkpoint.Create(CryptoSuite.Standard, _keys.Private, _keys.Id, Tenant, T0.AddHours(1), heads), default);
    }

    private async Task WriteEntriesAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Store.AppendAsync(Audit("record.read", i % 2 == 0 ? null : $"sub_{i}"), default);
        }
    }

    private async Task<long> CountAuditAsync()
    {
        long count = 0;
        await foreach (var _ in Store.ReadChainAsync(Tenant, default))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public async Task Shredding_destroys_every_key_at_once_and_the_purge_removes_the_rows_after()
    {
        var subject = await CreateSubjectAsync("sub_shred");
        await Store.PutRecordsAsync([(Record("rec_s1", subject, "Patient", 1), []), (Record("rec_s2", subject, "Condition", 1), [])], [Audit("record.import", subject)], default);

        var stale = await Store.EraseAsync(new SubjectErasure { Tenant = Tenant, SubjectId = subject, ExpectedKeyVersion = 2, State = SubjectState.Cancelled }, Audit("rights.erase", subject), default);
        Assert.Equal(WriteStatus.Stale, stale);
        Assert.NotNull(await Store.GetSubjectKeyAsync(Tenant, subject, 1, default));

        var done = await Store.EraseAsync(new SubjectErasure { Tenant = Tenant, SubjectId = subject, ExpectedKeyVersion = 1, State = SubjectState.Cancelled }, Audit("rights.erase", subject), default);
        Assert.Equal(WriteStatus.Done, done);
        Assert.Null(await Store.GetSubjectKeyAsync(Tenant, subject, 1, default));
        Assert.Null(await Store.GetSubjectWithKeyAsync(Tenant, subject, default));
        Assert.Equal(SubjectState.Cancelled, (await Store.GetSubjectAsync(Tenant, subject, default))!.State);
        Assert.Equal([subject], await Store.ListUnpurgedSubjectsAsync(Tenant, 10, default));

        // A write sealed under the destroyed key is refused, not stored under a key that no longer exists.
        await Assert.ThrowsAsync<SubjectKeyChangedException>(() => Store.PutRecordAsync(Record("rec_s3", subject, "Patient", 1), [], Audit("record.write", subject), default));

        Assert.Equal(1, await Store.PurgeShreddedRecordsAsync(Tenant, subject, 1, default));
        Assert.Equal(1, await Store.PurgeShreddedRecordsAsync(Tenant, subject, 10, default));
        Assert.Empty(await Store.ListRecordsAsync(Tenant, subject, null, default));
        Assert.Empty(await Store.ListUnpurgedSubjectsAsync(Tenant, 10, default));
    }

    [Fact]
    public async Task A_rekeying_erasure_keeps_what_it_lists_restricted_and_refuses_a_plan_that_missed_a_record()
    {
        var subject = await CreateSubjectAsync("sub_rekey");
        await Store.PutRecordsAsync([(Record("rec_k1", subject, "Condition", 1), []), (Record("rec_k2", subject, "Patient", 1), []), (Record("rec_k3", subject, "Patient", 1), [])], [Audit("record.import", subject)], default);
        var kept = Record("rec_k1", subject, "Condition", 1) with { Restricted = true };
        var newKey = new SubjectKeyRow(Tenant, subject, 2, RandomNumberGenerator.GetBytes(66), T0);

        var missing = new SubjectErasure { Tenant = Tenant, SubjectId = subject, ExpectedKeyVersion = 1, State = SubjectState.Active, NewKey = newKey, SubjectSealed = [1, 2, 3], Kept = [kept], Deleted = ["rec_k2"] };
        Assert.Equal(WriteStatus.Stale, await Store.EraseAsync(missing, Audit("rights.erase", subject), default));
        Assert.Equal(3, (await Store.ListRecordsAsync(Tenant, subject, null, default)).Count);

        Assert.Equal(WriteStatus.Done, await Store.EraseAsync(missing with { Deleted = ["rec_k2", "rec_k3"] }, Audit("rights.erase", subject), default));
        var left = Assert.Single(await Store.ListRecordsAsync(Tenant, subject, null, default));
        Assert.True(left.Restricted);
        Assert.Equal(kept.Sealed, left.Sealed);
        Assert.Null(await Store.GetSubjectKeyAsync(Tenant, subject, 1, default));
        Assert.Equal(2, (await Store.GetSubjectAsync(Tenant, subject, default))!.KeyVersion);
        Assert.Equal(["rec_k1"], (await Store.ListRecordFactsAsync(Tenant, subject, default)).Select(f => f.Id));
    }

    [Fact]
    public async Task Rights_requests_legal_holds_and_the_calendar_round_trip()
    {
        var subject = await CreateSubjectAsync("sub_rights");
        var request = new RightsRequestRow
        {
            Tenant = Tenant, Id = "rr_1", SubjectId = subject, Kind = Core.Rights.RightsKind.Deletion, Status = Core.Rights.RightsStatus.Open,
            Relation = Core.Rights.RequesterRelation.Self, RequesterId = "p1", RequesterRole = "patient", CreatedAt = T0, UpdatedAt = T0,
            DueOn = new DateOnly(2026, 12, 14), Sealed = [9, 9],
        };
        await Store.PutRightsRequestAsync(request, Audit("rights.request", subject), default);
        Assert.Single(await Store.ListRightsRequestsAsync(Tenant, new RightsRequestQuery { OpenAndDueBefore = new DateOnly(2026, 12, 15) }, default));
        Assert.Empty(await Store.ListRightsRequestsAsync(Tenant, new RightsRequestQuery { OpenAndDueBefore = new DateOnly(2026, 12, 14) }, default));
        await Store.PutRightsRequestAsync(request with { Status = Core.Rights.RightsStatus.Completed, ClosedAt = T0.AddDays(1), UpdatedAt = T0.AddDays(1) }, Audit("rights.completed", subject), default);
        var closed = (await Store.GetRightsRequestAsync(Tenant, "rr_1", default))!;
        Assert.Equal(Core.Rights.RightsStatus.Completed, closed.Status);
        Assert.Equal(new DateOnly(2026, 12, 14), closed.DueOn);
        Assert.Empty(await Store.ListRightsRequestsAsync(Tenant, new RightsRequestQuery { OpenAndDueBefore = new DateOnly(2027, 1, 1) }, default));

        var hold = new LegalHoldRow(Tenant, "hold_1", subject, T0, "dpo", [1]);
        await Store.PutLegalHoldAsync(hold, Audit("hold.place", subject), default);
        Assert.Single(await Store.ListLegalHoldsAsync(Tenant, subject, activeOnly: true, default));
        await Store.PutLegalHoldAsync(hold with { ReleasedAt = T0.AddDays(2), ReleasedBy = "dpo" }, Audit("hold.release", subject), default);
        Assert.Empty(await Store.ListLegalHoldsAsync(Tenant, subject, activeOnly: true, default));
        Assert.Single(await Store.ListLegalHoldsAsync(Tenant, subject, activeOnly: false, default));

        await Store.PutCalendarYearAsync(Tenant, 2027, [new Core.Rights.CalendarDay(new DateOnly(2027, 1, 1), false), new Core.Rights.CalendarDay(new DateOnly(2027, 2, 6), true)], Audit("calendar.update", null), default);
        await Store.PutCalendarYearAsync(Tenant, 2027, [new Core.Rights.CalendarDay(new DateOnly(2027, 1, 1), false)], Audit("calendar.update", null), default);
        Assert.Equal([new Core.Rights.CalendarDay(new DateOnly(2027, 1, 1), false)], await Store.GetCalendarAsync(Tenant, default));
    }

    [Fact]
    public async Task Retention_finds_records_created_before_a_time_by_type_and_purpose_page_by_page_and_deletes_them_with_their_audit()
    {
        var subject = await CreateSubjectAsync("sub_ret");
        var rows = Enumerable.Range(0, 5).Select(i => (Record($"rec_r{i}", subject, "Patient", 1) with { CreatedAt = T0.AddDays(i) }, (IReadOnlyList<LookupRow>)[])).ToList();
        await Store.PutRecordsAsync(rows, [Audit("record.import", subject)], default);
        var first = await Store.FindRecordsCreatedBeforeAsync(Tenant, "Patient", "consultation", T0.AddDays(4), null, 2, default);
        Assert.Equal(["rec_r0", "rec_r1"], first.Select(r => r.Id));
        var second = await Store.FindRecordsCreatedBeforeAsync(Tenant, "Patient", "consultation", T0.AddDays(4), (first[^1].CreatedAt, first[^1].Id), 10, default);
        Assert.Equal(["rec_r2", "rec_r3"], second.Select(r => r.Id));
        Assert.Empty(await Store.FindRecordsCreatedBeforeAsync(Tenant, "Patient", "appointment", T0.AddDays(4), null, 10, default));

        var before = await CountEntriesAsync();
        Assert.Equal(4, await Store.DeleteRecordsAsync(Tenant, [.. first.Concat(second).Select(r => r.Id)], [Audit("retention.delete", subject)], default));
        Assert.Equal(before + 1, await CountEntriesAsync());
        Assert.Equal(["rec_r4"], (await Store.ListRecordsAsync(Tenant, subject, null, default)).Select(r => r.Id));
    }

    [Fact]
    public async Task The_audience_is_active_subjects_with_current_push_consent_personalised_where_that_is_granted_too()
    {
        async Task Event(string subject, string purpose, ConsentAction action, string fingerprint = "f1")
            => await Store.AppendAsync(Consent($"con_{subject}_{purpose}_{action}_{fingerprint}", subject, action) with { Purpose = purpose, PurposeFingerprint = fingerprint }, Audit("consent", subject), default);

        foreach (var s in new[] { "sub_a", "sub_b", "sub_c", "sub_d", "sub_e" })
        {
            await CreateSubjectAsync(s);
        }

        await Event("sub_a", "marketing.push", ConsentAction.Grant);
        await Event("sub_a", "marketing.personalization", ConsentAction.Grant);
        await Event("sub_b", "marketing.push", ConsentAction.Grant);
        await Event("sub_b", "marketing.personalization", ConsentAction.Grant);
        await Event("sub_b", "marketing.personalization", ConsentAction.Withdraw);
        await Event("sub_c", "marketing.push", ConsentAction.Grant);
        await Event("sub_c", "marketing.push", ConsentAction.Withdraw);
        await Event("sub_d", "marketing.push", ConsentAction.Grant);
        await Store.SetSubjectStateAsync(Tenant, "sub_d", SubjectState.Restricted, T0, Audit("subject.state", "sub_d"), default);
        await Event("sub_e", "marketing.push", ConsentAction.Grant, "f0");

        var audience = new List<AudienceMember>();
        await foreach (var member in Store.ReadAudienceAsync(Tenant, "marketing.push", "f1", "marketing.personalization", "f1", default))
        {
            audience.Add(member);
        }

        Assert.Equal(["sub_a", "sub_b"], audience.Select(m => m.SubjectId));
        Assert.True(audience[0].Personalised);
        Assert.False(audience[1].Personalised);

        var renewals = await Store.ListRenewalsAsync(Tenant, "marketing.push", "f1", null, 10, default);
        Assert.Equal(["sub_e"], renewals.Select(r => r.SubjectId));
        Assert.Equal(2, (await Store.GetCurrentConsentsAsync(Tenant, "sub_b", default)).Count);
    }

    [Fact]
    public async Task Key_reconciliation_finishes_what_an_interrupted_erasure_left_in_the_key_store()
    {
        // An unused new key (an erasure that stopped before its transaction) goes once it is an hour old.
        var kept = await CreateSubjectAsync("sub_keep");
        await Store.PutSubjectKeyAsync(new SubjectKeyRow(Tenant, kept, 2, RandomNumberGenerator.GetBytes(66), T0), default);
        Assert.Equal(0, await Store.ReconcileKeysAsync(T0.AddMinutes(30), default));
        Assert.NotNull(await Store.GetSubjectKeyAsync(Tenant, kept, 2, default));
        Assert.Equal(1, await Store.ReconcileKeysAsync(T0.AddHours(2), default));
        Assert.Null(await Store.GetSubjectKeyAsync(Tenant, kept, 2, default));
        Assert.NotNull(await Store.GetSubjectKeyAsync(Tenant, kept, 1, default));

        // A re-keyed subject whose old key survived (cordon.db committed, the key store not): the old key goes.
        var rekeyed = await CreateSubjectAsync("sub_rekeyed");
        var newKey = new SubjectKeyRow(Tenant, rekeyed, 2, RandomNumberGenerator.GetBytes(66), T0);
        await Store.PutSubjectKeyAsync(newKey, default);
        Assert.Equal(WriteStatus.Done, await Store.EraseAsync(new SubjectErasure { Tenant = Tenant, SubjectId = rekeyed, ExpectedKeyVersion = 1, State = SubjectState.Active, NewKey = newKey, SubjectSealed = [1] }, Audit("rights.erase", rekeyed), default));
        Assert.Null(await Store.GetSubjectKeyAsync(Tenant, rekeyed, 1, default));
        Assert.NotNull(await Store.GetSubjectKeyAsync(Tenant, rekeyed, 2, default));
        Assert.Equal(0, await Store.ReconcileKeysAsync(T0.AddHours(2), default));
        Assert.NotNull(await Store.GetSubjectKeyAsync(Tenant, rekeyed, 2, default));
    }

    private async Task<int> CountEntriesAsync()
    {
        var count = 0;
        await foreach (var _ in Store.ReadChainAsync(Tenant, default))
        {
            count++;
        }

        return count;
    }

    private async Task<string> CreateSubjectAsync(string id)
    {
        var subject = Subject(id);
        Assert.Equal(WriteStatus.Done, await Store.CreateSubjectAsync(subject, Key(id), [], Audit("subject.create", id), default));
        return id;
    }

    private static string Hex(byte[] bytes) => $"X'{Convert.ToHexString(bytes)}'";

    private static string Text(string? value) => value is null ? "NULL" : $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";

    private static void AssertSameDraft(AuditDraft expected, AuditDraft actual)
    {
        Assert.Equal(expected.Tenant, actual.Tenant);
        Assert.Equal(expected.Time, actual.Time);
        Assert.Equal(expected.ActorId, actual.ActorId);
        Assert.Equal(expected.ActorRole, actual.ActorRole);
        Assert.Equal(expected.Purpose, actual.Purpose);
        Assert.Equal(expected.Action, actual.Action);
        Assert.Equal(expected.SubjectId, actual.SubjectId);
        Assert.Equal(expected.RecordIds, actual.RecordIds);
        Assert.Equal(expected.Outcome, actual.Outcome);
        Assert.Equal(expected.Code, actual.Code);
        Assert.Equal(expected.Rules, actual.Rules);
        Assert.Equal(expected.ClientAddress, actual.ClientAddress);
        Assert.Equal(expected.RequestId, actual.RequestId);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.SealedNote, actual.SealedNote);
    }

    private static SubjectRow Subject(string id) => new()
    {
        Tenant = Tenant,
        Id = id,
        State = SubjectState.Active,
        CreatedAt = T0,
        UpdatedAt = T0,
        KeyVersion = 1,
        Sealed = RandomNumberGenerator.GetBytes(64),
    };

    private static SubjectKeyRow Key(string subject) => new(Tenant, subject, 1, RandomNumberGenerator.GetBytes(66), T0);

    private static LookupRow Lookup(string kind, string value, string subject) => new(Tenant, kind, Hash(value), subject, null);

    private static byte[] Hash(string value) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value))[..16];

    private static RecordRow Record(string id, string subject, string type, int version) => new()
    {
        Tenant = Tenant,
        Id = id,
        SubjectId = subject,
        Type = type,
        Version = version,
        Level = 4,
        Purpose = "consultation",
        CreatedAt = T0,
        UpdatedAt = T0.AddMinutes(version),
        Sealed = SealUnderKey1(new RecordBinding(Tenant, subject, id, type, version), RandomNumberGenerator.GetBytes(64)),
    };

    /// <summary>Stores accept a record only sealed under its subject's current key version (1 in these tests); the key itself does not matter here.</summary>
    private static byte[] SealUnderKey1(RecordBinding binding, byte[] payload)
    {
        using var cipher = new RecordCipher(CryptoSuiteId.Standard, RandomNumberGenerator.GetBytes(32), 1);
        return cipher.Seal(binding, payload);
    }

    private static ConsentEvent Consent(string id, string subject, ConsentAction action) => new()
    {
        Id = id,
        Tenant = Tenant,
        SubjectId = subject,
        Purpose = "consultation",
        Action = action,
        GivenBy = ConsentGiver.Self,
        NoticeVersion = "v1",
        PurposeFingerprint = "f1",
        Channel = "app",
        ActorId = "app",
        Time = T0,
    };

    /// <summary>An entry's place in the chain: what an appended entry and the same entry read back share.</summary>
    protected static (int Lane, long Seq) Position(AuditEntry entry) => (entry.Lane, entry.Seq);

    protected static AuditDraft Audit(string action, string? subject) => new()
    {
        Tenant = Tenant,
        Time = T0,
        ActorId = "app-backend",
        ActorRole = "app",
        Purpose = "consultation",
        Action = action,
        SubjectId = subject,
        Outcome = AuditOutcome.Done,
    };

    private sealed class KeyPairForTests
    {
        public KeyPairForTests() => (Private, Public) = CryptoSuite.Standard.CreateSigningKey();

        public string Id { get; } = "ck_test";

        public byte[] Private { get; }

        public byte[] Public { get; }
    }
}
