using Cordon.Core.Profiles;
using Cordon.Storage;
using Cordon.Storage.Keys;

namespace Cordon.Server.Tenancy;

/// <summary>What initialising a data directory did: whether the tenant was created, and what became of the key files.</summary>
public sealed record DataDirectoryState(bool TenantCreated, string? GeneratedMasterKey, bool SealedFromPlaintext, string MasterKey)
{
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
    /// <summary>
    /// Creates the tenant from <paramref name="profile"/> when it does not exist. An existing tenant keeps the profile it
    /// runs — the stored publication is the truth — unless <paramref name="publish"/> says the operator named this profile
    /// to publish (<c>cordon init --profile FILE</c>, <c>cordon serve --profile FILE</c>): a start never reverts a profile
    /// published over HTTP or with <c>cordon profile publish</c>.
    /// </summary>
    public static async Task<DataDirectoryState> InitializeAsync(string directory, string? database, string tenant, Profile profile, DateTimeOffset now, CancellationToken cancellationToken, bool publish = false)
    {
        ArgumentNullException.ThrowIfNull(profile);
        PrivateFiles.EnsureDataDirectory(directory);
        var keys = KeyFile.OpenOrCreate(KeyFile.PathIn(directory));
        var state = new DataDirectoryState(false, keys.GeneratedMasterKey, keys.SealedFromPlaintext, keys.MasterDescription);
        await using var store = await CordonStores.OpenAsync(directory, database, cancellationToken);
        var existing = await store.GetTenantAsync(tenant, cancellationToken);
        if (existing is not null && (!publish || existing.ProfileYaml == profile.SourceText))
        {
            return state;
        }

        await new TenantRegistry(keys).ProvisionAsync(store, tenant, profile, now, "cordon-init", cancellationToken);
        return state with { TenantCreated = existing is null };
    }
}
