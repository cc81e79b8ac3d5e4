using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Audit;
using Cordon.Core.Profiles;
using Cordon.Storage;
using Cordon.Storage.Keys;

namespace Cordon.Server.Tenancy;

/// <summary>The tenants this server serves, loaded from the store and the key file at start.</summary>
public sealed class TenantRegistry
{
    /// <summary>Audit lanes per new tenant; fixed at creation so the chain stays verifiable.</summary>
    public const int DefaultLanes = 8;

    private readonly ConcurrentDictionary<string, TenantContext> _tenants = new(StringComparer.Ordinal);

    // Publishing stores the profile and then swaps the live context; one at a time, so the live profile is the last stored.
    private readonly SemaphoreSlim _publishing = new(1, 1);

    public TenantRegistry(ITenantKeyProvider keys)
    {
        Keys = keys;
    }

    /// <summary>Where the tenants' keys come from (the sealed key files by default).</summary>
    public ITenantKeyProvider Keys { get; }

    public IReadOnlyCollection<TenantContext> All => [.. _tenants.Values];

    public TenantContext? Find(string? tenant) => tenant is not null && _tenants.TryGetValue(tenant, out var t) ? t : null;

    /// <summary>Loads every tenant of the store; a stored profile that no longer validates stops the start with its errors.</summary>
    public async Task LoadAsync(ITenantStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        foreach (var row in await store.ListTenantsAsync(cancellationToken))
        {
            var result = ProfileLoader.Load(row.ProfileYaml, $"tenant {row.Id} (stored profile)");
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"The stored profile of tenant {row.Id} is invalid:{Environment.NewLine}{string.Join(Environment.NewLine, result.Errors)}");
            }

            var keys = Keys.Find(row.Id) ?? throw new InvalidOperationException($"{Keys.Description} has no keys for tenant {row.Id}; restore the key file that belongs to this database.");
            _tenants[row.Id] = new TenantContext(row.Id, result.Profile, keys);
        }
    }

    /// <summary>
    /// Creates a tenant from a validated profile, or publishes a new profile for an existing one:
    /// keys are created on first use, the profile text is stored with an audit entry.
    /// </summary>
    public async Task<TenantContext> ProvisionAsync(ITenantStore store, string tenant, Profile profile, DateTimeOffset now, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var existing = await store.GetTenantAsync(tenant, cancellationToken);
        var audit = new Audit.AuditContext(tenant, actor, "admin", now).Draft(existing is null ? "tenant.create" : "profile.publish", AuditOutcome.Done);
        var (_, context) = await PublishAsync(store, tenant, profile, audit, cancellationToken);
        return context;
    }

    /// <summary>
    /// Stores <paramref name="profile"/> as the tenant's profile (the store keeps the history) with <paramref name="audit"/>,
    /// then replaces the live context, so the next request is decided under it. Publications are serialised: the live
    /// profile is always the one stored last. Returns the context replaced (null for a new tenant) and the new one.
    /// </summary>
    public async Task<(TenantContext? Previous, TenantContext Current)> PublishAsync(ITenantStore store, string tenant, Profile profile, AuditDraft audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(audit);
        await _publishing.WaitAsync(cancellationToken);
        try
        {
            var previous = Find(tenant);
            var keys = Keys.GetOrCreate(tenant, profile.Operator.CryptoSuite);
            var existing = await store.GetTenantAsync(tenant, cancellationToken);
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(profile.SourceText)));
            var row = new TenantRow(tenant, profile.Operator.Name, keys.Suite, existing?.Lanes ?? DefaultLanes, profile.SourceText, hash, existing?.CreatedAt ?? audit.Time);

            // Compiled before storing: a profile that cannot be compiled is never stored.
            var context = new TenantContext(tenant, profile, keys);
            await store.PutTenantAsync(row, audit with { Tenant = tenant }, cancellationToken);
            _tenants[tenant] = context;
            return (previous, context);
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>
    /// Takes the tenant's stored profile when another node (or the command line) published one: the stored publication is
    /// the truth. True when the live context changed; a stored profile that no longer loads, or a tenant whose keys this
    /// node does not have, leaves the node as it is (and says why).
    /// </summary>
    public async Task<(bool Changed, string? Problem)> RefreshAsync(ITenantStore store, string tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await _publishing.WaitAsync(cancellationToken);
        try
        {
            var row = await store.GetTenantAsync(tenant, cancellationToken);
            var current = Find(tenant);
            if (row is null || (current is not null && string.Equals(current.Profile.SourceText, row.ProfileYaml, StringComparison.Ordinal)))
            {
                return (false, null);
            }

            var result = ProfileLoader.Load(row.ProfileYaml, $"tenant {row.Id} (stored profile)");
            if (!result.Succeeded)
            {
                return (false, $"the stored profile of tenant {tenant} does not load here ({result.Errors.Count} error(s)); this node keeps the one it runs");
            }

            if (Keys.Find(tenant) is not { } keys)
            {
                return (false, $"tenant {tenant} has no keys in {Keys.Description}; restart this node with the key file that has them");
            }

            _tenants[tenant] = new TenantContext(tenant, result.Profile, keys);
            return (true, null);
        }
        finally
        {
            _publishing.Release();
        }
    }
}
