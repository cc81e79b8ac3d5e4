using Cordon.Server.Audit;

namespace Cordon.Server.Tests.Hosting;

/// <summary>The data directory is its owner's alone: the directory 0700, every file in it 0600, as keys.json always was.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataDirectoryModeTests : ServerTest
{
    [Fact]
    public async Task The_data_directory_is_0700_and_every_file_in_it_0600()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "consultation");
        await AuditVerification.CheckpointAsync(Server.TenantContext, Server.Host.Store, Server.Host.Witness, Server.Time.GetUtcNow(), default);

        Assert.Equal(Storage.PrivateFiles.DirectoryMode, File.GetUnixFileMode(Server.Directory));
        var files = Directory.GetFiles(Server.Directory, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("cordon.db-wal", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("cordon.keys.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".witness", StringComparison.Ordinal));
        Assert.All(files, f => Assert.True(File.GetUnixFileMode(f) == Storage.PrivateFiles.FileMode, $"{Path.GetFileName(f)} is {File.GetUnixFileMode(f)}"));
        Assert.Equal(Storage.PrivateFiles.DirectoryMode, File.GetUnixFileMode(Path.GetDirectoryName(Server.Host.Witness.PathOf(CordonServer.Tenant))!));
    }

    [Fact]
    public void A_data_directory_of_an_older_Cordon_loses_group_and_other_access_and_a_foreign_one_is_left_alone()
    {
        var old = Directory.CreateTempSubdirectory("cordon-old-").FullName;
        var foreign = Directory.CreateTempSubdirectory("cordon-foreign-").FullName;
        try
        {
            const UnixFileMode Open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.SetUnixFileMode(old, Storage.PrivateFiles.DirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            File.WriteAllText(Path.Combine(old, "keys.json"), "{}");
            File.WriteAllText(Path.Combine(old, "cordon.db"), string.Empty);
            File.SetUnixFileMode(Path.Combine(old, "cordon.db"), Open);
            File.SetUnixFileMode(foreign, Storage.PrivateFiles.DirectoryMode | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

            Storage.PrivateFiles.EnsureDataDirectory(old);
            Storage.PrivateFiles.EnsureDataDirectory(foreign);

            Assert.Equal(Storage.PrivateFiles.DirectoryMode, File.GetUnixFileMode(old));
            Assert.Equal(Storage.PrivateFiles.FileMode, File.GetUnixFileMode(Path.Combine(old, "cordon.db")));
            Assert.Equal(Storage.PrivateFiles.DirectoryMode | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(foreign));
        }
        finally
        {
            Directory.Delete(old, recursive: true);
            Directory.Delete(foreign, recursive: true);
        }
    }
}
