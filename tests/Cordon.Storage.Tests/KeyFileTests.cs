using Cordon.Core.Crypto;
using Cordon.Storage.Keys;

namespace Cordon.Storage.Tests;

public sealed class KeyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cordon-keys-").FullName;

    private string FilePath => KeyFile.PathIn(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_key_file_is_created_private_and_reopens_with_the_same_keys()
    {
        var created = KeyFile.OpenOrCreate(FilePath).GetOrCreate("t1", CryptoSuiteId.National);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        }

        var reopened = KeyFile.Open(FilePath).Find("t1")!;
        Assert.Equal(CryptoSuiteId.National, reopened.Suite);
        Assert.Equal(created.TokenKey, reopened.TokenKey);
        Assert.Equal(created.SigningKeyId, reopened.SigningKeyId);
        var dataKey = CryptoSuite.National.NewKey();
        var wrapped = Envelope.WrapDataKey(created.CurrentKek, dataKey, "t1", "sub_a", 1);
        Assert.Equal(dataKey, Envelope.UnwrapDataKey(reopened.CurrentKek, wrapped, "t1", "sub_a", 1));
    }

    [Fact]
    public void A_key_file_readable_by_others_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        KeyFile.OpenOrCreate(FilePath).GetOrCreate("t1", CryptoSuiteId.Standard);
        File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var error = Assert.Throws<UnauthorizedAccessException>(() => KeyFile.Open(FilePath));
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rotation_adds_a_version_and_old_wrapped_keys_still_open()
    {
        var file = KeyFile.OpenOrCreate(FilePath);
        var v1 = file.GetOrCreate("t1", CryptoSuiteId.Standard);
        var dataKey = CryptoSuite.Standard.NewKey();
        var wrapped = Envelope.WrapDataKey(v1.CurrentKek, dataKey, "t1", "sub_a", 1);

        var rotated = file.RotateKek("t1");

        Assert.Equal(2, rotated.CurrentKek.Version);
        var reopened = KeyFile.Open(FilePath).Find("t1")!;
        Assert.Equal(dataKey, Envelope.UnwrapDataKey(reopened.Kek(Envelope.WrappedKeyVersion(wrapped))!, wrapped, "t1", "sub_a", 1));
    }

    [Fact]
    public void Printing_tenant_keys_shows_no_key_material()
    {
        var keys = KeyFile.OpenOrCreate(FilePath).GetOrCreate("t1", CryptoSuiteId.Standard);
        var text = keys.ToString() + keys.CurrentKek;
        Assert.DoesNotContain(Convert.ToBase64String(keys.TokenKey), text, StringComparison.Ordinal);
        Assert.Contains("t1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Audit_notes_are_sealed_and_open_only_for_their_request()
    {
        var keys = KeyFile.OpenOrCreate(FilePath).GetOrCreate("t1", CryptoSuiteId.Standard);
        var sealedNote = keys.SealNote("患者昏迷，急诊抢救", "req-1");
        Assert.Equal("患者昏迷，急诊抢救", keys.OpenNote(sealedNote, "req-1"));
        Assert.Null(keys.OpenNote(sealedNote, "req-2"));
    }
}
