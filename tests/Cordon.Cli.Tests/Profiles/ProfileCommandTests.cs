using Cordon.Cli.Profiles;

namespace Cordon.Cli.Tests.Profiles;

public sealed class ProfileCommandTests
{
    private static FileInfo ShippedProfile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = new FileInfo(Path.Combine(dir.FullName, "profiles", name));
            if (candidate.Exists)
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(name);
    }

    [Fact]
    public void Check_accepts_the_default_profile()
    {
        var output = new StringWriter();
        var errors = new StringWriter();

        Assert.Equal(0, ProfileCommands.Check(ShippedProfile("internet-hospital.yaml"), output, errors));
        Assert.Contains("valid", output.ToString(), StringComparison.Ordinal);
        Assert.Empty(errors.ToString());
    }

    [Fact]
    public void Check_prints_every_error_and_exits_1()
    {
        var file = new FileInfo(Path.Combine(Path.GetTempPath(), $"cordon-{Guid.NewGuid():N}.yaml"));
        File.WriteAllText(file.FullName, File.ReadAllText(ShippedProfile("internet-hospital.yaml").FullName)
            .Replace("auditRetentionDays: 183", "auditRetentionDays: 30", StringComparison.Ordinal)
            .Replace("storageRegion: CN", "storageRegion: US", StringComparison.Ordinal));
        try
        {
            var errors = new StringWriter();

            Assert.Equal(1, ProfileCommands.Check(file, new StringWriter(), errors));
            Assert.Contains("[R44]", errors.ToString(), StringComparison.Ordinal);
            Assert.Contains("[R38]", errors.ToString(), StringComparison.Ordinal);
            Assert.Contains(file.Name + ":", errors.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            file.Delete();
        }
    }

    [Fact]
    public void Notice_prints_the_html_page()
    {
        var output = new StringWriter();

        Assert.Equal(0, ProfileCommands.Notice(ShippedProfile("health-information-service.yaml"), "html", output, new StringWriter()));
        Assert.StartsWith("<!DOCTYPE html>", output.ToString(), StringComparison.Ordinal);
    }
}
