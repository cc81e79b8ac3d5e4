using Cordon.Core.Audit;
using Cordon.Core.Crypto;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Audit;

namespace Cordon.Server.Audit;

/// <summary>A checkpoint made, and the line the witness holds for it (null without a witness).</summary>
public sealed record Sealed(Checkpoint Checkpoint, string? WitnessLine);

/// <summary>Verifies a tenant's whole chain from the store: entries lane by lane, lane heads and signed checkpoints.</summary>
public static class AuditVerification
{
    /// <summary>
    /// Verifies the chain against the store's lane heads and checkpoints and against every witness given (the local
    /// witness file, and any file of lines an external witness kept), reporting every broken range.
    /// </summary>
    public static async Task<ChainVerification> VerifyAsync(TenantContext tenant, ICordonStore log, IReadOnlyList<WitnessContents?> witnesses, CancellationToken cancellationToken, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(witnesses);
        var suite = (await log.GetTenantAsync(tenant.Id, cancellationToken))?.Suite ?? tenant.Keys.Suite;
        var verifier = new ChainVerifier(CryptoSuite.For(suite), tenant.Id);
        verifier.AddCheckpoints(await log.GetCheckpointsAsync(tenant.Id, cancellationToken), tenant.Keys.PublicKey);
        foreach (var witness in witnesses)
        {
            if (witness is not null)
            {
                verifier.AddWitness(witness, tenant.Keys.PublicKey);
            }
        }

        verifier.AddLaneHeads(await log.GetLaneHeadsAsync(tenant.Id, cancellationToken));
        await foreach (var entry in log.ReadChainAsync(tenant.Id, cancellationToken))
        {
            verifier.Add(entry);
            if (progress is not null && verifier.Entries % 10_000 == 0)
            {
                progress.Report(verifier.Entries);
            }
        }

        return verifier.Complete();
    }

    /// <summary>Verifies against the store and the local witness alone.</summary>
    public static Task<ChainVerification> VerifyAsync(TenantContext tenant, ICordonStore log, AuditWitness? witness, CancellationToken cancellationToken, IProgress<long>? progress = null)
        => VerifyAsync(tenant, log, [witness?.Read(Guard(tenant).Id)], cancellationToken, progress);

    /// <summary>
    /// Seals the chain: a signed checkpoint over every lane head, when the chain grew since the last one. The checkpoint
    /// goes to the witness first (durably), then to the store: a checkpoint the store failed to keep still seals.
    /// </summary>
    public static async Task<Sealed?> CheckpointAsync(TenantContext tenant, IAuditLog log, AuditWitness? witness, DateTimeOffset now, CancellationToken cancellationToken)
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
        var line = witness is null ? null : await witness.AppendAsync(checkpoint, cancellationToken);
        await log.AppendCheckpointAsync(checkpoint, cancellationToken);
        return new Sealed(checkpoint, line);
    }

    private static TenantContext Guard(TenantContext tenant) => tenant ?? throw new ArgumentNullException(nameof(tenant));
}
