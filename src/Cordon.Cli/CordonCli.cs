using System.CommandLine;
using System.CommandLine.Help;
using Cordon.Cli.Commands;
using Cordon.Cli.Profiles;

namespace Cordon.Cli;

/// <summary>The <c>cordon</c> command: one entry point that tests call in-process with their own writers.</summary>
public static class CordonCli
{
    /// <summary>The commands under the root, by the name each one's <c>Create</c> gives it.</summary>
    private static readonly (string Name, Func<CliConsole, Command> Create)[] Commands =
    [
        ("init", InitCommand.Create),
        ("serve", ServeCommand.Create),
        ("token", TokenCommand.Create),
        ("audit", AuditCommand.Create),
        ("import", ImportCommand.Create),
        ("deidentify", DeidentifyCommand.Create),
        ("subject", SubjectCommand.Create),
        ("retention", RetentionCommand.Create),
        ("profile", ProfileCommands.Create),
        ("campaign", CampaignCommand.Create),
        ("recipients", SharingCommand.Recipients),
        ("assessments", SharingCommand.Assessments),
        ("disclose", SharingCommand.Disclose),
        ("crossborder", SharingCommand.CrossBorder),
        ("practitioners", PractitionersCommand.Create),
    ];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var console = new CliConsole(output, error);
        var root = new RootCommand("Cordon: the privacy and compliance core of an internet healthcare service. Stores patient data encrypted, decides every access by purpose, role and consent, keeps a tamper-evident audit chain.");

        // Start-up time: only the command named is built (a token is minted without building the others and their
        // options); all of them for the root's help, an unknown name, a directive or a response file.
        var named = args.Length > 0 ? Array.FindIndex(Commands, c => c.Name == args[0]) : -1;
        for (var i = 0; i < Commands.Length; i++)
        {
            if (named < 0 || i == named)
            {
                root.Add(Commands[i].Create(console));
            }
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // An unknown flag or a missing argument is bad usage (2), never "the check failed" (1), which a cron job reads as tampering.
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"cordon: {parseError.Message}");
            }

            var path = new List<string>();
            for (var command = parse.CommandResult; command is not null && command.Command != root; command = command.Parent as System.CommandLine.Parsing.CommandResult)
            {
                path.Insert(0, command.Command.Name);
            }

            await error.WriteLineAsync($"Try: {string.Join(' ', ["cordon", .. path, "--help"])}");
            return ExitCodes.Usage;
        }

        try
        {
            var code = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
            if (parse.Action is HelpAction)
            {
                // Every command's help ends with what its exit code means.
                await output.WriteLineAsync(ExitCodes.Description);
                await output.WriteLineAsync();
            }

            return code;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("cordon: cancelled.");
            return ExitCodes.Failed;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Neither a result nor a usage error: the command could not run (a file it could not read, a database it could
            // not reach, a fault in Cordon). Never exit 1, which says "checked, and the check failed".
            await error.WriteLineAsync($"cordon: the command could not run: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failed;
        }
    }
}

/// <summary>What every command's exit code means.</summary>
public static class ExitCodes
{
    /// <summary>The exit codes as <c>--help</c> prints them.</summary>
    public const string Description = """
        Exit codes:
          0  done, and what was checked holds
          1  done, and the check failed: a broken audit chain, a refused profile, refused resources, campaign
             or disclosure, a failed delivery
          2  bad usage: an unknown command or flag, a missing or invalid argument, a tenant or subject that does
             not exist, a data directory that is not one, or several tenants and no --tenant
          3  the command could not run: a file or database it could not reach, or a fault in Cordon
        """;

    /// <summary>Done, and what was checked holds.</summary>
    public const int Ok = 0;

    /// <summary>Done, and the check failed: a chain is broken, a profile was refused, resources or a disclosure were refused.</summary>
    public const int CheckFailed = 1;

    /// <summary>Bad usage: an unknown flag, a missing or invalid argument.</summary>
    public const int Usage = 2;

    /// <summary>The command could not run: a file or database it could not reach, or a fault.</summary>
    public const int Failed = 3;
}

/// <summary>Where commands write: stdout for results (a token, a count), stderr for everything else.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error);

/// <summary>Options several commands share, with their environment-variable defaults.</summary>
internal static class CommonOptions
{
    public static Option<string> Data() => new("--data")
    {
        Description = "The data directory (key file, SQLite database). Env CORDON_DATA; default ./cordon-data.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CORDON_DATA") is { Length: > 0 } d ? d : "./cordon-data",
    };

    public static Option<string?> Database() => new("--db")
    {
        Description = "Use PostgreSQL instead of the SQLite file: postgres://user:password@host:port/database. Env CORDON_DB.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CORDON_DB") is { Length: > 0 } d ? d : null,
    };

    public static Option<string?> WitnessDirectory() => new("--witness-dir")
    {
        Description = "Where the audit witness files are. Env CORDON_WITNESS_DIR; default DIR/audit-witness.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CORDON_WITNESS_DIR") is { Length: > 0 } d ? d : null,
    };

    public static Option<string?> Tenant() => new("--tenant")
    {
        Description = "The tenant (operator). Default: the data directory's only tenant; required when it holds several (the command lists them).",
    };
}
