using System.CommandLine;
using Cordon.Core.Access;
using Cordon.Core.Care;
using Cordon.Server.Care;
using Cordon.Server.Auth;
using Cordon.Storage;
using Cordon.Storage.Keys;

namespace Cordon.Cli.Commands;

/// <summary><c>cordon token</c>: print a bearer token for an actor (stdout: the token only).</summary>
internal static class TokenCommand
{
    /// <summary>The longest lifetime the command issues, in hours (30 days, <see cref="TokenIssuer.MaxLifetime"/>).</summary>
    private const int MaxTtlHours = 720;

    public static Command Create(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var role = new Option<string>("--role") { Description = "patient, guardian, physician, pharmacist, nurse, support, marketing, analyst, dpo, security, admin or app.", Required = true };
        var actor = new Option<string>("--actor") { Description = "The actor's identity (user id, staff id, service name).", Required = true };
        var subject = new Option<string?>("--subject") { Description = "The subject a patient token acts for (a guardian token: the guardian's own subject or the ward). It must exist in the tenant." };
        var ai = new Option<bool>("--ai") { Description = "Marks an automated agent: it is never a practitioner, so no clinician role takes it (R53)." };
        var ttl = new Option<int>("--ttl-hours") { Description = $"Lifetime in hours, 1 to {MaxTtlHours} (default 1: tokens are short-lived; revoke one with cordon token revoke).", DefaultValueFactory = _ => 1 };
        var command = new Command("token", "Print a bearer token for that actor (stdout: the token only), signed with the tenant's token key from the key file. A physician, pharmacist or nurse token names a practitioner of the register (cordon practitioners): licence and years of practice are read from there, never from the token. Exit 2 when an option is wrong or names a tenant, subject or practitioner that does not exist.")
        {
            tenantData, role, actor, subject, ai, ttl,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Everything the command line alone can tell is checked before any file is opened.
            if (!RoleNames.TryParse(parse.GetValue(role), out var parsedRole))
            {
                await console.Error.WriteLineAsync($"--role: unknown role '{parse.GetValue(role)}'; one of: {string.Join(", ", Enum.GetValues<Role>().Select(r => r.ToKey()))}.");
                return ExitCodes.Usage;
            }

            if (!ActorIds.IsValid(parse.GetValue(actor)))
            {
                await console.Error.WriteLineAsync($"--actor takes an id: {ActorIds.Description}.");
                return ExitCodes.Usage;
            }

            var subjectId = parse.GetValue(subject);
            if (parsedRole.IsSubjectSide() && string.IsNullOrWhiteSpace(subjectId))
            {
                await console.Error.WriteLineAsync($"A {parsedRole.ToKey()} token names its subject: add --subject <id>.");
                return ExitCodes.Usage;
            }

            if (parse.GetValue(ttl) is < 1 or > MaxTtlHours)
            {
                await console.Error.WriteLineAsync($"--ttl-hours takes 1 to {MaxTtlHours} (got {parse.GetValue(ttl)}): a token must live, and not longer than a revocation is kept.");
                return ExitCodes.Usage;
            }

            if (parsedRole.IsClinician() && parse.GetValue(ai))
            {
                await console.Error.WriteLineAsync($"--ai with --role {parsedRole.ToKey()}: an automated agent is never a practitioner and may not act as a physician, pharmacist or nurse (R53).");
                return ExitCodes.Usage;
            }

            var directory = parse.GetValue(tenantData.Data)!;
            var keyPath = KeyFile.PathIn(directory);
            if (!File.Exists(keyPath))
            {
                await console.Error.WriteLineAsync($"No key file at {keyPath}; run cordon init (or cordon serve) first.");
                return ExitCodes.Usage;
            }

            // The key file knows the tenants without opening the database: an app or staff token costs no store access.
            var keyFile = KeyFile.Open(keyPath);
            if (TenantChoice.Pick(parse.GetValue(tenantData.Tenant), keyFile.Tenants, console.Error) is not { } tenantId || keyFile.Find(tenantId) is not { } keys)
            {
                return ExitCodes.Usage;
            }

            if (parsedRole.IsClinician())
            {
                await using var store = await CordonStores.OpenAsync(directory, parse.GetValue(tenantData.Database), cancellationToken);
                if (await store.GetPractitionerAsync(tenantId, parse.GetValue(actor)!, cancellationToken) is not { } practitioner)
                {
                    await console.Error.WriteLineAsync($"--role {parsedRole.ToKey()}: '{parse.GetValue(actor)}' is not a registered practitioner of tenant '{tenantId}'; register them first (cordon practitioners register FILE.json, or POST /v1/practitioners). Their token would be refused in every online consultation (care.practitioner-not-eligible, R53).");
                    return ExitCodes.Usage;
                }

                var entry = PractitionerRegister.Parse(practitioner);
                if (CarePolicy.Check(entry, parsedRole, automated: false, await MinimumYearsAsync(store, tenantId, cancellationToken), DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime.AddHours(8))) is { } refusal)
                {
                    await console.Error.WriteLineAsync($"warning: {parse.GetValue(actor)} is registered but not eligible today, so consultations and prescriptions will refuse this token ({refusal.Code}, {refusal.Rule}): {refusal.Detail}");
                }
            }

            if (subjectId is not null)
            {
                await using var store = await CordonStores.OpenAsync(directory, parse.GetValue(tenantData.Database), cancellationToken);
                if (await store.GetSubjectAsync(tenantId, subjectId, cancellationToken) is null)
                {
                    await console.Error.WriteLineAsync($"--subject: no subject '{subjectId}' in tenant '{tenantId}'. A token for it would be refused on every request; register the subject first (POST /v1/subjects) and use the id it returns.");
                    return ExitCodes.Usage;
                }
            }

            var request = new TokenRequest(tenantId, parse.GetValue(actor)!, parsedRole, subjectId, parse.GetValue(ai));
            await console.Out.WriteLineAsync(TokenIssuer.Issue(request, keys.TokenKey, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(parse.GetValue(ttl))));
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(Revoke(console));
        return command;
    }

