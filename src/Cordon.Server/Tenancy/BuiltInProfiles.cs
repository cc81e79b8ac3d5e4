using Cordon.Core.Profiles;

namespace Cordon.Server.Tenancy;

/// <summary>The profiles shipped in <c>profiles/</c>, embedded so that a bare <c>cordon serve</c> needs no files.</summary>
public static class BuiltInProfiles
{
    public const string Default = "internet-hospital";

    public static IReadOnlyList<string> Names =>
        [.. typeof(BuiltInProfiles).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("profiles/", StringComparison.Ordinal))
            .Select(n => Path.GetFileNameWithoutExtension(n))
            .Order(StringComparer.Ordinal)];

    public static string Text(string name)
    {
        using var stream = typeof(BuiltInProfiles).Assembly.GetManifestResourceStream($"profiles/{name}.yaml")
            ?? throw new ArgumentException($"No built-in profile '{name}'.", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Loads and validates a built-in profile; a shipped profile that fails is a build defect.</summary>
    public static Profile Load(string name = Default)
    {
        var result = ProfileLoader.Load(Text(name), $"profiles/{name}.yaml");
        return result.Succeeded ? result.Profile : throw new InvalidOperationException(string.Join(Environment.NewLine, result.Errors));
    }
}
