using Cordon.Core.Profiles;
using static Cordon.Core.Tests.Profiles.ProfileFixture;

namespace Cordon.Core.Tests.Profiles;

/// <summary>Text no profile is: it is refused with a line, never crashes the loader and never makes it work without bound.</summary>
public sealed class ProfileLoaderHostileTests
{
    [Theory]
    [InlineData(100_000, '[')]
    [InlineData(30_000, '[')]
    [InlineData(10_000, '{')]
    public void Deep_flow_nesting_is_refused_at_its_line(int depth, char open)
    {
        var result = ProfileLoader.Load(new string(open, depth), FileName);

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Contains("nesting deeper than 32 levels", error.ToString(), StringComparison.Ordinal);
        Assert.StartsWith($"{FileName}:1:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_block_nesting_is_refused_at_its_line()
    {
        var yaml = string.Concat(Enumerable.Range(0, 200).Select(i => new string(' ', i * 2) + $"k{i}:\n"));

        var error = Assert.Single(ProfileLoader.Load(yaml, FileName).Errors);

        Assert.Contains("nesting deeper", error.ToString(), StringComparison.Ordinal);
        Assert.StartsWith($"{FileName}:33:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Aliases_that_would_expand_beyond_any_profile_are_refused()
    {
        // Each level repeats the one before it ten times: nine levels would be a billion values.
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(1, 9).Select(i => $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n"));

        var error = Assert.Single(ProfileLoader.Load(yaml, FileName).Errors);

        Assert.Contains("with every alias expanded", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[\"\\uD800\\u1\"]", "not a character")]
    [InlineData("[\"\\uDd1e\\uD834\"]", "not a character")]
    [InlineData("name: \"rest \\ud83d\"", "invalid Unicode surrogates")]
    [InlineData("name: \"bell \\a\"", "control character U+0007")]
    public void Escapes_that_are_no_text_are_refused_at_their_line(string yaml, string reason)
    {
        var error = Assert.Single(ProfileLoader.Load(yaml, FileName).Errors);
        Assert.Contains(reason, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_larger_than_any_profile_is_refused()
    {
        var error = Assert.Single(ProfileLoader.Load("# " + new string('x', ProfileLoader.MaxLength), FileName).Errors);
        Assert.Contains("a profile is at most", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_are_still_found_at_every_depth_with_complex_keys_and_aliases_around_them()
    {
        var yaml = "a: &x {b: 1, c: [1, {d: 2, d: 3}]}\n? [k]\n: v\ne: *x\na: again\n";

        var errors = ProfileLoader.Load(yaml, FileName).Errors.Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.Contains("duplicate key 'd' in a.c", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("duplicate key 'a' in the profile", StringComparison.Ordinal));
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void The_built_in_profiles_stay_well_inside_the_limits()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(RepoFiles.RepoRoot, "profiles"), "*.yaml"))
        {
            var result = ProfileLoader.Load(File.ReadAllText(file), Path.GetFileName(file));
            Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        }
    }
}
