using System.Collections.Concurrent;
using System.Collections.Frozen;
using Cordon.Core.Access;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;
using Cordon.Core.Decisions;
using Cordon.Core.Notice;
using Cordon.Core.Profiles;
using Cordon.Storage.Keys;

namespace Cordon.Server.Tenancy;

/// <summary>
/// Everything compiled once per tenant: its profile, the access policy, the catalog, the privacy notice and
/// its version, its keys, and the projection plans (what a purpose and role may see of a record type).
/// </summary>
public sealed class TenantContext
{
    private readonly ConcurrentDictionary<(int Purpose, Role Role, int Type), ProjectionPlan> _plans = new();
    private readonly Lazy<Core.Deidentification.DeidentificationPlan> _deidentification;

    public TenantContext(string id, Profile profile, TenantKeys keys)
    {
        Id = id;
        Profile = profile;
        Keys = keys;
        Policy = new AccessPolicy(profile);
        Catalog = CompiledCatalog.Compile(profile.Catalog);
        Notice = PrivacyNotice.Build(profile);
        Indexer = keys.CreateIndexer();
        TokenSigningKey = Auth.TokenIssuer.SigningKey(id, keys.TokenKey);
        _deidentification = new(() =>
        {
            var compiled = Core.Deidentification.DeidentificationPlan.Compile(Catalog, Core.Deidentification.DeidentificationRules.Defaults, keys.CreateDeidentificationKeys(), Suite);
            return compiled.Failed ? throw new InvalidOperationException("The catalog's default de-identification does not compile: " + compiled.Failure.Detail) : compiled.Value;
        });
    }

    /// <summary>The catalog-driven de-identification under this tenant's keys (what leaves for a recipient whose terms require it, and what analysts of a research purpose see).</summary>
    public Core.Deidentification.DeidentificationPlan Deidentification => _deidentification.Value;

    /// <summary>The key this tenant's bearer tokens are verified with (one instance, so its signature provider is cached).</summary>
    public Microsoft.IdentityModel.Tokens.SymmetricSecurityKey TokenSigningKey { get; }

    public string Id { get; }

    public Profile Profile { get; }

    public TenantKeys Keys { get; }

    public AccessPolicy Policy { get; }

    public CompiledCatalog Catalog { get; }

    public PrivacyNotice Notice { get; }

    public string NoticeVersion => Notice.Version;

    public BlindIndexer Indexer { get; }

    /// <summary>The suite new data keys are created in (old subjects keep the suite their key was made in).</summary>
    public CryptoSuite Suite => CryptoSuite.For(Keys.Suite);

    /// <summary>What the purpose lets this role see of this record type, with the role's masks.</summary>
    public ProjectionPlan Plan(int purpose, Role role, int type) => _plans.GetOrAdd((purpose, role, type), static (key, self) =>
    {
        var typeDef = self.Policy.Type(key.Type);
        var purposeDef = self.Policy.Purpose(key.Purpose);
        var allowed = purposeDef.Read.TryGetValue(typeDef.Name, out var paths) ? paths : FrozenSet<string>.Empty;
        var masks = self.Profile.Masking
            .Where(m => m.Role == key.Role && string.Equals(m.Type, typeDef.Name, StringComparison.Ordinal))
            .ToDictionary(m => m.Path, m => m.Mask, StringComparer.Ordinal);
        self.Catalog.TryGetType(typeDef.Name, out var compiled);
        return compiled!.CreatePlan(allowed, masks);
    }, this);

    /// <summary>The masks a role gets on a record type, for explaining decisions.</summary>
    public IEnumerable<MaskRule> MasksFor(Role role, string type)
        => Profile.Masking.Where(m => m.Role == role && string.Equals(m.Type, type, StringComparison.Ordinal));
}
