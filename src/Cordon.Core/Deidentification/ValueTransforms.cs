using System.Buffers.Binary;
using System.Text;
using Cordon.Core.Crypto;

namespace Cordon.Core.Deidentification;

/// <summary>The keyed transforms of single values: pseudonyms, hashes, the per-subject date offset and noise, encryption, FHIR dates.</summary>
internal static class ValueTransforms
{
    public const int UuidLength = 36;

    private static readonly byte[] EncryptionContext = "cordon:deidentify:encrypt"u8.ToArray();

    /// <summary>MAC of a domain byte string, a 0 byte and the value, under <paramref name="key"/>.</summary>
    public static void Mac(CryptoSuite suite, byte[] key, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        using var mac = suite.CreateMac(key);
        Mac(mac, domain, value, destination);
    }

    /// <summary>MAC of a domain byte string, a 0 byte and the value, under a key set up once.</summary>
    public static void Mac(IMacKey key, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var length = domain.Length + 1 + value.Length;
        var rented = length <= 512 ? null : new byte[length];
        var input = rented ?? stackalloc byte[512];
        domain.CopyTo(input);
        input[domain.Length] = 0;
        value.CopyTo(input[(domain.Length + 1)..]);
        key.Compute(input[..length], destination);
    }

    /// <summary>The pseudonym of a resource id, as a UUID (version 8, RFC 9562) so that it is a valid FHIR id and urn:uuid.</summary>
    public static void PseudonymId(IMacKey pseudonymKey, ReadOnlySpan<byte> id, Span<byte> uuid)
    {
        Span<byte> mac = stackalloc byte[CryptoSuite.HashSize];
        Mac(pseudonymKey, "id"u8, id, mac);
        mac[6] = (byte)((mac[6] & 0x0F) | 0x80);
        mac[8] = (byte)((mac[8] & 0x3F) | 0x80);
        var at = 0;
        for (var i = 0; i < 16; i++)
        {
            if (i is 4 or 6 or 8 or 10)
            {
                uuid[at++] = (byte)'-';
            }

            Hex(mac[i], uuid[at..]);
            at += 2;
        }
    }

    public static string PseudonymId(IMacKey pseudonymKey, string id)
    {
        Span<byte> uuid = stackalloc byte[UuidLength];
        PseudonymId(pseudonymKey, Encoding.UTF8.GetBytes(id), uuid);
        return Encoding.ASCII.GetString(uuid);
    }

    /// <summary>
    /// A reference with the id pseudonymised as <see cref="PseudonymId(IMacKey, ReadOnlySpan{byte}, Span{byte})"/>:
    /// <c>urn:uuid:x</c> → <c>urn:uuid:p</c>, <c>Type/x</c> (also after a base URL, or with <c>/_history/n</c>) → <c>Type/p</c>,
    /// a local <c>#x</c> unchanged. False for a conditional reference (<c>Type?identifier=…</c>), which cannot be resolved and is removed.
    /// </summary>
    public delegate void IdPseudonym(ReadOnlySpan<byte> id, Span<byte> uuid);

    public static bool Reference(ReadOnlySpan<byte> reference, Span<byte> destination, IdPseudonym pseudonym, out int written)
    {
        written = 0;
        if (reference.IndexOf((byte)'?') >= 0)
        {
            return false;
        }

        if (reference.StartsWith("#"u8))
        {
            reference.CopyTo(destination);
            written = reference.Length;
            return true;
        }

        if (reference.StartsWith("urn:uuid:"u8) || reference.StartsWith("urn:oid:"u8))
        {
            "urn:uuid:"u8.CopyTo(destination);
            pseudonym(reference.StartsWith("urn:uuid:"u8) ? reference[9..] : reference[8..], destination[9..]);
            written = 9 + UuidLength;
            return true;
        }

        var history = reference.IndexOf("/_history/"u8);
        if (history >= 0)
        {
            reference = reference[..history];
        }

        var slash = reference.LastIndexOf((byte)'/');
        var id = reference[(slash + 1)..];
        var head = slash < 0 ? [] : reference[..slash];
        var type = head[(head.LastIndexOf((byte)'/') + 1)..];
        type.CopyTo(destination);
        written = type.Length;
        if (type.Length > 0)
        {
            destination[written++] = (byte)'/';
        }

        pseudonym(id, destination[written..]);
        written += UuidLength;
        return true;
    }

