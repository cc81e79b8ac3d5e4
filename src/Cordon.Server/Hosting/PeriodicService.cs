namespace Cordon.Server.Hosting;

/// <summary>
/// A background job run every <see cref="Interval"/> on the host's <see cref="TimeProvider"/>; an interval of zero or
/// less turns it off. The first run comes one interval after start, so a restart loop never becomes a run loop.
/// </summary>
public abstract class PeriodicService(TimeProvider time) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    protected abstract TimeSpan Interval { get; }

    /// <summary>One run. It handles its own failures: an exception other than cancellation stops the service.</summary>
    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, Time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RunOnceAsync(stoppingToken);
        }
    }
}
