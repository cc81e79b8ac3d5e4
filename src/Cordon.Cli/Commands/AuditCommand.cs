using System.CommandLine;
using Cordon.Server.Audit;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;

namespace Cordon.Cli.Commands;

/// <summary><c>cordon audit verify</c>: walk the whole chain; exit 0 with the entry count, or 1 naming the first broken entry.</summary>
internal static class AuditCommand
{
    public static Command Create(CliConsole console)
    {
        var data = CommonOptions.Data();
        var db = CommonOptions.Database();
        var tenant = CommonOptions.Tenant();
        var verify = new Command("verify", "Verify the audit chain: exit 0 and print the entry count when it holds; exit 1 and name the first broken entry when it does not.")
        {
            data, db, tenant,
        };
        verify.SetAction(async (parse, cancellationToken) =>
        {
            var directory = parse.GetValue(data)!;
            var keyPath = KeyFile.PathIn(directory);
            if (!File.Exists(keyPath))
            {
                await console.Error.WriteLineAsync($"No key file at {keyPath}; nothing to verify.");
                return 2;
            }

            await using var store = await CordonStores.OpenAsync(directory, parse.GetValue(db), cancellationToken);
            var registry = new TenantRegistry(KeyFile.Open(keyPath));
            await registry.LoadAsync(store, cancellationToken);
            var context = registry.Find(parse.GetValue(tenant));
            if (context is null)
            {
                await console.Error.WriteLineAsync($"No tenant '{parse.GetValue(tenant)}' in this data directory.");
                return 2;
            }

            var result = await AuditVerification.VerifyAsync(context, store, cancellationToken);
            if (result.Valid)
            {
                await console.Out.WriteLineAsync(result.Entries.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await console.Error.WriteLineAsync($"The audit chain of tenant '{context.Id}' holds: {result.Entries} entries verified.");
                return 0;
            }

            await console.Out.WriteLineAsync($"broken: lane {result.BrokenLane}, entry {result.FirstBroken}");
            await console.Error.WriteLineAsync($"The audit chain of tenant '{context.Id}' is broken at lane {result.BrokenLane}, entry {result.FirstBroken}: {result.Reason} ({result.Entries} entries verified before it).");
            return 1;
        });
        return new Command("audit", "The audit chain.") { verify };
    }
}