    /// <summary>The tenant profile's minimumPracticeYears (R53), read from its stored profile.</summary>
    private static async Task<int> MinimumYearsAsync(ICordonStore store, string tenant, CancellationToken cancellationToken)
    {
        var row = await store.GetTenantAsync(tenant, cancellationToken);
        var loaded = row is null ? null : Core.Profiles.ProfileLoader.Load(row.ProfileYaml, tenant + ".yaml");
        return loaded is { Succeeded: true } ? loaded.Profile.Settings.MinimumPracticeYears : new Core.Profiles.ProfileSettings().MinimumPracticeYears;
    }

    /// <summary><c>cordon token revoke</c>: the same revocation as the API; every running node refuses the tokens within a second.</summary>
    private static Command Revoke(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var token = new Option<string?>("--token") { Description = "The bearer token itself." };
        var id = new Option<string?>("--id") { Description = "The token's id (its jti claim)." };
        var actor = new Option<string?>("--actor") { Description = "Every token of this actor issued until now (a new one issued later is valid)." };
        var reason = new Option<string>("--reason") { Description = "Why (kept with the revocation and audited).", Required = true };
        var command = new Command("revoke", "Revoke one bearer token, or every token of an actor issued until now.") { tenantData, token, id, actor, reason };
        tenantData.SetSessionAction(command, console, async (session, parse, cancellationToken) =>
        {
            var op = session.Operation() with { RequestId = "cli-" + Guid.NewGuid().ToString("N") };
            var (row, errors) = TokenRevocations.Build(session.Tenant.Id, new TokenRevocationRequest(parse.GetValue(reason)!, parse.GetValue(token), parse.GetValue(id), parse.GetValue(actor)), op.ActorId, op.Now);
            if (row is null)
            {
                foreach (var (field, why) in errors)
                {
                    await console.Error.WriteLineAsync($"{field}: {string.Join(" ", why)}");
                }

                return 2;
            }

            var audit = op.Audit("token.revoke", Core.Audit.AuditOutcome.Done, null, [row.Value], ["R45"]) with { SealedNote = session.Tenant.Keys.SealNote(row.Reason, op.RequestId!) };
            await session.Store.RevokeTokensAsync(row, audit, cancellationToken);
            await console.Out.WriteLineAsync($"{(row.Kind == Storage.RevocationKind.Token ? "token" : "actor")} {row.Value}");
            await console.Error.WriteLineAsync($"Revoked until {row.ExpiresAt:yyyy-MM-dd HH:mm}Z; running servers refuse it within a second.");
            return 0;
        });
        return command;
    }
}
