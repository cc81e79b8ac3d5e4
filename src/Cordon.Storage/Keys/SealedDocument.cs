using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cordon.Storage.Keys;

/// <summary>
/// A key file on disk: a small JSON header in clear (format, the master key's id, how the wrapping key is derived, a
/// salt and nonce) and the keys themselves sealed with AES-256-GCM under HKDF(master, salt, purpose). The header is the
/// associated data, so neither it nor the purpose can be changed or swapped without the file failing to open.
/// </summary>
internal static class SealedDocument
{
    public const string Format = "cordon-keys@2";

    /// <summary>What two key files of one data directory share: the master key's id and derivation.</summary>
    public sealed record Header(string MasterId, MasterKdf Kdf);

    public static void Write(string path, string purpose, Header header, MasterKey master, byte[] plaintext)
    {
        var salt = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var key = master.Derive(header.Kdf, salt, purpose);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        try
        {
            using var aes = new AesGcm(key, 16);
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(purpose, header, salt));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var dto = new FileDto
        {
            Format = Format,
            Purpose = purpose,
            MasterId = header.MasterId,
            Kdf = new KdfDto
            {
                Kind = header.Kdf.Kind,
                Salt = header.Kdf.Salt is null ? null : Convert.ToBase64String(header.Kdf.Salt),
                MemoryKiB = header.Kdf.Salt is null ? null : header.Kdf.MemoryKiB,
                Iterations = header.Kdf.Salt is null ? null : header.Kdf.Iterations,
                Parallelism = header.Kdf.Salt is null ? null : header.Kdf.Parallelism,
            },
            Salt = Convert.ToBase64String(salt),
            Nonce = Convert.ToBase64String(nonce),
            Sealed = Convert.ToBase64String([.. ciphertext, .. tag]),
        };
        WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(dto, KeyJson.Options));
    }

    public static Header ReadHeader(byte[] bytes, string path)
    {
        var dto = Parse(bytes, path);
        return new Header(dto.MasterId, Kdf(dto, path));
    }

    /// <summary>Opens the sealed keys; a wrong master key or any change to the file is refused with what to do.</summary>
    public static byte[] Open(byte[] bytes, string path, string purpose, MasterKey master)
    {
        var dto = Parse(bytes, path);
        if (!string.Equals(dto.Purpose, purpose, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path} holds {dto.Purpose} keys, not {purpose} keys.");
        }

        var header = new Header(dto.MasterId, Kdf(dto, path));
        byte[] salt, nonce, sealedBytes;
        try
        {
            salt = Convert.FromBase64String(dto.Salt);
            nonce = Convert.FromBase64String(dto.Nonce);
            sealedBytes = Convert.FromBase64String(dto.Sealed);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"The key file {path} is not valid.");
        }

        if (nonce.Length != 12 || sealedBytes.Length < 16)
        {
            throw new InvalidDataException($"The key file {path} is not valid.");
        }

        var key = master.Derive(header.Kdf, salt, purpose);
        var plaintext = new byte[sealedBytes.Length - 16];
        try
        {
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(nonce, sealedBytes.AsSpan(0, plaintext.Length), sealedBytes.AsSpan(plaintext.Length), plaintext, AssociatedData(purpose, header, salt));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new InvalidDataException($"The key file {path} does not open with {master.Description}: a different master key, or the file was changed.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static FileDto Parse(byte[] bytes, string path)
    {
        try
        {
            var dto = JsonSerializer.Deserialize<FileDto>(bytes, KeyJson.Options);
            if (dto is null || !string.Equals(dto.Format, Format, StringComparison.Ordinal) || string.IsNullOrEmpty(dto.MasterId) || dto.Kdf is null)
            {
                throw new InvalidDataException($"The key file {path} has an unknown format.");
            }

            return dto;
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"The key file {path} is not valid.");
        }
    }

    private static MasterKdf Kdf(FileDto dto, string path)
    {
        var k = dto.Kdf!;
        try
        {
            return new MasterKdf(k.Kind, k.Salt is null ? null : Convert.FromBase64String(k.Salt), k.MemoryKiB ?? 0, k.Iterations ?? 0, k.Parallelism ?? 0);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"The key file {path} is not valid.");
        }
    }

    private static byte[] AssociatedData(string purpose, Header header, byte[] salt)
    {
        var text = string.Join('|', Format, purpose, header.MasterId, header.Kdf.Kind, header.Kdf.Salt is null ? string.Empty : Convert.ToBase64String(header.Kdf.Salt), header.Kdf.MemoryKiB, header.Kdf.Iterations, header.Kdf.Parallelism, Convert.ToBase64String(salt));
        return Encoding.UTF8.GetBytes(text);
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        PrivateFiles.EnsureDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFiles.FileMode;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    private sealed class FileDto
    {
        public string Format { get; set; } = string.Empty;

        public string Purpose { get; set; } = string.Empty;

        public string MasterId { get; set; } = string.Empty;

        public KdfDto? Kdf { get; set; }

        public string Salt { get; set; } = string.Empty;

        public string Nonce { get; set; } = string.Empty;

        public string Sealed { get; set; } = string.Empty;
    }

    private sealed class KdfDto
    {
        public string Kind { get; set; } = string.Empty;

        public string? Salt { get; set; }

        public int? MemoryKiB { get; set; }

        public int? Iterations { get; set; }

        public int? Parallelism { get; set; }
    }
}

internal static class KeyJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
