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
    public void Check_refuses_thirty_thousand_open_brackets_with_exit_1_and_the_line()
    {
        var file = new FileInfo(Path.Combine(Path.GetTempPath(), $"cordon-{Guid.NewGuid():N}.yaml"));
        File.WriteAllText(file.FullName, new string('[', 30_000));
        try
        {
            var errors = new StringWriter();

            Assert.Equal(1, ProfileCommands.Check(file, new StringWriter(), errors));
            Assert.Contains($"{file.Name}:1:", errors.ToString(), StringComparison.Ordinal);
            Assert.Contains("nesting deeper than 32 levels", errors.ToString(), StringComparison.Ordinal);
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

/// <summary><c>cordon profile publish</c> against a real data directory.</summary>
public sealed class ProfilePublishCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-publish-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Publish_prints_the_changed_purposes_with_their_renewal_counts_and_stores_the_profile()
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data)).Code);
        var original = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml")).ReplaceLineEndings("\n");
        var changed = original.Replace("您或监护人在线填写就诊人姓名", "您或监护人在线或电话填写就诊人姓名", StringComparison.Ordinal);
        Assert.NotEqual(original, changed);
        var file = Path.Combine(_data, "changed.yaml");
        File.WriteAllText(file, changed);

        var (code, output, _) = await RunAsync("profile", "publish", "--data", _data, file);

        Assert.Equal(0, code);
        Assert.Contains("appointment: changed; 0 subject(s) must consent again (R04)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("consultation", output, StringComparison.Ordinal);
        await using (var store = await Storage.CordonStores.OpenAsync(_data, null, CancellationToken.None))
        {
            Assert.Equal(changed, (await store.GetTenantAsync("default", CancellationToken.None))!.ProfileYaml);
        }

        var (again, unchanged, _) = await RunAsync("profile", "publish", "--data", _data, file);
        Assert.Equal(0, again);
        Assert.Contains("nothing published", unchanged, StringComparison.Ordinal);

        // The stored publication is the truth: init (and serve) without --profile never revert it to the built-in one.
        Assert.Equal(0, (await RunAsync("init", "--data", _data)).Code);
        await using (var store = await Storage.CordonStores.OpenAsync(_data, null, CancellationToken.None))
        {
            Assert.Equal(changed, (await store.GetTenantAsync("default", CancellationToken.None))!.ProfileYaml);
        }

        // Naming a profile publishes it.
        Assert.Equal(0, (await RunAsync("init", "--data", _data, "--profile", Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml"))).Code);
        await using (var store = await Storage.CordonStores.OpenAsync(_data, null, CancellationToken.None))
        {
            Assert.Equal(original, (await store.GetTenantAsync("default", CancellationToken.None))!.ProfileYaml.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public async Task Publish_refuses_a_bad_profile_or_a_missing_data_directory_and_changes_nothing()
    {
        var bad = Path.Combine(_data, "bad.yaml");
        File.WriteAllText(bad, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml")).Replace("auditRetentionDays: 183", "auditRetentionDays: 90", StringComparison.Ordinal));
        var good = Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml");

        var (missing, _, noData) = await RunAsync("profile", "publish", "--data", Path.Combine(_data, "none"), good);
        Assert.Equal(2, missing);
        Assert.Contains("cordon init", noData, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("init", "--data", _data)).Code);
        var (code, _, error) = await RunAsync("profile", "publish", "--data", _data, bad);
        Assert.Equal(1, code);
        Assert.Contains("bad.yaml:", error, StringComparison.Ordinal);
        Assert.Contains("[R44]", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CordonCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
