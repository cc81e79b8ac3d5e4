using Cordon.Core.Audit;
using Cordon.Core.Retention;
using Cordon.Server.Rights;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Retention;

/// <summary>One kind of expired record found by a retention run.</summary>
public sealed record RetentionLine(string Type, string Purpose, int Expired, int Held, int Deleted, string After);

/// <summary>What a retention run found and did.</summary>
public sealed record RetentionRunReport(string Tenant, DateTimeOffset Time, bool DryRun, IReadOnlyList<RetentionLine> Lines, int Purged, double Seconds)
{
    public int Expired => Lines.Sum(l => l.Expired);

    public int Deleted => Lines.Sum(l => l.Deleted);

    public int Held => Lines.Sum(l => l.Held);
}

/// <summary>
/// Deletes what has outlived its retention (R18, R20): for every record type and purpose, the records created before
/// the later of the declared period and the legal floor (R58, R10, R44). Records of subjects under a legal hold stay
/// (R19). Each batch is deleted with one audit entry per subject naming its records, in the same transaction. A dry run
/// lists what would go and changes nothing. The run also finishes any interrupted purge of shredded subjects.
/// </summary>
public static class RetentionEngine
{
    private const int Batch = 2_000;

    public static async Task<RetentionRunReport> RunAsync(Operation op, bool dryRun, Action<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var tenant = op.Tenant;
        var policy = new RetentionPolicy(tenant.Profile);
        var held = (await op.Store.ListLegalHoldsAsync(tenant.Id, null, activeOnly: true, cancellationToken)).Select(h => h.SubjectId).ToHashSet(StringComparer.Ordinal);
        var lines = new List<RetentionLine>();
        var done = 0;
        // What the profile may store, and what is stored: records of a purpose a later profile dropped expire too.
        var pairs = Pairs(tenant).Union(await op.Store.ListStoredTypePurposesAsync(tenant.Id, cancellationToken));
        foreach (var (type, purpose, cutoff, after) in policy.Cutoffs(op.Now, pairs))
        {
            int expired = 0, kept = 0, deleted = 0;
            (DateTimeOffset, string)? cursor = null;
            while (true)
            {
                // A day of slack, then the exact test: calendar arithmetic backwards is not the exact inverse of forwards.
                var page = await op.Store.FindRecordsCreatedBeforeAsync(tenant.Id, type, purpose, cutoff.AddDays(1), cursor, Batch, cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }

                cursor = (page[^1].CreatedAt, page[^1].Id);
                var due = page.Where(r => policy.Expiry(r.Type, r.Purpose, r.CreatedAt) <= op.Now).ToList();
                var go = due.Where(r => !held.Contains(r.SubjectId)).ToList();
                expired += due.Count;
                kept += due.Count - go.Count;
                if (!dryRun && go.Count > 0)
                {
                    var audits = go.GroupBy(r => r.SubjectId, StringComparer.Ordinal)
                        .Select(g => op.Audit("retention.delete", AuditOutcome.Done, g.Key, [.. g.Select(r => r.Id)], ["R18", "R20"], purpose))
                        .ToList();
                    deleted += await op.Store.DeleteRecordsAsync(tenant.Id, [.. go.Select(r => r.Id)], audits, cancellationToken);
                }

                done += page.Count;
                progress?.Invoke(done);
                if (page.Count < Batch)
                {
                    break;
                }
            }

            if (expired > 0)
            {
                lines.Add(new RetentionLine(type, purpose, expired, kept, deleted, after == Core.Profiles.AfterRetention.Anonymise ? "anonymise (deleted: anonymisation is not built yet)" : "delete"));
            }
        }

        var purged = 0;
        if (!dryRun)
        {
            await op.Store.ReconcileKeysAsync(op.Now, cancellationToken);
            // A cancelled account whose legally kept records have all expired: nothing is left to keep its identity for.
            foreach (var subject in await op.Store.ListCancelledWithoutRecordsAsync(tenant.Id, 1000, cancellationToken))
            {
                await SubjectEraser.EraseAsync(op, subject, null, cancel: true, "retention.shred", null, ["R18", "R21"], cancellationToken);
            }

            foreach (var subject in await op.Store.ListUnpurgedSubjectsAsync(tenant.Id, 1000, cancellationToken))
            {
                purged += await SubjectEraser.PurgeAsync(op.Store, tenant.Id, subject, cancellationToken);
            }

            await op.Store.AppendAsync(op.Audit("retention.run", AuditOutcome.Done, null, [], ["R18"]), cancellationToken);
        }

        return new RetentionRunReport(tenant.Id, op.Now, dryRun, lines, purged, started.Elapsed.TotalSeconds);
    }

    /// <summary>Every (type, purpose) a record can be stored under: the purposes' collect lists.</summary>
    private static IEnumerable<(string Type, string Purpose)> Pairs(TenantContext tenant)
        => tenant.Profile.Purposes.SelectMany(p => p.Collect.Keys.Select(t => (t, p.Key))).Distinct();
}

/// <summary>Runs the retention engine for every tenant at the configured interval.</summary>
public sealed partial class RetentionService(ICordonStore store, TenantRegistry tenants, TimeProvider time, Microsoft.Extensions.Options.IOptions<Hosting.CordonServerOptions> options, Hosting.JobLeases leases, ILogger<RetentionService> logger) : Hosting.PeriodicService(time)
{
    public const string Job = "retention";

    protected override TimeSpan Interval => options.Value.RetentionInterval;

    /// <summary>Once per interval across all nodes: the node whose claim wins runs it.</summary>
    protected override Task RunOnceAsync(CancellationToken cancellationToken) => leases.RunAsync(Job, Interval, RunAllAsync, cancellationToken);

    private async Task RunAllAsync(CancellationToken cancellationToken)
    {
        foreach (var tenant in tenants.All)
        {
            try
            {
                var report = await RetentionEngine.RunAsync(new Operation(tenant, store, Time.GetUtcNow(), "cordon:retention", "system"), dryRun: false, null, cancellationToken);
                Log.Ran(logger, tenant.Id, report.Deleted, report.Held, report.Purged);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Failed(logger, tenant.Id, ex.GetType().Name);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Retention run for tenant {Tenant}: {Deleted} records deleted, {Held} held, {Purged} shredded rows purged")]
        public static partial void Ran(ILogger logger, string tenant, int deleted, int held, int purged);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Retention run for tenant {Tenant} failed: {Error}")]
        public static partial void Failed(ILogger logger, string tenant, string error);
    }
}
