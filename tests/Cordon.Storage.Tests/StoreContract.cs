using System.Security.Cryptography;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Crypto;
using Cordon.Core.Subjects;

namespace Cordon.Storage.Tests;

/// <summary>
/// The storage contract. Every engine passes this same suite: SQLite and PostgreSQL each subclass it.
/// Each test class instance works on its own fresh database.
/// </summary>
public abstract partial class StoreContract : IAsyncLifetime
{
    protected const string Tenant = "t1";
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
    private readonly KeyPairForTests _keys = new();
    private ICordonStore? _store;

    protected ICordonStore Store => _store ?? throw new InvalidOperationException("not initialised");

    public async ValueTask InitializeAsync()
    {
        _store = await OpenStoreAsync();
        await Store.PutTenantAsync(new TenantRow(Tenant, "Test hospital", CryptoSuiteId.Standard, 4, "schema: test", "h1", T0), Audit("tenant.create", null), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        await CleanupAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Opens the test's store: a fresh database, or (<paramref name="reopen"/>) the same one again.</summary>
    protected abstract Task<ICordonStore> OpenStoreAsync(bool reopen = false);

    /// <summary>Runs a query that answers one number directly against the database.</summary>
    protected abstract Task<long> ScalarAsync(string sql);

    /// <summary>Runs SQL directly against the database, as an attacker with file or superuser access would.</summary>
    protected abstract Task ExecuteRawAsync(string sql);

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_write_whose_token_is_cancelled_before_it_runs_is_dropped_and_one_taken_runs_to_the_end()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var before = await ScalarAsync("SELECT COUNT(*) FROM audit_entries");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.AppendAsync(Audit("record.read", "sub_c"), cancelled.Token));

        Assert.Equal(before, await ScalarAsync("SELECT COUNT(*) FROM audit_entries"));
        await Store.AppendAsync(Audit("record.read", "sub_c"), CancellationToken.None);
        Assert.Equal(before + 1, await ScalarAsync("SELECT COUNT(*) FROM audit_entries"));
    }

    [Fact]
    public async Task Migrations_run_once_and_reopen_cleanly()
    {
        await Store.MigrateAsync(default);
        Assert.True(await Store.PingAsync(default));
        Assert.NotNull(await Store.GetTenantAsync(Tenant, default));
    }

    protected async Task<ChainVerification> VerifyAsync()
    {
        var verifier = new ChainVerifier(CryptoSuite.Standard, Tenant);
        verifier.AddCheckpoints(await Store.GetCheckpointsAsync(Tenant, default), id => id == _keys.Id ? _keys.Public : null);
        verifier.AddLaneHeads(await Store.GetLaneHeadsAsync(Tenant, default));
        await foreach (var entry in Store.ReadChainAsync(Tenant, default))
        {
            verifier.Add(entry);
        }

        return verifier.Complete();
    }

    private async Task CheckpointAsync()
    {
        var heads = await Store.GetLaneHeadsAsync(Tenant, default);
        await Store.AppendCheckpointAsync(Checkpoint.Create(CryptoSuite.Standard, _keys.Private, _keys.Id, Tenant, T0.AddHours(1), heads), default);
    }

