using System.CommandLine;
using System.Globalization;
using Cordon.Core.Audit;
using Cordon.Server.Audit;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Audit;
using Cordon.Storage.Keys;

namespace Cordon.Cli.Commands;

/// <summary>
/// <c>cordon audit verify</c>: walk the whole chain, checked against its lane heads, its checkpoints and the witness;
/// exit 0 with the entry count, or 1 naming every broken range.
/// </summary>
internal static class AuditCommand
{
    public static Command Create(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var witnessDir = CommonOptions.WitnessDirectory();
        var extra = new Option<FileInfo[]>("--witness") { Description = "A file of witness lines an external witness kept (repeatable): the chain is checked against it too.", AllowMultipleArgumentsPerToken = false };
        var verify = new Command("verify", "Verify the audit chain against its lane heads, signed checkpoints and witness: exit 0 and print the entry count when it holds; exit 1 and name every broken range when it does not.")
        {
            tenantData, witnessDir, extra,
        };
        verify.SetAction(async (parse, cancellationToken) =>
        {
            var directory = parse.GetValue(tenantData.Data)!;
            var keyPath = KeyFile.PathIn(directory);
            if (!File.Exists(keyPath))
            {
                await console.Error.WriteLineAsync($"No key file at {keyPath}; nothing to verify.");
                return 2;
            }

            await using var store = await CordonStores.OpenAsync(directory, parse.GetValue(tenantData.Database), cancellationToken);
            var registry = new TenantRegistry(KeyFile.Open(keyPath));
            await registry.LoadAsync(store, cancellationToken);
            var context = TenantChoice.Find(registry, parse.GetValue(tenantData.Tenant), console.Error);
            if (context is null)
            {
                return 2;
            }

            var witness = AuditWitness.For(directory, parse.GetValue(witnessDir));
            var witnesses = new List<WitnessContents?> { witness.Read(context.Id) };
            foreach (var file in parse.GetValue(extra) ?? [])
            {
                if (!file.Exists)
                {
                    await console.Error.WriteLineAsync($"{file.FullName}: no such witness file.");
                    return 2;
                }

                witnesses.Add(AuditWitness.ReadFile(file.FullName, context.Id));
            }

            var result = await AuditVerification.VerifyAsync(context, store, witnesses, cancellationToken);
            var against = witnesses[0] is null
                ? $"no witness at {witness.PathOf(context.Id)}: checked against the database alone"
                : $"checked against {result.WitnessedCheckpoints} witnessed checkpoint(s), the newest of {result.LatestWitnessed?.Time:yyyy-MM-dd HH:mm:ss}Z";
            if (result.Valid)
            {
                await console.Out.WriteLineAsync(result.Entries.ToString(CultureInfo.InvariantCulture));
                await console.Error.WriteLineAsync($"The audit chain of tenant '{context.Id}' holds: {result.Entries} entries verified ({against}).");
                return 0;
            }

            foreach (var broken in result.Breaks)
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"broken: lane {broken.Lane}, entries {broken.From}-{broken.To}, {VerifyResponse.KindKey(broken.Kind)}"));
            }

            foreach (var problem in result.WitnessProblems)
            {
                await console.Out.WriteLineAsync($"witness: {problem}");
            }

            await console.Error.WriteLineAsync($"The audit chain of tenant '{context.Id}' is broken ({result.Entries} entries read, {against}):");
            foreach (var broken in result.Breaks)
            {
                await console.Error.WriteLineAsync($"  {broken.Reason}");
            }

            foreach (var problem in result.WitnessProblems)
            {
                await console.Error.WriteLineAsync($"  {problem}");
            }

            if (result.MoreBreaks > 0)
            {
                await console.Error.WriteLineAsync($"  … and {result.MoreBreaks} more broken range(s).");
            }

            return 1;
        });
        return new Command("audit", "The audit chain.") { verify };
    }
}
