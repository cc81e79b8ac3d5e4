using Cordon.Core.Audit;
using Cordon.Core.Crypto;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Audit;

/// <summary>Verifies a tenant's whole chain from the store: entries lane by lane, lane heads and signed checkpoints.</summary>
public static class AuditVerification
{
    public static async Task<ChainVerification> VerifyAsync(TenantContext tenant, ICordonStore log, CancellationToken cancellationToken, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(log);
        var suite = (await log.GetTenantAsync(tenant.Id, cancellationToken))?.Suite ?? tenant.Keys.Suite;
        var verifier = new ChainVerifier(CryptoSuite.For(suite), tenant.Id);
        verifier.AddCheckpoints(await log.GetCheckpointsAsync(tenant.Id, cancellationToken), tenant.Keys.PublicKey);
        verifier.AddLaneHeads(await log.GetLaneHeadsAsync(tenant.Id, cancellationToken));
        await foreach (var entry in log.ReadChainAsync(tenant.Id, cancellationToken))
        {
            if (!verifier.Add(entry))
            {
                break;
            }

            if (progress is not null && verifier.Entries % 10_000 == 0)
            {
                progress.Report(verifier.Entries);
            }
        }

        return verifier.Complete();
    }

    /// <summary>Seals the chain: a signed checkpoint over every lane head, when the chain grew since the last one.</summary>
    public static async Task<Checkpoint?> CheckpointAsync(TenantContext tenant, IAuditLog log, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(log);
        var heads = await log.GetLaneHeadsAsync(tenant.Id, cancellationToken);
        var checkpoints = await log.GetCheckpointsAsync(tenant.Id, cancellationToken);
        if (checkpoints.Count > 0)
        {
            var last = checkpoints[^1].Heads.ToDictionary(h => h.Lane, h => h.Seq);
            if (heads.All(h => last.TryGetValue(h.Lane, out var seq) && seq == h.Seq))
            {
                return null;
            }
        }
        else if (heads.All(h => h.Seq == 0))
        {
            return null;
        }

        var checkpoint = tenant.Keys.CreateCheckpoint(now, heads);
        await log.AppendCheckpointAsync(checkpoint, cancellationToken);
        return checkpoint;
    }
}
