using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Cordon.Core.Json;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Cordon.Core.Care;

/// <summary>
/// The e-signature of a prescription (R54; Electronic Signature Law; Internet Diagnosis Supervision Rules 2022 Art. 19):
/// the physician signs the prescription's canonical form with the key registered for them. The canonical form is the
/// MedicationRequest without <c>meta</c> and <c>status</c> (which Cordon sets as the prescription moves on; the
/// narrative <c>text</c> is signed with the rest), object members sorted by name (ordinal), no whitespace, strings as Cordon writes JSON, numbers as written; the
/// API serves it (<c>GET /v1/prescriptions/{id}/canonical</c>), so the signer signs exactly those bytes. A key is SM2
/// (sm2p256v1, SM2 with SM3 and the default user id of GB/T 35276) or P-256 (ECDSA with SHA-256), told apart by its
/// SubjectPublicKeyInfo; a signature is DER, or for P-256 also the 64-byte r‖s.
/// </summary>
public static class PrescriptionSignature
{
    private static readonly HashSet<string> Excluded = new(StringComparer.Ordinal) { "meta", "status" };
    private static readonly ConcurrentDictionary<string, object?> Keys = new(StringComparer.Ordinal);
    private static readonly Org.BouncyCastle.Math.EC.ECCurve Sm2Curve = GMNamedCurves.GetByName("sm2p256v1").Curve;
    private const int MaxCachedKeys = 4096;

    public static byte[] Canonical(ReadOnlySpan<byte> resource)
    {
        using var document = JsonDocument.Parse(resource.ToArray());
        var buffer = new ArrayBufferWriter<byte>(resource.Length);
        using (var writer = new Utf8JsonWriter(buffer, JsonOutput.WriterOptions))
        {
            Write(writer, document.RootElement, top: true);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Whether <paramref name="signature"/> verifies over <paramref name="data"/> with the base64 SubjectPublicKeyInfo <paramref name="publicKey"/>; false for a key that is neither SM2 nor P-256.</summary>
    public static bool Verify(string publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        Guard.NotNull(publicKey);
        switch (KeyOf(publicKey))
        {
            case ECPublicKeyParameters sm2:
                var signer = new SM2Signer(StandardDsaEncoding.Instance, new SM3Digest());
                signer.Init(false, sm2);
                signer.BlockUpdate(data);
                try
                {
                    return signer.VerifySignature(signature.ToArray());
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or CryptoException)
                {
                    return false;
                }

            case P256Key p256:
                var format = signature.Length == 64 ? DSASignatureFormat.IeeeP1363FixedFieldConcatenation : DSASignatureFormat.Rfc3279DerSequence;
                lock (p256)
                {
                    try
                    {
                        return p256.Key.VerifyData(data, signature, HashAlgorithmName.SHA256, format);
                    }
                    catch (CryptographicException)
                    {
                        return false;
                    }
                }

            default:
                return false;
        }
    }

    /// <summary>"sm2", "p-256", or null for a key that is neither.</summary>
    public static string? AlgorithmOf(string publicKey) => KeyOf(publicKey) switch
    {
        ECPublicKeyParameters => "sm2",
        P256Key => "p-256",
        _ => null,
    };

    /// <summary>An imported P-256 key, kept for the next verification (importing is most of its cost); used under its own lock.</summary>
    private sealed class P256Key(ECDsa key)
    {
        public ECDsa Key { get; } = key;
    }

    /// <summary>The parsed key, cached by its text: the SM2 parameters, the imported P-256 key, or null.</summary>
    private static object? KeyOf(string publicKey)
    {
        if (Keys.TryGetValue(publicKey, out var cached))
        {
            return cached;
        }

        var parsed = Parse(publicKey);
        if (Keys.Count >= MaxCachedKeys)
        {
            Keys.Clear();
        }

        Keys[publicKey] = parsed;
        return parsed;
    }

    private static object? Parse(string publicKey)
    {
        byte[] der;
        try
        {
            der = Convert.FromBase64String(publicKey);
        }
        catch (FormatException)
        {
            return null;
        }

        try
        {
            if (PublicKeyFactory.CreateKey(der) is ECPublicKeyParameters key && key.Parameters.Curve.Equals(Sm2Curve))
            {
                return new ECPublicKeyParameters(key.Q, key.Parameters);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or IOException or SecurityUtilityException or InvalidOperationException)
        {
            // Not a key BouncyCastle reads: try it as P-256 below.
        }

        try
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(der, out _);
            if (ecdsa.ExportParameters(includePrivateParameters: false).Curve.Oid?.Value == ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                return new P256Key(ecdsa);
            }

            ecdsa.Dispose();
            return null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, bool top = false)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var members = new List<JsonProperty>();
                foreach (var member in element.EnumerateObject())
                {
                    if (!(top && Excluded.Contains(member.Name)))
                    {
                        members.Add(member);
                    }
                }

                members.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                foreach (var member in members)
                {
                    writer.WritePropertyName(member.Name);
                    Write(writer, member.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