    /// <summary>An identifier value's pseudonym: 32 hex characters of the MAC under the pseudonym key.</summary>
    public static void PseudonymIdentifier(IMacKey pseudonymKey, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        Span<byte> mac = stackalloc byte[CryptoSuite.HashSize];
        Mac(pseudonymKey, "identifier"u8, value, mac);
        HexAll(mac[..16], destination);
    }

    /// <summary><c>urn:cordon:pseudonym:&lt;tenant&gt;:&lt;16 hex of the keyed MAC of the original system&gt;</c>.</summary>
    public static string PseudonymSystem(IMacKey pseudonymKey, string tenant, ReadOnlySpan<byte> system)
    {
        Span<byte> mac = stackalloc byte[CryptoSuite.HashSize];
        Mac(pseudonymKey, "system"u8, system, mac);
        return $"urn:cordon:pseudonym:{tenant}:{Convert.ToHexStringLower(mac[..8])}";
    }

    /// <summary>The keyed hash (the suite's HMAC under the hash key), 64 lower-case hex characters.</summary>
    public static void CryptoHash(DeidentificationPlan plan, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        Span<byte> mac = stackalloc byte[CryptoSuite.HashSize];
        plan.Suite.Mac(plan.Keys.Hash, value, mac);
        HexAll(mac, destination);
    }

    /// <summary>The subject's date offset in days, in [-range, +range], never 0 (a shift of nothing would reveal the dates).</summary>
    public static int DateOffset(DeidentificationPlan plan, string seed)
    {
        Span<byte> mac = stackalloc byte[CryptoSuite.HashSize];
        Mac(plan.Suite, plan.Keys.DateShift, "date-shift"u8, Encoding.UTF8.GetBytes(seed), mac);
        var range = plan.Rules.DateShiftDays;
        var offset = (int)(BinaryPrimitives.ReadUInt64BigEndian(mac) % (ulong)(2 * range)) - range;
        return offset >= 0 ? offset + 1 : offset;
    }

    /// <summary>Noise in [-1, 1) for one subject and path, the same on every run.</summary>
    public static decimal Noise(DeidentificationPlan plan, string seed, ReadOnlySpan<byte> path)
    {
        Span<byte> mac = stackalloc byte[CryptoSuite.HashSize];
        var input = Encoding.UTF8.GetBytes(seed + "\0" + Encoding.UTF8.GetString(path));
        Mac(plan.Suite, plan.Keys.Perturb, "perturb"u8, input, mac);
        var unit = (decimal)(BinaryPrimitives.ReadUInt64BigEndian(mac) >> 11) / (1UL << 53);
        return (2 * unit) - 1;
    }

    /// <summary>
    /// Encrypts under the encryption key with a synthetic nonce (the MAC of the value under the nonce key), so equal values
    /// give equal ciphertexts and a nonce never repeats for different values. Base64 of nonce, ciphertext and tag.
    /// </summary>
    public static string Encrypt(DeidentificationPlan plan, IAeadKey aead, ReadOnlySpan<byte> value)
    {
        var sealedValue = new byte[CryptoSuite.NonceSize + value.Length + CryptoSuite.TagSize];
        Span<byte> mac = stackalloc byte[CryptoSuite.HashSize];
        Mac(plan.Suite, plan.Keys.Nonce, "nonce"u8, value, mac);
        var nonce = sealedValue.AsSpan(0, CryptoSuite.NonceSize);
        mac[..CryptoSuite.NonceSize].CopyTo(nonce);
        aead.Encrypt(nonce, value, sealedValue.AsSpan(CryptoSuite.NonceSize, value.Length), sealedValue.AsSpan(CryptoSuite.NonceSize + value.Length), EncryptionContext);
        return Convert.ToBase64String(sealedValue);
    }

