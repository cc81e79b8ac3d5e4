namespace Cordon.Core.Tests;

/// <summary>Finds files of the repository and of the shared data folder beside it, walking up from the test binaries.</summary>
internal static class RepoFiles
{
    public static string RepoRoot { get; } = FindUp(dir => File.Exists(Path.Combine(dir, "Cordon.slnx")))
        ?? throw new InvalidOperationException($"Cordon.slnx was not found above {AppContext.BaseDirectory}");

    public static string Profile(string name) => Path.Combine(RepoRoot, "profiles", name);

    public static string ReadProfile(string name) => File.ReadAllText(Profile(name));

    /// <summary>The Synthea FHIR R4 bundles (shared/data/synthea-r4 next to the repository, e.g. /work/shared/data/synthea-r4).</summary>
    public static string SyntheaFolder()
    {
        var root = FindUp(dir => Directory.Exists(Path.Combine(dir, "shared", "data", "synthea-r4")));
        Assert.True(root is not null, $"The Synthea bundles were not found: no shared/data/synthea-r4 folder above {AppContext.BaseDirectory}. They are the shared test data of the project (see shared/data/README.md).");
        return Path.Combine(root!, "shared", "data", "synthea-r4");
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
