using System.CommandLine;

namespace Cordon.Cli.Commands;

/// <summary>
/// The options that name one tenant's data, in the order every command lists them: <c>--data</c>, <c>--db</c>,
/// <c>--tenant</c>. Put in a command's initializer (<c>{ tenantData, … }</c>) they add all three.
/// </summary>
internal sealed class TenantDataOptions
{
    public Option<string> Data { get; } = CommonOptions.Data();

    public Option<string?> Database { get; } = CommonOptions.Database();

    public Option<string?> Tenant { get; } = CommonOptions.Tenant();

    /// <summary>
    /// Makes the command run <paramref name="action"/> in an <see cref="OperatorSession"/> on the data and tenant
    /// parsed; exit 2 (the reason on stderr) when there is none.
    /// </summary>
    public void SetSessionAction(Command command, CliConsole console, Func<OperatorSession, ParseResult, CancellationToken, Task<int>> action)
        => command.SetAction(async (parse, cancellationToken) =>
        {
            await using var session = await OperatorSession.OpenAsync(console, parse.GetValue(Data)!, parse.GetValue(Database), parse.GetValue(Tenant), cancellationToken);
            return session is null ? 2 : await action(session, parse, cancellationToken);
        });
}

internal static class TenantDataOptionsExtensions
{
    /// <summary>Adds <c>--data</c>, <c>--db</c> and <c>--tenant</c> to the command.</summary>
    public static void Add(this Command command, TenantDataOptions options)
    {
        command.Add(options.Data);
        command.Add(options.Database);
        command.Add(options.Tenant);
    }
}
