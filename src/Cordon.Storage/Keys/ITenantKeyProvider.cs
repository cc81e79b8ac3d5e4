namespace Cordon.Storage.Keys;

/// <summary>
/// Where a tenant's keys come from — key-encryption keys, blind-index, audit-note and token keys, and the checkpoint
/// signing keys. The sealed key files (<see cref="KeyFile"/>) are the embedded default; an operator's KMS or HSM can take
/// their place behind this seam without the server knowing.
/// </summary>
public interface ITenantKeyProvider
{
    /// <summary>Where the keys are kept, for messages (never key material).</summary>
    string Description { get; }

    IReadOnlyCollection<string> Tenants { get; }

    TenantKeys? Find(string tenant);

    /// <summary>The tenant's keys, created on first use.</summary>
    TenantKeys GetOrCreate(string tenant, Core.Crypto.CryptoSuiteId suite);
}
