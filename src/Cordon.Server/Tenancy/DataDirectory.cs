using Cordon.Core.Profiles;
using Cordon.Storage;
using Cordon.Storage.Keys;

namespace Cordon.Server.Tenancy;

/// <summary>What initialising a data directory did: whether the tenant was created, and what became of the key files.</summary>
public sealed record DataDirectoryState(bool TenantCreated, string? GeneratedMasterKey, bool SealedFromPlaintext, string MasterKey)
{
    /// <summary>The tenant initialised; null when none was (only the directory was prepared, or it holds several and none was named).</summary>
    public string? Tenant { get; init; }

    /// <summary>Every tenant the directory holds afterwards, in order.</summary>
    public IReadOnlyList<string> Tenants { get; init; } = [];

    /// <summary>Lines an operator must read (a master key was generated, a clear key file sealed); empty when there is nothing new.</summary>
    public IEnumerable<string> Notices()
    {
        if (GeneratedMasterKey is not null)
        {
            yield return $"A master key was generated at {GeneratedMasterKey}: it seals the key files and must be kept apart from the data directory and its backups. In production give one with CORDON_MASTER_KEY_FILE or CORDON_MASTER_PASSPHRASE.";
        }

        if (SealedFromPlaintext)
        {
            yield return $"The key file was in clear (an older Cordon); it is now sealed under {MasterKey}, and the checkpoint signing keys are in their own file. Destroy old copies of keys.json.";
        }
    }
}

/// <summary>Creating a data directory: key file, database (migrated) and a tenant from a profile.</summary>
public static class DataDirectory
{
    /// <summary>The tenant a data directory gets when it is initialised without naming one and holds none yet.</summary>
    public const string DefaultTenant = "default";

    /// <summary>
    /// Creates the tenant from <paramref name="profile"/> when it does not exist. An existing tenant keeps the profile it
    /// runs — the stored publication is the truth — unless <paramref name="publish"/> says the operator named this profile
    /// to publish (<c>cordon init --profile FILE</c>, <c>cordon serve --profile FILE</c>): a start never reverts a profile
    /// published over HTTP or with <c>cordon profile publish</c>. A null <paramref name="tenant"/> means the directory's
    /// only tenant, or <see cref="DefaultTenant"/> when it holds none; when it holds several, nothing is created and
    /// <see cref="DataDirectoryState.Tenant"/> is null (the caller asks which one).
    /// </summary>
    public static async Task<DataDirectoryState> InitializeAsync(string directory, string? database, string? tenant, Profile profile, DateTimeOffset now, CancellationToken cancellationToken, bool publish = false)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var (keys, state) = Prepare(directory);
        await using var store = await CordonStores.OpenAsync(directory, database, cancellationToken);
        var held = await TenantsAsync(store, cancellationToken);
        var chosen = tenant ?? held.Count switch
        {
            0 => DefaultTenant,
            1 => held[0],
            _ => null,
        };
        if (chosen is null)
        {
            return state with { Tenants = held };
        }

        var existing = await store.GetTenantAsync(chosen, cancellationToken);
        if (existing is not null && (!publish || existing.ProfileYaml == profile.SourceText))
        {
            return state with { Tenant = chosen, Tenants = held };
        }

        await new TenantRegistry(keys).ProvisionAsync(store, chosen, profile, now, "cordon-init", cancellationToken);
        return state with { TenantCreated = existing is null, Tenant = chosen, Tenants = await TenantsAsync(store, cancellationToken) };
    }

    /// <summary>Creates the directory, its key files and its database (migrated) without creating any tenant.</summary>
    public static async Task<DataDirectoryState> PrepareAsync(string directory, string? database, CancellationToken cancellationToken)
    {
        var (_, state) = Prepare(directory);
        await using var store = await CordonStores.OpenAsync(directory, database, cancellationToken);
        return state with { Tenants = await TenantsAsync(store, cancellationToken) };
    }

    private static (KeyFile Keys, DataDirectoryState State) Prepare(string directory)
    {
        PrivateFiles.EnsureDataDirectory(directory);
        var keys = KeyFile.OpenOrCreate(KeyFile.PathIn(directory));
        return (keys, new DataDirectoryState(false, keys.GeneratedMasterKey, keys.SealedFromPlaintext, keys.MasterDescription));
    }

    private static async Task<IReadOnlyList<string>> TenantsAsync(ITenantStore store, CancellationToken cancellationToken)
        => [.. (await store.ListTenantsAsync(cancellationToken)).Select(t => t.Id).Order(StringComparer.Ordinal)];
}
