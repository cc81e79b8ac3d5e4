using Cordon.Server.Tenancy;

namespace Cordon.Cli.Commands;

/// <summary>
/// Which tenant a command works on when <c>--tenant</c> is not given: the data directory's only tenant, never a guess.
/// With several, the command refuses (bad usage, exit 2) and lists them, so that no one reads another tenant's result
/// (a verified chain, a token that only ever gets 404) as the one they meant.
/// </summary>
internal static class TenantChoice
{
    /// <summary>The tenant named, or the only one of <paramref name="tenants"/>; null with the reason on <paramref name="error"/>.</summary>
    public static string? Pick(string? named, IEnumerable<string> tenants, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var held = tenants.Order(StringComparer.Ordinal).ToList();
        if (named is not null)
        {
            if (held.Contains(named, StringComparer.Ordinal))
            {
                return named;
            }

            error.WriteLine(held.Count == 0
                ? $"No tenant '{named}': this data directory holds no tenant yet (create it with cordon init --tenant {named})."
                : $"No tenant '{named}' in this data directory; it holds: {string.Join(", ", held)}.");
            return null;
        }

        switch (held.Count)
        {
            case 1:
                return held[0];
            case 0:
                error.WriteLine("This data directory holds no tenant yet; create one with cordon init.");
                return null;
            default:
                error.WriteLine($"This data directory holds {held.Count} tenants: {string.Join(", ", held)}. Name one with --tenant (for example --tenant {held[^1]}).");
                return null;
        }
    }

    /// <summary>The loaded tenant named, or the registry's only one; null with the reason on <paramref name="error"/>.</summary>
    public static TenantContext? Find(TenantRegistry registry, string? named, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return Pick(named, registry.All.Select(t => t.Id), error) is { } id ? registry.Find(id) : null;
    }
}
