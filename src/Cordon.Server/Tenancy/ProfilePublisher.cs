using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Profiles;
using Cordon.Storage;

namespace Cordon.Server.Tenancy;

/// <summary>One purpose a publication changed, and how many subjects must be asked to consent again (R04).</summary>
public sealed record PurposeChangeView(string Purpose, string Change, long Renewals);

/// <summary>What publishing a profile did: the notice versions before and after, and the purposes it changed.</summary>
public sealed record ProfilePublished(string Tenant, bool Changed, string NoticeVersion, string? PreviousNoticeVersion, IReadOnlyList<PurposeChangeView> Purposes);

/// <summary>
/// Publishes a validated profile for a running tenant (over HTTP or from the command line): stores it with its audit
/// entry, swaps the live tenant context, and says which purposes changed what they collect, how or with whom. Consents
/// given under the old description of a changed purpose read as needing renewal from the next request (R04); the
/// subjects to ask again are counted here and listed by <c>GET /v1/consent-renewals</c>. Unchanged purposes keep theirs.
/// </summary>
public static class ProfilePublisher
{
    private const int Page = 10_000;

    public static async Task<ProfilePublished> PublishAsync(TenantRegistry tenants, ICordonStore store, string tenant, Profile profile, AuditDraft audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(profile);
        var live = tenants.Find(tenant);
        if (live is not null && string.Equals(live.Profile.SourceText, profile.SourceText, StringComparison.Ordinal))
        {
            return new ProfilePublished(tenant, false, live.NoticeVersion, live.NoticeVersion, []);
        }

        var (previous, current) = await tenants.PublishAsync(store, tenant, profile, audit, cancellationToken);
        var changes = new List<PurposeChangeView>();
        if (previous is not null)
        {
            foreach (var change in NoticeChanges.Between(previous.Policy, current.Policy))
            {
                var renewals = change.Kind == PurposeChangeKind.Changed
                    ? await CountRenewalsAsync(store, tenant, change.Purpose, current.Policy.PurposeFingerprint(change.Purpose)!, cancellationToken)
                    : 0;
                changes.Add(new PurposeChangeView(change.Purpose, change.KindKey, renewals));
            }
        }

        return new ProfilePublished(tenant, true, current.NoticeVersion, previous?.NoticeVersion, changes);
    }

    /// <summary>Subjects whose current grant for the purpose was given under another description of it.</summary>
    public static async Task<long> CountRenewalsAsync(ICordonStore store, string tenant, string purpose, string fingerprint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        long count = 0;
        string? after = null;
        while (true)
        {
            var page = await store.ListRenewalsAsync(tenant, purpose, fingerprint, after, Page, cancellationToken);
            count += page.Count;
            if (page.Count < Page)
            {
                return count;
            }

            after = page[^1].SubjectId;
        }
    }
}
