using System.Security.Cryptography;
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

    [Fact]
    public void No_key_is_in_clear_in_either_file_and_the_signing_keys_live_apart_from_the_token_key()
    {
        var keys = KeyFile.OpenOrCreate(FilePath).GetOrCreate("t1", CryptoSuiteId.Standard);
        var keyText = File.ReadAllText(FilePath);
        var signingText = File.ReadAllText(KeyFile.SigningPathFor(FilePath));

        foreach (var secret in new[] { keys.TokenKey, keys.BlindIndexKey, keys.AuditKey })
        {
            Assert.DoesNotContain(Convert.ToBase64String(secret), keyText, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(secret), signingText, StringComparison.Ordinal);
        }

        Assert.Contains("\"format\": \"cordon-keys@2\"", keyText, StringComparison.Ordinal);
        Assert.Contains("\"purpose\": \"keys\"", keyText, StringComparison.Ordinal);
        Assert.Contains("\"purpose\": \"audit-signing\"", signingText, StringComparison.Ordinal);
        Assert.DoesNotContain("\"t1\"", keyText, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile.SigningPathFor(FilePath)));
        }

        // A checkpoint signed before the files were reopened verifies with the reopened public key.
        var checkpoint = keys.CreateCheckpoint(DateTimeOffset.UnixEpoch, [new Core.Audit.LaneHead(0, 1, new byte[32])]);
        Assert.True(checkpoint.VerifySignature(KeyFile.Open(FilePath).Find("t1")!.PublicKey(checkpoint.KeyId)!));
    }

    [Fact]
    public void Another_master_key_or_an_edited_file_does_not_open_and_says_why()
    {
        KeyFile.OpenOrCreate(FilePath).GetOrCreate("t1", CryptoSuiteId.Standard);
        var other = Path.Combine(_directory, "other.key");
        MasterKey.Generate(other);

        var wrong = Assert.Throws<InvalidDataException>(() => KeyFile.Open(FilePath, MasterKey.FromFile(other)));
        Assert.Contains("does not open with the master key file", wrong.Message, StringComparison.Ordinal);

        var text = File.ReadAllText(FilePath);
        File.WriteAllText(FilePath, text.Replace("\"purpose\": \"keys\"", "\"purpose\": \"audit-signing\"", StringComparison.Ordinal));
        Assert.Throws<InvalidDataException>(() => KeyFile.Open(FilePath));
        File.WriteAllText(FilePath, text);
        Assert.NotNull(KeyFile.Open(FilePath).Find("t1"));

        File.Delete(KeyFile.SigningPathFor(FilePath));
        Assert.Contains("signing key file", Assert.Throws<InvalidDataException>(() => KeyFile.Open(FilePath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_passphrase_is_stretched_with_argon2id_and_only_it_opens_the_files()
    {
        var passphrase = MasterKey.FromPassphrase("correct horse battery staple");
        var created = KeyFile.OpenOrCreate(FilePath, passphrase).GetOrCreate("t1", CryptoSuiteId.National);
        Assert.Contains("\"kind\": \"argon2id\"", File.ReadAllText(FilePath), StringComparison.Ordinal);
        Assert.Contains("\"memoryKiB\": 65536", File.ReadAllText(FilePath), StringComparison.Ordinal);

        var reopened = KeyFile.Open(FilePath, MasterKey.FromPassphrase("correct horse battery staple")).Find("t1")!;
        Assert.Equal(created.TokenKey, reopened.TokenKey);
        Assert.Throws<InvalidDataException>(() => KeyFile.Open(FilePath, MasterKey.FromPassphrase("incorrect horse battery staple")));
        Assert.Contains("sealed with a passphrase", Assert.Throws<InvalidDataException>(() => KeyFile.Open(FilePath)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => MasterKey.FromPassphrase("short"));
    }

    [Fact]
    public void A_key_file_in_clear_from_an_older_Cordon_is_sealed_when_opened_and_keeps_its_keys()
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var kek = Convert.ToBase64String(CryptoSuite.Standard.NewKey());
        var (priv, pub) = CryptoSuite.Standard.CreateSigningKey();
        var legacy = $$"""
            {"format":"cordon-keys@1","tenants":{"t1":{"suite":"standard","keks":[{"version":1,"key":"{{kek}}"}],"blindIndexKey":"{{token}}","auditKey":"{{token}}",
             "signing":{"id":"ck_old","suite":"standard","privateKey":"{{Convert.ToBase64String(priv)}}","publicKey":"{{Convert.ToBase64String(pub)}}"},"tokenKey":"{{token}}"} } }
            """;
        File.WriteAllText(FilePath, legacy);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var opened = KeyFile.Open(FilePath);

        Assert.True(opened.SealedFromPlaintext);
        Assert.DoesNotContain(token, File.ReadAllText(FilePath), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(priv), File.ReadAllText(KeyFile.SigningPathFor(FilePath)), StringComparison.Ordinal);
        var t1 = KeyFile.Open(FilePath).Find("t1")!;
        Assert.Equal(Convert.FromBase64String(token), t1.TokenKey);
        Assert.Equal("ck_old", t1.SigningKeyId);
        Assert.Equal(pub, t1.PublicKey("ck_old"));
    }
}
