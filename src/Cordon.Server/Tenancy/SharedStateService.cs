using Cordon.Server.Rights;
using Cordon.Storage;

namespace Cordon.Server.Tenancy;

/// <summary>
/// Keeps this node in step with the others sharing its store: a tenant's profile published anywhere (over HTTP on another
/// node, or with <c>cordon profile publish</c>) and a calendar change are picked up within a second — at once on
/// PostgreSQL, which notifies every listening node when such a change commits, and by reading the versions once a second
/// otherwise. Runs on real time.
/// </summary>
public sealed partial class SharedStateService(ISharedState state, ITenantStore store, TenantRegistry tenants, CalendarCache calendars, ILogger<SharedStateService> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IReadOnlyDictionary<(string Tenant, string Kind), long> known;
        try
        {
            known = await state.GetStateVersionsAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await state.WaitForStateChangeAsync(Poll, stoppingToken);
                known = await ApplyAsync(known, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reads the versions and applies what changed since <paramref name="known"/>; returns the versions now.</summary>
    public async Task<IReadOnlyDictionary<(string Tenant, string Kind), long>> ApplyAsync(IReadOnlyDictionary<(string Tenant, string Kind), long> known, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(known);
        IReadOnlyDictionary<(string Tenant, string Kind), long> now;
        try
        {
            now = await state.GetStateVersionsAsync(cancellationToken);
        }
        catch (System.Data.Common.DbException ex)
        {
            LogUnreachable(ex.GetType().Name);
            return known;
        }

        foreach (var ((tenant, kind), version) in now)
        {
            if (known.TryGetValue((tenant, kind), out var seen) && seen == version)
            {
                continue;
            }

            if (kind == StateKinds.Profile)
            {
                var (changed, problem) = await tenants.RefreshAsync(store, tenant, cancellationToken);
                if (changed)
                {
                    LogProfile(tenant);
                }
                else if (problem is not null)
                {
                    LogNotTaken(problem);
                }
            }
            else if (kind == StateKinds.Calendar)
            {
                calendars.Invalidate(tenant);
            }
        }

        return now;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {Tenant} runs the profile published on another node")]
    private partial void LogProfile(string tenant);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A publication was not taken: {Problem}")]
    private partial void LogNotTaken(string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the shared state failed ({Error}); trying again in a second")]
    private partial void LogUnreachable(string error);
}
