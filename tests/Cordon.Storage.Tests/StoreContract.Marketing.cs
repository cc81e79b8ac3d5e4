using Cordon.Core.Consent;
using Cordon.Core.Subjects;

namespace Cordon.Storage.Tests;

/// <summary>The storage contract: Marketing: audiences.</summary>
public abstract partial class StoreContract
{
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
        Assert.Equal(2L, await ScalarAsync("SELECT COUNT(*) FROM consent_current WHERE subject = 'sub_b'"));
    }
}
