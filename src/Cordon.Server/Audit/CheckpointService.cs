using Cordon.Server.Hosting;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Audit;

/// <summary>Seals every tenant's chain with a signed checkpoint at an interval, and once more at shutdown.</summary>
public sealed partial class CheckpointService(TenantRegistry tenants, ICordonStore store, TimeProvider time, IOptions<CordonServerOptions> options, ILogger<CheckpointService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckpointInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SealAllAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await SealAllAsync(cancellationToken);
    }

    private async Task SealAllAsync(CancellationToken cancellationToken)
    {
        foreach (var tenant in tenants.All)
        {
            try
            {
                var checkpoint = await AuditVerification.CheckpointAsync(tenant, store, time.GetUtcNow(), cancellationToken);
                if (checkpoint is not null)
                {
                    LogSealed(tenant.Id, checkpoint.Heads.Sum(h => h.Seq));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex, tenant.Id);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Audit chain of tenant {Tenant} sealed at {Entries} entries")]
    private partial void LogSealed(string tenant, long entries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sealing the audit chain of tenant {Tenant} failed")]
    private partial void LogFailed(Exception exception, string tenant);
}
