namespace Cordon.Core.Crypto;

/// <summary>
/// The cryptographic suite of a tenant, written into every ciphertext so that later suites and key
/// rotations still read old data.
/// </summary>
public enum CryptoSuiteId : byte
{
    /// <summary>AES-256-GCM records, SHA-256 hashes, HMAC-SHA256 blind indexes, ECDSA P-256 checkpoints.</summary>
    Standard = 1,

    /// <summary>The national suite: SM4-GCM records, SM3 hashes, HMAC-SM3 blind indexes, SM2 checkpoints.</summary>
    National = 2,
}
