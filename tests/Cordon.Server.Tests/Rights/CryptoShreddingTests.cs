using System.Net;
using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Access;
using Cordon.Core.Crypto;
using Microsoft.Data.Sqlite;

namespace Cordon.Server.Tests.Rights;

/// <summary>
/// Crypto-shredding on the embedded store: after a deletion, the subject's data cannot be recovered from the database
/// file, nor from a copy of the database taken before the deletion — the keys that could open it are gone, and a copy of
/// <c>cordon.db</c> never held them (they live in <c>cordon.keys.db</c>).
/// </summary>
public sealed class CryptoShreddingTests : ServerTest
{
    private const string Marker = "MARKER-shred-5e1d";

    [Fact]
    public async Task After_cancellation_neither_the_database_nor_a_copy_taken_before_can_be_opened_for_the_subject()
    {
        var subject = await Server.CreateSubjectAsync(displayName: "孙七");
        await Server.GrantAsync(subject, "appointment");
        var record = await Server.WriteAsync(subject, "appointment", new { resourceType = "Patient", name = new[] { new { text = "孙七 " + Marker } } });
        var keyBefore = (await Server.Host.Store.GetSubjectKeyAsync(CordonServer.Tenant, subject, 1, CancellationToken.None))!;
        var sealedBefore = (await Server.Host.Store.GetRecordAsync(CordonServer.Tenant, record, CancellationToken.None))!.Sealed;

        // While the key exists, the record opens: the test below would catch a key that survived.
        Assert.Contains(Marker, Open(keyBefore.Wrapped, subject, record, sealedBefore), StringComparison.Ordinal);

        var backup = CopyDatabase("before");
        Assert.DoesNotContain(Files(backup), f => Path.GetFileName(f).Contains("keys", StringComparison.Ordinal));
        Assert.True(IndexOf(await ReadAllAsync(Files(backup)), keyBefore.Wrapped) < 0, "a copy of cordon.db must never hold a subject key");

        var (response, body) = await Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", Server.Token(Role.Patient, "p-" + subject, subject), json: new { subjectId = subject, kind = "cancellation" });
        Assert.True(response.StatusCode == HttpStatusCode.Created, body?.ToJsonString());
        Assert.Equal("completed", body!["status"]!.GetValue<string>());

        // The live files: no trace of the wrapped key, the marker, or the record's ciphertext.
        var live = Files(Server.Directory);
        var bytes = await ReadAllAsync(live);
        Assert.True(IndexOf(bytes, keyBefore.Wrapped) < 0, "the wrapped key survived in the live files");
        Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes(Marker)) < 0);
        Assert.Null(await Server.Host.Store.GetSubjectKeyAsync(CordonServer.Tenant, subject, 1, CancellationToken.None));

        // The backup still holds the ciphertext, but no key the tenant has left opens it.
        using (var copy = new SqliteConnection($"Data Source={Path.Combine(backup, "cordon.db")};Mode=ReadOnly;Pooling=False"))
        {
            await copy.OpenAsync();
            using var cmd = copy.CreateCommand();
            cmd.CommandText = "SELECT sealed FROM records WHERE id = $id";
            cmd.Parameters.AddWithValue("$id", record);
            var fromBackup = (byte[])(await cmd.ExecuteScalarAsync())!;
            Assert.Equal(sealedBefore, fromBackup);
            using var keys = copy.CreateCommand();
            keys.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'subject_keys'";
            Assert.Equal(0L, (long)(await keys.ExecuteScalarAsync())!);
        }

        var remaining = await RemainingWrappedKeysAsync();
        Assert.DoesNotContain(remaining, k => k.AsSpan().SequenceEqual(keyBefore.Wrapped));
        foreach (var wrapped in remaining)
        {
            Assert.Throws<AuthenticationTagMismatchException>(() => Open(wrapped, subject, record, sealedBefore));
        }
    }

    private string Open(byte[] wrapped, string subject, string record, byte[] sealedRecord)
    {
        var keys = Server.TenantContext.Keys;
        var dataKey = Envelope.UnwrapDataKey(keys.Kek(Envelope.WrappedKeyVersion(wrapped))!, wrapped, CordonServer.Tenant, subject, 1);
        using var cipher = new RecordCipher(keys.Suite, dataKey, 1);
        return Encoding.UTF8.GetString(cipher.Open(new RecordBinding(CordonServer.Tenant, subject, record, "Patient", 1), sealedRecord));
    }

    /// <summary>Every wrapped key still in the key store, of any subject.</summary>
    private async Task<List<byte[]>> RemainingWrappedKeysAsync()
    {
        var list = new List<byte[]>();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(Server.Directory, "cordon.keys.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT wrapped FROM subject_keys";
        using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add((byte[])reader.GetValue(0));
        }

        return list;
    }

    /// <summary>A file-level copy of the database (with its write-ahead log), as a backup tool would take it.</summary>
    private string CopyDatabase(string name)
    {
        var target = Path.Combine(Server.Directory, "..", Path.GetFileName(Server.Directory) + "-" + name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Server.Directory, "cordon.db*"))
        {
            using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = File.Create(Path.Combine(target, Path.GetFileName(file)));
            source.CopyTo(copy);
        }

        return target;
    }

    private static string[] Files(string directory) => Directory.GetFiles(directory, "cordon*");

    private static async Task<byte[]> ReadAllAsync(IEnumerable<string> files)
    {
        using var all = new MemoryStream();
        foreach (var file in files)
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            await stream.CopyToAsync(all);
        }

        return all.ToArray();
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
