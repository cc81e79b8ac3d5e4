using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Profiles;
using Cordon.Core.Rules;
using Cordon.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Tenancy;

/// <summary>
/// Publishing a tenant's profile at run time: <c>PUT /v1/profile</c> with the YAML text. The loader's checks decide
/// (including the notice contents of R09); a refused profile is answered with every error and changes nothing.
/// </summary>
public static class ProfileEndpoints
{
    private static readonly string[] YamlTypes = ["application/yaml", "text/yaml", "application/x-yaml"];

    public static RouteGroupBuilder MapProfilePublishing(this RouteGroupBuilder group)
    {
        group.MapPut("/", PublishAsync)
            .Audited("profile.publish", Role.Admin)
            .WithSummary("Publish a new compliance profile for this tenant")
            .WithDescription("Body: the profile YAML (Content-Type application/yaml or text/yaml). Refused with 422 profile.invalid and each error as file:line:column when it does not load (R09 names missing notice contents). On success the tenant runs under it from the next request; purposes whose collection, method or recipients changed need renewed consent (R04), with the number of subjects to ask again.")
            .Accepts<string>("application/yaml", "text/yaml");
        return group;
    }

    private static async Task<Results<JsonOk<ProfilePublished>, Problem>> PublishAsync(Call call, RequestBody body, TenantRegistry tenants)
    {
        var text = await body.ReadTextAsync(call.Http, YamlTypes);
        if (text.Failed)
        {
            return text.Problem;
        }

        var loaded = ProfileLoader.Load(text.Value, "profile.yaml");
        if (!loaded.Succeeded)
        {
            return Invalid(loaded.Errors);
        }

        var published = await ProfilePublisher.PublishAsync(tenants, call.Store, call.Tenant.Id, loaded.Profile, call.Audit(AuditOutcome.Done, rules: ["R04", "R09"]), call.Aborted);
        return Api.Ok(published, TenancyJson.Strict.ProfilePublished);
    }

    /// <summary>422 with each loader error under its position; the rule and citation when one rule decided them all.</summary>
    private static Problem Invalid(IReadOnlyList<ProfileError> errors)
    {
        var rules = errors.Select(e => e.Rule).Distinct().ToList();
        var rule = rules is [{ } only] ? only : null;
        return new Problem(
            422,
            "profile.invalid",
            "Profile refused",
            $"The profile was refused with {errors.Count} error(s), each under file:line:column in errors; nothing was published.",
            rule,
            rule is null ? null : RuleBook.Get(rule).Citation)
        {
            Errors = errors
                .GroupBy(e => $"{e.File}:{e.Line}:{e.Column}", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(e => e.Rule is null ? e.Message : $"{e.Message} [{e.Rule}]").ToArray(), StringComparer.Ordinal),
        };
    }
}
