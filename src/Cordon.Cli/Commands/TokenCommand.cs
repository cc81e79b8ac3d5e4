using System.CommandLine;
using Cordon.Core.Access;
using Cordon.Server.Auth;
using Cordon.Storage.Keys;

namespace Cordon.Cli.Commands;

/// <summary><c>cordon token</c>: print a bearer token for an actor (stdout: the token only).</summary>
internal static class TokenCommand
{
    public static Command Create(CliConsole console)
    {
        var data = CommonOptions.Data();
        var tenant = CommonOptions.Tenant();
        var role = new Option<string>("--role") { Description = "patient, guardian, physician, pharmacist, nurse, support, marketing, analyst, dpo, security, admin or app.", Required = true };
        var actor = new Option<string>("--actor") { Description = "The actor's identity (user id, staff id, service name).", Required = true };
        var subject = new Option<string?>("--subject") { Description = "The subject a patient token acts for (a guardian token: the guardian's own subject or the ward)." };
        var licence = new Option<string?>("--license", "--licence") { Description = "A physician's practising licence number." };
        var years = new Option<int?>("--practice-years") { Description = "A physician's years of independent practice." };
        var ai = new Option<bool>("--ai") { Description = "Marks an automated agent: it can never act as a physician (R53)." };
        var ttl = new Option<int>("--ttl-hours") { Description = "Lifetime in hours (default 12).", DefaultValueFactory = _ => 12 };
        var command = new Command("token", "Print a bearer token for that actor, signed with the tenant's token key from the key file.")
        {
            data, tenant, role, actor, subject, licence, years, ai, ttl,
        };
        command.SetAction(parse =>
        {
            if (!RoleNames.TryParse(parse.GetValue(role), out var parsedRole))
            {
                console.Error.WriteLine($"Unknown role '{parse.GetValue(role)}'; one of: {string.Join(", ", Enum.GetValues<Role>().Select(r => r.ToKey()))}.");
                return 2;
            }

            if (!ActorIds.IsValid(parse.GetValue(actor)))
            {
                console.Error.WriteLine($"--actor takes an id: {ActorIds.Description}.");
                return 2;
            }

            if (parsedRole.IsSubjectSide() && string.IsNullOrWhiteSpace(parse.GetValue(subject)))
            {
                console.Error.WriteLine($"A {parsedRole.ToKey()} token names its subject: add --subject <id>.");
                return 2;
            }

            var keyPath = KeyFile.PathIn(parse.GetValue(data)!);
            if (!File.Exists(keyPath))
            {
                console.Error.WriteLine($"No key file at {keyPath}; run cordon init (or cordon serve) first.");
                return 2;
            }

            var keys = KeyFile.Open(keyPath).Find(parse.GetValue(tenant)!);
            if (keys is null)
            {
                console.Error.WriteLine($"The key file has no tenant '{parse.GetValue(tenant)}'.");
                return 2;
            }

            var request = new TokenRequest(parse.GetValue(tenant)!, parse.GetValue(actor)!, parsedRole, parse.GetValue(subject), parse.GetValue(licence), parse.GetValue(years), parse.GetValue(ai));
            console.Out.WriteLine(TokenIssuer.Issue(request, keys.TokenKey, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(Math.Clamp(parse.GetValue(ttl), 1, 24 * 30))));
            return 0;
        });
        return command;
    }
}