    public static string? Decrypt(DeidentificationPlan plan, string encrypted)
    {
        var bytes = new byte[encrypted.Length];
        if (!Convert.TryFromBase64String(encrypted, bytes, out var length) || length < CryptoSuite.NonceSize + CryptoSuite.TagSize)
        {
            return null;
        }

        var textLength = length - CryptoSuite.NonceSize - CryptoSuite.TagSize;
        var plain = new byte[textLength];
        using var aead = plan.Suite.CreateAead(plan.Keys.Encrypt);
        return aead.TryDecrypt(bytes.AsSpan(0, CryptoSuite.NonceSize), bytes.AsSpan(CryptoSuite.NonceSize, textLength), bytes.AsSpan(CryptoSuite.NonceSize + textLength, CryptoSuite.TagSize), plain, EncryptionContext)
            ? Encoding.UTF8.GetString(plain)
            : null;
    }

    /// <summary>Whether the value starts with a full FHIR date (YYYY-MM-DD, alone or followed by a time).</summary>
    public static bool StartsWithFullDate(ReadOnlySpan<byte> value)
        => value.Length >= 10 && (value.Length == 10 || value[10] == 'T')
            && value[4] == '-' && value[7] == '-'
            && Digits(value[..4]) && Digits(value.Slice(5, 2)) && Digits(value.Slice(8, 2));

    /// <summary>
    /// Moves a FHIR date, dateTime or instant by <paramref name="days"/>: the date part changes, the time and zone stay.
    /// A year-month moves by its 15th; a year alone stays. False when the value is not a FHIR date.
    /// </summary>
    public static bool ShiftDate(ReadOnlySpan<byte> value, int days, Span<byte> destination, out int written)
    {
        written = 0;
        var full = StartsWithFullDate(value);
        var yearMonth = value.Length == 7 && value[4] == '-' && Digits(value[..4]) && Digits(value[5..]);
        if (!full && !yearMonth)
        {
            if (value.Length == 4 && Digits(value))
            {
                value.CopyTo(destination);
                written = 4;
                return true;
            }

            return false;
        }

        var year = Number(value[..4]);
        var month = Number(value.Slice(5, 2));
        var day = full ? Number(value.Slice(8, 2)) : 15;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || !TryAdd(new DateOnly(year, month, day), days, out var shifted))
        {
            return false;
        }

        Write(shifted.Year, destination[..4]);
        destination[4] = (byte)'-';
        Write(shifted.Month, destination.Slice(5, 2));
        if (!full)
        {
            written = 7;
            return true;
        }

        destination[7] = (byte)'-';
        Write(shifted.Day, destination.Slice(8, 2));
        value[10..].CopyTo(destination[10..]);
        written = value.Length;
        return true;
    }

    private static int Number(ReadOnlySpan<byte> digits)
    {
        var n = 0;
        foreach (var b in digits)
        {
            n = (n * 10) + (b - '0');
        }

        return n;
    }

    private static void Write(int number, Span<byte> destination)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (number % 10));
            number /= 10;
        }
    }

    /// <summary>The first 4 (year) or 7 (year-month) characters of a FHIR date; false when it is not one or is shorter.</summary>
    public static bool Generalize(ReadOnlySpan<byte> value, DateGranularity to, out int length)
    {
        length = to == DateGranularity.Year ? 4 : 7;
        var isDate = value.Length >= 4 && Digits(value[..4]) && (value.Length == 4 || (value[4] == '-' && value.Length >= 7 && Digits(value.Slice(5, 2))));
        return isDate && value.Length >= length;
    }

    private static bool TryAdd(DateOnly date, int days, out DateOnly shifted)
    {
        var dayNumber = (long)date.DayNumber + days;
        var ok = dayNumber >= DateOnly.MinValue.DayNumber && dayNumber <= DateOnly.MaxValue.DayNumber;
        shifted = ok ? DateOnly.FromDayNumber((int)dayNumber) : default;
        return ok;
    }

    private static bool Digits(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    private static void Hex(byte b, Span<byte> destination)
    {
        const string digits = "0123456789abcdef";
        destination[0] = (byte)digits[b >> 4];
        destination[1] = (byte)digits[b & 0xF];
    }

    private static void HexAll(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            Hex(bytes[i], destination[(2 * i)..]);
        }
    }
}
