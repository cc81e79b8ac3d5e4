namespace Cordon.Core.Tests;

/// <summary>Finds files of the repository, walking up from the test binaries.</summary>
internal static class RepoFiles
{
    public static string RepoRoot { get; } = FindUp(dir => File.Exists(Path.Combine(dir, "Cordon.slnx")))
        ?? throw new InvalidOperationException($"Cordon.slnx was not found above {AppContext.BaseDirectory}");

    public static string Profile(string name) => Path.Combine(RepoRoot, "profiles", name);

    public static string ReadProfile(string name) => File.ReadAllText(Profile(name));

    /// <summary>The Synthea FHIR R4 bundles kept in the repository (data/synthea-r4).</summary>
    public static string SyntheaFolder()
    {
        var folder = Path.Combine(RepoRoot, "data", "synthea-r4");
        Assert.True(Directory.Exists(folder), $"The Synthea bundles were not found at {folder} (see data/README.md).");
        return folder;
    }

    private static string? FindUp(Func<string, bool> found)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (found(dir.FullName))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
