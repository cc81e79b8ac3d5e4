using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cordon.Core.Crypto;
using Cordon.Core.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Subjects;

/// <summary>What identifies a subject, kept sealed under the subject's own data key.</summary>
public sealed record SubjectProfile(string ExternalId, DateOnly BirthDate, string? DisplayName);

/// <summary>A subject opened for one request: its row, its unsealed profile and a cipher over its data key.</summary>
public sealed class OpenSubject : IDisposable
{
    internal OpenSubject(SubjectRow row, SubjectProfile profile, RecordCipher cipher)
    {
        Row = row;
        Profile = profile;
        Cipher = cipher;
    }

    public SubjectRow Row { get; }

    public SubjectProfile Profile { get; }

    public RecordCipher Cipher { get; }

    public string Id => Row.Id;

    public int AgeOn(DateOnly today) => Age.YearsOn(Profile.BirthDate, today);

    public void Dispose() => Cipher.Dispose();
}

/// <summary>Creates subjects (with a fresh data key) and opens them (unwrapping the key).</summary>
public static class SubjectVault
{
    private const string ProfileType = "Subject";
    private const string ProfileRecord = "profile";

    public static string NewId(string prefix) => prefix + "_" + Base32(RandomNumberGenerator.GetBytes(10));

    /// <summary>Builds the rows for a new subject: sealed profile, wrapped data key, external-id lookup.</summary>
    public static (SubjectRow Row, SubjectKeyRow Key, LookupRow ExternalIdLookup) Create(TenantContext tenant, string id, SubjectProfile profile, string? guardianId, DateTimeOffset now)
    {
        var (row, key, lookup, opened) = CreateOpened(tenant, id, profile, guardianId, now);
        opened.Dispose();
        return (row, key, lookup);
    }

