using System.Security.Cryptography;
using Cordon.Storage;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Hosting;

/// <summary>
/// Runs a periodic job on one node at a time: several <c>cordon serve</c> processes on one PostgreSQL each tick, and the
/// first whose claim finds the job's last run an interval old (and no live lease) runs it; the others skip that tick.
/// A node that dies holding the lease stops blocking when the lease lapses (<see cref="CordonServerOptions.JobLease"/>),
/// and since every node keeps ticking, the next one due takes the job over.
/// </summary>
public sealed class JobLeases(ISharedState state, TimeProvider time, IOptions<CordonServerOptions> options)
{
    /// <summary>This node's name in the job table (the option, or host, process and a random suffix).</summary>
    public string Node { get; } = options.Value.NodeId ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Runs <paramref name="run"/> when this node wins this interval's claim on <paramref name="job"/>; false when another node has it.</summary>
    public async Task<bool> RunAsync(string job, TimeSpan interval, Func<CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var now = time.GetUtcNow();

        // Due a little early, so that a node's own timer jitter never makes it skip its turn.
        if (!await state.TryStartJobAsync(job, Node, now, interval * 0.9, now + options.Value.JobLease, cancellationToken))
        {
            return false;
        }

        try
        {
            await run(cancellationToken);
        }
        finally
        {
            await state.FinishJobAsync(job, Node, time.GetUtcNow(), CancellationToken.None);
        }

        return true;
    }
}
