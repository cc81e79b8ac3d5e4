using System.Security.Cryptography;
using Cordon.Core.Subjects;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract: Rights requests, holds, the calendar, erasure, retention and the key store.</summary>
public abstract partial class StoreContract
{
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
}
