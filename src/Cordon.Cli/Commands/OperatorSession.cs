using Cordon.Server.Rights;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;
using Spectre.Console;

namespace Cordon.Cli.Commands;

/// <summary>
/// An operator working on one tenant's data from the command line: the open store, the tenant, and the
/// <see cref="Operation"/> its actions are audited under (actor <c>cli:&lt;OS user&gt;</c>, role admin).
/// </summary>
internal sealed class OperatorSession : IAsyncDisposable
{
    private OperatorSession(ICordonStore store, TenantContext tenant)
    {
        Store = store;
        Tenant = tenant;
    }

    public ICordonStore Store { get; }

    public TenantContext Tenant { get; }

    /// <summary>The width tables are laid out for when stdout is not a terminal.</summary>
    public const int DefaultWidth = 80;

    public static string ActorId => "cli:" + (string.IsNullOrWhiteSpace(Environment.UserName) ? "unknown" : Environment.UserName);

    /// <summary>An operation at the current time.</summary>
    public Operation Operation() => new(Tenant, Store, TimeProvider.System.GetUtcNow(), ActorId, "admin");

    /// <summary>
    /// Opens the data directory and finds the tenant named (or its only one, <see cref="TenantChoice"/>); null (with the
    /// reason on stderr) when either is missing or the choice is ambiguous.
    /// </summary>
    public static async Task<OperatorSession?> OpenAsync(CliConsole console, string directory, string? database, string? tenant, CancellationToken cancellationToken)
    {
        var keyPath = KeyFile.PathIn(directory);
        if (!File.Exists(keyPath))
        {
            await console.Error.WriteLineAsync($"No key file at {keyPath}: not a Cordon data directory (run cordon init).");
            return null;
        }

        var store = await CordonStores.OpenAsync(directory, database, cancellationToken);
        var registry = new TenantRegistry(KeyFile.Open(keyPath));
        await registry.LoadAsync(store, cancellationToken);
        var context = TenantChoice.Find(registry, tenant, console.Error);
        if (context is null)
        {
            await store.DisposeAsync();
            return null;
        }

        return new OperatorSession(store, context);
    }

    public ValueTask DisposeAsync() => Store.DisposeAsync();

    /// <summary>True when stderr is the process's own and a terminal: progress bars; plain lines otherwise.</summary>
    public static bool IsTerminal(CliConsole console) => ReferenceEquals(console.Error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>A Spectre console over stderr (a terminal) for progress displays.</summary>
    public static IAnsiConsole Terminal() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes, Ansi = AnsiSupport.Yes });

    /// <summary>
    /// A Spectre console over the command's stdout, for tables: the terminal's width, or plain text at
    /// <c>COLUMNS</c> (default 80) when stdout is not a terminal, so that a file or a mail reads as a terminal would.
    /// </summary>
    public static IAnsiConsole Tables(CliConsole console)
    {
        var terminal = ReferenceEquals(console.Out, Console.Out) && !Console.IsOutputRedirected;
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Out),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
        {
            ansi.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var columns) && columns is >= 40 and <= 1000 ? columns : DefaultWidth;
        }

        return ansi;
    }
}
