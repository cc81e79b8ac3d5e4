using Cordon.Core.Subjects;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract: Subjects, their keys and lookups, care teams.</summary>
public abstract partial class StoreContract
{
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
    public async Task Care_team_membership_is_upserted()
    {
        var subject = await CreateSubjectAsync("sub_t");
        await Store.PutCareTeamMemberAsync(new CareTeamRow(Tenant, subject, "dr-li", "physician", T0.AddDays(1), T0, "app"), Audit("care-team.add", subject), default);
        await Store.PutCareTeamMemberAsync(new CareTeamRow(Tenant, subject, "dr-li", "physician", T0.AddDays(30), T0, "app"), Audit("care-team.add", subject), default);

        var member = Assert.Single(await Store.GetCareTeamAsync(Tenant, subject, default));
        Assert.Equal(T0.AddDays(30), member.Until);
    }
}
