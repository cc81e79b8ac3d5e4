using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Consent;

/// <summary>A subject whose consent was given under an older description of the purpose.</summary>
public sealed record RenewalView(string SubjectId, string GrantedBy, DateTimeOffset GrantedAt, string NoticeVersion);

/// <summary>One page of the subjects to ask again; <c>next</c> is the <c>after</c> of the next page, null on the last.</summary>
public sealed record RenewalList(string Purpose, string NoticeVersion, IReadOnlyList<RenewalView> Subjects, string? Next);

/// <summary>
/// Who must be asked again (R04): subjects whose current grant for a purpose was given before the notice changed what
/// the purpose collects, how or with whom. Their consent reads as needs-renewal and is refused until renewed.
/// </summary>
public static class RenewalEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static RouteGroupBuilder MapConsentRenewals(this RouteGroupBuilder group)
    {
        group.MapGet("/", ListAsync)
            .Audited("consent.renewals", Role.Dpo, Role.Admin, Role.App)
            .WithSummary("Subjects to ask again for a purpose's consent after a notice change")
            .WithDescription("?purpose=P (required), &after=S (the previous page's next), &limit=N (1-1000, default 100). In subject id order.");
        return group;
    }

    private static async Task<Results<JsonOk<RenewalList>, Problem>> ListAsync(Call call, string? purpose, string? after, int? limit)
    {
        if (string.IsNullOrEmpty(purpose))
        {
            return Problem.Validation("purpose", "Name the purpose: ?purpose=KEY.");
        }

        if (!call.Tenant.Policy.TryGetPurpose(purpose, out var index))
        {
            return Problem.PurposeUnknown(purpose, call.Tenant.Policy.PurposeKeys);
        }

        var errors = new Dictionary<string, string[]>();
        if (after is not null && !SubjectVault.IsWellFormedId(after, "sub"))
        {
            errors["after"] = ["A subject id, as returned in next."];
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"1 to {MaxLimit}."];
        }

        if (errors.Count > 0)
        {
            return call.About(null, purpose).Refused(Problem.Validation(errors));
        }

        var take = limit ?? DefaultLimit;
        var rows = await call.Store.ListRenewalsAsync(call.Tenant.Id, purpose, call.Tenant.Policy.PurposeFingerprint(index), after, take, call.Aborted);
        var subjects = rows.Select(r => new RenewalView(r.SubjectId, r.GivenBy.ToKey(), r.Time, r.NoticeVersion)).ToList();
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, purpose, rules: ["R04"]), CancellationToken.None);
        return Api.Ok(new RenewalList(purpose, call.Tenant.NoticeVersion, subjects, rows.Count == take ? rows[^1].SubjectId : null), ConsentJson.Strict.RenewalList);
    }
}
