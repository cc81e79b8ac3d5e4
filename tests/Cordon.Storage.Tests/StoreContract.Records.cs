using Cordon.Core.Consent;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract: Records, versions and bulk batches.</summary>
public abstract partial class StoreContract
{
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
        var withSubject = await Store.GetRecordForReadAsync(Tenant, "rec_1", null, careTeam: false, default);
        Assert.NotNull(withSubject);
        Assert.Equal(corrected.Sealed, withSubject.Value.Record.Sealed);
        Assert.Equal(2, withSubject.Value.Record.Version);
        Assert.Equal(subject, withSubject.Value.Subject.Id);
        Assert.Equal((await Store.GetSubjectKeyAsync(Tenant, subject, 1, default))!.Wrapped, withSubject.Value.Key.Wrapped);
        Assert.Null(await Store.GetRecordForReadAsync(Tenant, "rec_x", null, careTeam: false, default));
        var versions = await Store.GetRecordVersionsAsync(Tenant, "rec_1", default);
        Assert.Equal([1, 2], versions.Select(v => v.Version));
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
    public async Task A_source_id_is_stored_once_per_subject_listed_for_it_and_kept_across_versions()
    {
        var a = await CreateSubjectAsync("sub_src_a");
        var b = await CreateSubjectAsync("sub_src_b");
        LookupRow Source(string value, string subject, string record) => Lookup(LookupRow.SourceId, value, subject) with { RecordId = record };
        await Store.PutRecordsAsync(
            [
                (Record("rec_s1", a, "Observation", 1), [Source("Observation/o-1", a, "rec_s1"), Lookup("cn-mobile", "13700000001", a) with { RecordId = "rec_s1" }]),
                (Record("rec_s2", a, "Observation", 1), [Source("Observation/o-2", a, "rec_s2")]),

                // Another subject may hold a resource with the same source id (ids are unique per source system, not per tenant).
                (Record("rec_s3", b, "Observation", 1), [Source("Observation/o-1", b, "rec_s3")]),
            ],
            [Audit("record.import", a) with { RecordIds = ["rec_s1", "rec_s2"] }, Audit("record.import", b) with { RecordIds = ["rec_s3"] }],
            default);

        Assert.Equal(
            new[] { Hash("Observation/o-1"), Hash("Observation/o-2") }.Select(Convert.ToHexString).Order(),
            (await Store.ListSourceIdsAsync(Tenant, a, default)).Select(Convert.ToHexString).Order());
        Assert.Equal([Convert.ToHexString(Hash("Observation/o-1"))], (await Store.ListSourceIdsAsync(Tenant, b, default)).Select(Convert.ToHexString));
        Assert.Empty(await Store.ListSourceIdsAsync(Tenant, "sub_none", default));

        // The same source id again for the same subject: the whole batch fails, its audit entry with it.
        var entries = await CountAuditAsync();
        await Assert.ThrowsAsync<WriteConflictException>(() => Store.PutRecordsAsync(
            [(Record("rec_s4", a, "Condition", 1), []), (Record("rec_s5", a, "Observation", 1), [Source("Observation/o-2", a, "rec_s5")])],
            [Audit("record.import", a) with { RecordIds = ["rec_s4", "rec_s5"] }],
            default));
        Assert.Equal(2, (await Store.ListRecordsAsync(Tenant, a, null, default)).Count);
        Assert.Equal(entries, await CountAuditAsync());

        // A correction is the same source resource: its source id stays, its index values are the new version's.
        Assert.Equal(WriteStatus.Done, await Store.PutRecordVersionAsync(Record("rec_s1", a, "Observation", 2), 1, [], Audit("record.correct", a), default));
        Assert.Equal(2, (await Store.ListSourceIdsAsync(Tenant, a, default)).Count);
        Assert.Empty(await Store.FindSubjectsAsync(Tenant, "cn-mobile", Hash("13700000001"), default));

        // Deleting the record frees its source id.
        Assert.Equal(1, await Store.DeleteRecordsAsync(Tenant, ["rec_s2"], [Audit("record.delete", a) with { RecordIds = ["rec_s2"] }], default));
        Assert.Equal([Convert.ToHexString(Hash("Observation/o-1"))], (await Store.ListSourceIdsAsync(Tenant, a, default)).Select(Convert.ToHexString));
        var result = await VerifyAsync();
        Assert.True(result.Valid, result.Reason);
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
}
