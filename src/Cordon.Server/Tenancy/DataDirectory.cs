using Cordon.Core.Profiles;
using Cordon.Storage;
using Cordon.Storage.Keys;

namespace Cordon.Server.Tenancy;

/// <summary>Creating a data directory: key file, database (migrated) and a tenant from a profile.</summary>
public static class DataDirectory
{
    /// <summary>Creates the tenant or publishes a changed profile for it; true when the tenant was created.</summary>
    public static async Task<bool> InitializeAsync(string directory, string? database, string tenant, Profile profile, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        PrivateFiles.EnsureDataDirectory(directory);
        var keys = KeyFile.OpenOrCreate(KeyFile.PathIn(directory));
        await using var store = await CordonStores.OpenAsync(directory, database, cancellationToken);
        var existing = await store.GetTenantAsync(tenant, cancellationToken);
        if (existing is not null && existing.ProfileYaml == profile.SourceText)
        {
            return false;
        }

        await new TenantRegistry(keys).ProvisionAsync(store, tenant, profile, now, "cordon-init", cancellationToken);
        return existing is null;
    }
}
