using System.CommandLine;
using Cordon.Core.Profiles;
using Cordon.Server.Tenancy;
using Cordon.Storage.Keys;

namespace Cordon.Cli.Commands;

/// <summary><c>cordon init</c>: create the data directory, keys and database, and the tenant from a profile.</summary>
internal static class InitCommand
{
    public static Command Create(CliConsole console)
    {
        var data = CommonOptions.Data();
        var db = CommonOptions.Database();
        var tenant = new Option<string?>("--tenant") { Description = $"The tenant to create or update. Default: the data directory's only tenant, or '{DataDirectory.DefaultTenant}' when it holds none yet; required when it holds several." };
        var profile = new Option<FileInfo?>("--profile") { Description = "The compliance profile (YAML). Default: the built-in internet-hospital profile." };
        var command = new Command("init", "Create DIR: database, sealed key files and the tenant from the profile. Re-running with --profile publishes that profile; without it an existing tenant keeps the profile it runs.")
        {
            data, db, tenant, profile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (loaded, exit) = LoadProfile(parse.GetValue(profile), console);
            if (loaded is null)
            {
                return exit;
            }

            var directory = parse.GetValue(data)!;
            var state = await DataDirectory.InitializeAsync(directory, parse.GetValue(db), parse.GetValue(tenant), loaded, TimeProvider.System.GetUtcNow(), cancellationToken, publish: parse.GetValue(profile) is not null);
            if (state.Tenant is null)
            {
                TenantChoice.Pick(null, state.Tenants, console.Error);
                return ExitCodes.Usage;
            }

            await console.Error.WriteLineAsync($"{(state.TenantCreated ? "Initialised" : "Updated")} {Path.GetFullPath(directory)}: tenant '{state.Tenant}' ({loaded.Operator.Name}), keys in {KeyFile.PathIn(directory)}, sealed under {state.MasterKey}.");
            foreach (var notice in state.Notices())
            {
                await console.Error.WriteLineAsync(notice);
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Loads a profile file (or the built-in default), printing each error as file:line:column: reason. Null with the exit
    /// code when it cannot be used: 2 for a file that does not exist (bad usage), 1 for a profile refused (the check failed).
    /// </summary>
    public static (Profile? Profile, int Exit) LoadProfile(FileInfo? file, CliConsole console)
    {
        if (file is null)
        {
            return (BuiltInProfiles.Load(), ExitCodes.Ok);
        }

        if (!file.Exists)
        {
            console.Error.WriteLine($"{file.FullName}: no such file");
            return (null, ExitCodes.Usage);
        }

        var result = ProfileLoader.Load(File.ReadAllText(file.FullName), file.FullName);
        if (result.Succeeded)
        {
            return (result.Profile, ExitCodes.Ok);
        }

        console.Error.WriteLine($"The profile was refused ({result.Errors.Count} error(s)):");
        foreach (var error in result.Errors)
        {
            console.Error.WriteLine($"  {error}");
        }

        return (null, ExitCodes.CheckFailed);
    }
}
