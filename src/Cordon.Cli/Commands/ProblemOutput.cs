using Cordon.Server.Http;

namespace Cordon.Cli.Commands;

/// <summary>
/// How a command reports a use case's failure: one line with the problem's code, rule and citation and its detail, then
/// each field's error, on stdout (it is the command's result), as the API's problem would say it.
/// </summary>
internal static class ProblemOutput
{
    public static Task<int> WriteAsync(CliConsole console, Core.Failure failure, int exit) => WriteAsync(console, Problem.From(failure), exit);

    public static async Task<int> WriteAsync(CliConsole console, Problem problem, int exit)
    {
        await console.Out.WriteLineAsync($"{problem.Code}{(problem.Rule is null ? string.Empty : $" ({problem.Rule}, {problem.Citation})")}: {problem.Detail}");
        foreach (var (field, messages) in problem.Errors ?? new Dictionary<string, string[]>())
        {
            foreach (var message in messages)
            {
                await console.Out.WriteLineAsync($"  {field}: {message}");
            }
        }

        return exit;
    }
}
