using System.Collections.Concurrent;
using System.Text;
using Cordon.Server.Hosting;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Audit;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Audit;

/// <summary>
/// Seals every tenant's chain with a signed checkpoint at an interval, and once more at shutdown. Each checkpoint is
/// written to the local witness, then the store, and, when an external witness is configured, POSTed to it as its
/// witness line; a line the external witness did not take is sent again, in order, with the next checkpoint.
/// </summary>
public sealed partial class CheckpointService(TenantRegistry tenants, IAuditLog store, AuditWitness witness, TimeProvider time, IOptions<CordonServerOptions> options, JobLeases leases, ILogger<CheckpointService> logger) : BackgroundService
{
    public const string Job = "checkpoint";

    private const int MaxPendingLines = 10_000;
    private readonly ConcurrentQueue<string> _pending = new();
    private HttpClient? _external;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckpointInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // One node seals per interval (any node's checkpoint covers every lane); at shutdown each seals its own writes.
                await leases.RunAsync(Job, options.Value.CheckpointInterval, SealAllAsync, stoppingToken);
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

    public override void Dispose()
    {
        _external?.Dispose();
        base.Dispose();
    }

    private async Task SealAllAsync(CancellationToken cancellationToken)
    {
        foreach (var tenant in tenants.All)
        {
            try
            {
                var made = await AuditVerification.CheckpointAsync(tenant, store, witness, time.GetUtcNow(), cancellationToken);
                if (made is not null)
                {
                    LogSealed(tenant.Id, made.Checkpoint.Heads.Sum(h => h.Seq));
                    if (options.Value.WitnessUrl is not null && made.WitnessLine is not null)
                    {
                        _pending.Enqueue(made.WitnessLine);
                        while (_pending.Count > MaxPendingLines && _pending.TryDequeue(out _))
                        {
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex, tenant.Id);
            }
        }

        await SendPendingAsync(cancellationToken);
    }

    /// <summary>
    /// The external witness gets each checkpoint as the line the local witness holds (linked to the one before it by
    /// hash), and keeps them as its own copy of the chain's seals, for an offline <c>cordon audit verify --witness FILE</c>.
    /// </summary>
    private async Task SendPendingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.WitnessUrl is not { } url)
        {
            return;
        }

        _external ??= new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
        while (_pending.TryPeek(out var line))
        {
            try
            {
                using var content = new StringContent(line + "\n", Encoding.UTF8, "application/x-ndjson");
                using var response = await _external.PostAsync(new Uri(url), content, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    LogWitnessRefused((int)response.StatusCode, _pending.Count);
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                LogWitnessUnreachable(ex.Message, _pending.Count);
                return;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogWitnessUnreachable("timed out", _pending.Count);
                return;
            }

            _pending.TryDequeue(out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Audit chain of tenant {Tenant} sealed at {Entries} entries")]
    private partial void LogSealed(string tenant, long entries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sealing the audit chain of tenant {Tenant} failed")]
    private partial void LogFailed(Exception exception, string tenant);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The external audit witness refused a checkpoint (HTTP {Status}); {Pending} line(s) wait to be sent again")]
    private partial void LogWitnessRefused(int status, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The external audit witness is unreachable ({Reason}); {Pending} line(s) wait to be sent again")]
    private partial void LogWitnessUnreachable(string reason, int pending);
}
