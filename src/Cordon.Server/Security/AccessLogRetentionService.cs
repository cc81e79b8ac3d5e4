using Cordon.Server.Hosting;
using Cordon.Storage;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Security;

/// <summary>Prunes access-log segments older than <see cref="CordonServerOptions.AccessLogRetentionDays"/> (never fewer than 183, R44), once per retention interval across the nodes.</summary>
public sealed partial class AccessLogRetentionService(IAccessLogStore store, TimeProvider time, IOptions<CordonServerOptions> options, JobLeases leases, ILogger<AccessLogRetentionService> logger) : PeriodicService(time)
{
    public const string Job = "access-log-retention";

    protected override TimeSpan Interval => options.Value.RetentionInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => leases.RunAsync(Job, Interval, PruneAsync, cancellationToken);

    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var days = Math.Max(CordonServerOptions.AccessLogMinimumDays, options.Value.AccessLogRetentionDays);
        var pruned = await store.PruneAccessSegmentsAsync(Time.GetUtcNow().AddDays(-days), cancellationToken);
        Log.Pruned(logger, pruned, days);
        return pruned;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Access log: {Count} segments older than {Days} days pruned.")]
        public static partial void Pruned(ILogger logger, int count, int days);
    }
}