    private async Task WriteEntriesAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Store.AppendAsync(Audit("record.read", i % 2 == 0 ? null : $"sub_{i}"), default);
        }
    }

    private async Task<long> CountAuditAsync()
    {
        long count = 0;
        await foreach (var _ in Store.ReadChainAsync(Tenant, default))
        {
            count++;
        }

        return count;
    }

    private async Task<int> CountEntriesAsync()
    {
        var count = 0;
        await foreach (var _ in Store.ReadChainAsync(Tenant, default))
        {
            count++;
        }

        return count;
    }

    private async Task<string> CreateSubjectAsync(string id)
    {
        var subject = Subject(id);
        Assert.Equal(WriteStatus.Done, await Store.CreateSubjectAsync(subject, Key(id), [], Audit("subject.create", id), default));
        return id;
    }

    private static string Hex(byte[] bytes) => $"X'{Convert.ToHexString(bytes)}'";

    private static string Text(string? value) => value is null ? "NULL" : $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";

    private static void AssertSameDraft(AuditDraft expected, AuditDraft actual)
    {
        Assert.Equal(expected.Tenant, actual.Tenant);
        Assert.Equal(expected.Time, actual.Time);
        Assert.Equal(expected.ActorId, actual.ActorId);
        Assert.Equal(expected.ActorRole, actual.ActorRole);
        Assert.Equal(expected.Purpose, actual.Purpose);
        Assert.Equal(expected.Action, actual.Action);
        Assert.Equal(expected.SubjectId, actual.SubjectId);
        Assert.Equal(expected.RecordIds, actual.RecordIds);
        Assert.Equal(expected.Outcome, actual.Outcome);
        Assert.Equal(expected.Code, actual.Code);
        Assert.Equal(expected.Rules, actual.Rules);
        Assert.Equal(expected.ClientAddress, actual.ClientAddress);
        Assert.Equal(expected.RequestId, actual.RequestId);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.SealedNote, actual.SealedNote);
    }

    private static SubjectRow Subject(string id) => new()
    {
        Tenant = Tenant,
        Id = id,
        State = SubjectState.Active,
        CreatedAt = T0,
        UpdatedAt = T0,
        KeyVersion = 1,
        Sealed = RandomNumberGenerator.GetBytes(64),
    };

    private static SubjectKeyRow Key(string subject) => new(Tenant, subject, 1, RandomNumberGenerator.GetBytes(66), T0);

    private static LookupRow Lookup(string kind, string value, string subject) => new(Tenant, kind, Hash(value), subject, null);

    private static byte[] Hash(string value) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value))[..16];

    private static RecordRow Record(string id, string subject, string type, int version) => new()
    {
        Tenant = Tenant,
        Id = id,
        SubjectId = subject,
        Type = type,
        Version = version,
        Level = 4,
        Purpose = "consultation",
        CreatedAt = T0,
        UpdatedAt = T0.AddMinutes(version),
        Sealed = SealUnderKey1(new RecordBinding(Tenant, subject, id, type, version), RandomNumberGenerator.GetBytes(64)),
    };

    /// <summary>Stores accept a record only sealed under its subject's current key version (1 in these tests); the key itself does not matter here.</summary>
    private static byte[] SealUnderKey1(RecordBinding binding, byte[] payload)
    {
        using var cipher = new RecordCipher(CryptoSuiteId.Standard, RandomNumberGenerator.GetBytes(32), 1);
        return cipher.Seal(binding, payload);
    }

    private static ConsentEvent Consent(string id, string subject, ConsentAction action) => new()
    {
        Id = id,
        Tenant = Tenant,
        SubjectId = subject,
        Purpose = "consultation",
        Action = action,
        GivenBy = ConsentGiver.Self,
        NoticeVersion = "v1",
        PurposeFingerprint = "f1",
        Channel = "app",
        ActorId = "app",
        Time = T0,
    };

    /// <summary>An entry's place in the chain: what an appended entry and the same entry read back share.</summary>
    protected static (int Lane, long Seq) Position(AuditEntry entry) => (entry.Lane, entry.Seq);

    protected static AuditDraft Audit(string action, string? subject) => new()
    {
        Tenant = Tenant,
        Time = T0,
        ActorId = "app-backend",
        ActorRole = "app",
        Purpose = "consultation",
        Action = action,
        SubjectId = subject,
        Outcome = AuditOutcome.Done,
    };

    private sealed class KeyPairForTests
    {
        public KeyPairForTests() => (Private, Public) = CryptoSuite.Standard.CreateSigningKey();

        public string Id { get; } = "ck_test";

        public byte[] Private { get; }

        public byte[] Public { get; }
    }
}
