namespace Cordon.Storage.Sql;

/// <summary>State every node shares: tenant versions and the periodic jobs' leases.</summary>
internal sealed partial class SqlStore
{
    public async Task<IReadOnlyDictionary<(string Tenant, string Kind), long>> GetStateVersionsAsync(CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("SELECT tenant, kind, version FROM tenant_state", _ => { }, r => (r.GetString(0), r.GetString(1), r.GetInt64(2)), cancellationToken);
        return rows.ToDictionary(r => (r.Item1, r.Item2), r => r.Item3);
    }

    public Task WaitForStateChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) => _dialect.WaitForStateChangeAsync(timeout, cancellationToken);

    public Task<bool> TryStartJobAsync(string job, string node, DateTimeOffset now, TimeSpan interval, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            var nowMs = now.ToUnixTimeMilliseconds();

            // One conditional write decides: the first node whose claim finds the last run an interval old and no live lease wins.
            await ctx.Command("INSERT INTO job_runs (job, started_at, lease_until, node, runs) VALUES (@job, 0, 0, '', 0) ON CONFLICT (job) DO NOTHING")
                .Add("job", job).ExecuteNonQueryAsync();
            var claimed = await ctx.Command("UPDATE job_runs SET started_at = @now, lease_until = @lease, node = @node, runs = runs + 1 WHERE job = @job AND started_at <= @due AND lease_until < @now")
                .Add("now", nowMs).Add("lease", leaseUntil.ToUnixTimeMilliseconds()).Add("node", node).Add("job", job)
                .Add("due", nowMs - (long)interval.TotalMilliseconds)
                .ExecuteNonQueryAsync();
            return claimed == 1;
        });

    public Task FinishJobAsync(string job, string node, DateTimeOffset now, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            await ctx.Command("UPDATE job_runs SET lease_until = @now WHERE job = @job AND node = @node")
                .Add("now", now.ToUnixTimeMilliseconds()).Add("job", job).Add("node", node).ExecuteNonQueryAsync();
            return true;
        });
}