    /// <summary>
    /// Builds the rows for a new subject and keeps it open (a cipher over its fresh data key), so that a bulk writer
    /// can seal the subject's records without reading back and unwrapping the key it has just made. The caller disposes it.
    /// </summary>
    internal static (SubjectRow Row, SubjectKeyRow Key, LookupRow ExternalIdLookup, OpenSubject Opened) CreateOpened(TenantContext tenant, string id, SubjectProfile profile, string? guardianId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(profile);
        var dataKey = tenant.Suite.NewKey();
        try
        {
            var wrapped = Envelope.WrapDataKey(tenant.Keys.CurrentKek, dataKey, tenant.Id, id, 1);
            var cipher = new RecordCipher(tenant.Suite.Id, dataKey, 1);
            var sealedProfile = cipher.Seal(Binding(tenant.Id, id), JsonSerializer.SerializeToUtf8Bytes(profile, SubjectJson.Default.SubjectProfile));
            var row = new SubjectRow
            {
                Tenant = tenant.Id,
                Id = id,
                State = SubjectState.Active,
                GuardianId = guardianId,
                CreatedAt = now,
                UpdatedAt = now,
                KeyVersion = 1,
                Sealed = sealedProfile,
            };
            var lookup = new LookupRow(tenant.Id, "external-id", tenant.Indexer.Compute("external-id", profile.ExternalId), id, null);
            return (row, new SubjectKeyRow(tenant.Id, id, 1, wrapped, now), lookup, new OpenSubject(row, profile, cipher));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Opens a subject; null when it does not exist (or its key was destroyed).</summary>
    public static async Task<OpenSubject?> OpenAsync(TenantContext tenant, ISubjectStore store, string subjectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(store);
        if (!IsWellFormedId(subjectId, "sub"))
        {
            return null;
        }

        return await store.GetSubjectWithKeyAsync(tenant.Id, subjectId, cancellationToken) is var (row, keyRow) ? Open(tenant, row, keyRow) : null;
    }

    /// <summary>Opens a subject from its row and wrapped key, read together with something else (a record).</summary>
    public static OpenSubject Open(TenantContext tenant, SubjectRow row, SubjectKeyRow keyRow)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(keyRow);
        var subjectId = row.Id;
        var kek = tenant.Keys.Kek(Envelope.WrappedKeyVersion(keyRow.Wrapped))
            ?? throw new CryptographicException("The key file lacks the key-encryption key this subject was wrapped with.");
        var dataKey = Envelope.UnwrapDataKey(kek, keyRow.Wrapped, tenant.Id, subjectId, keyRow.Version);
        try
        {
            var (suite, _) = RecordCipher.ReadHeader(row.Sealed);
            var cipher = new RecordCipher(suite, dataKey, keyRow.Version);
            return new OpenSubject(row, ReadProfile(cipher.Open(Binding(tenant.Id, subjectId), row.Sealed)), cipher);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// A profile as <see cref="SubjectJson"/> writes it, read in one pass of <see cref="Utf8JsonReader"/>: every read of
    /// a record opens its subject, and the generated deserializer (a record with a constructor) cost ~2 % of a read.
    /// </summary>
    internal static SubjectProfile ReadProfile(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        string? externalId = null, displayName = null;
        DateOnly? birthDate = null;
        Span<char> text = stackalloc char[16];
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new CryptographicException("The subject profile is not an object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("externalId"u8))
            {
                reader.Read();
                externalId = reader.GetString();
            }
            else if (reader.ValueTextEquals("birthDate"u8))
            {
                reader.Read();
                birthDate = reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length <= 16
                    && DateOnly.TryParseExact(text[..reader.CopyString(text)], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? date
                    : null;
            }
            else if (reader.ValueTextEquals("displayName"u8))
            {
                reader.Read();
                displayName = reader.GetString();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return externalId is not null && birthDate is { } birth
            ? new SubjectProfile(externalId, birth, displayName)
            : throw new CryptographicException("The subject profile lacks its external id or birth date.");
    }

    /// <summary>A new data key for an existing subject (re-keying on erasure): the wrapped row and a cipher over the key. The caller disposes the cipher.</summary>
    internal static (SubjectKeyRow Key, RecordCipher Cipher) NewKey(TenantContext tenant, string subjectId, int version, DateTimeOffset now)
    {
        var dataKey = tenant.Suite.NewKey();
        try
        {
            var wrapped = Envelope.WrapDataKey(tenant.Keys.CurrentKek, dataKey, tenant.Id, subjectId, version);
            return (new SubjectKeyRow(tenant.Id, subjectId, version, wrapped, now), new RecordCipher(tenant.Suite.Id, dataKey, version));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Seals a subject's identity under a cipher (a new key on re-keying).</summary>
    internal static byte[] SealProfile(string tenant, string subjectId, RecordCipher cipher, SubjectProfile profile)
        => cipher.Seal(Binding(tenant, subjectId), JsonSerializer.SerializeToUtf8Bytes(profile, SubjectJson.Default.SubjectProfile));

    /// <summary>Ids are generated: a prefix, an underscore and 16 base-32 characters. Anything else is not an id.</summary>
    public static bool IsWellFormedId(string? id, string prefix)
    {
        if (id is null || id.Length != prefix.Length + 17 || !id.StartsWith(prefix, StringComparison.Ordinal) || id[prefix.Length] != '_')
        {
            return false;
        }

        foreach (var c in id.AsSpan(prefix.Length + 1))
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    private static RecordBinding Binding(string tenant, string subject) => new(tenant, subject, ProfileRecord, ProfileType, 1);

    private static string Base32(byte[] bytes)
    {
        Span<char> chars = stackalloc char[16];
        ulong hi = 0;
        for (var i = 0; i < 5; i++)
        {
            hi = (hi << 8) | bytes[i];
        }

        ulong lo = 0;
        for (var i = 5; i < 10; i++)
        {
            lo = (lo << 8) | bytes[i];
        }

        for (var i = 7; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(hi & 31)];
            hi >>= 5;
            chars[i + 8] = Alphabet[(int)(lo & 31)];
            lo >>= 5;
        }

        return new string(chars);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SubjectProfile))]
internal sealed partial class SubjectJson : JsonSerializerContext;
