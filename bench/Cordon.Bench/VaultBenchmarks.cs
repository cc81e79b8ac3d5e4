using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Cordon.Core.Crypto;

namespace Cordon.Bench;

/// <summary>
/// Sealing and opening a 1 KiB record with the subject's data key, against bare <see cref="AesGcm"/> on the
/// same bytes (the baseline). The vault adds a header, a random nonce and the bound associated data.
/// </summary>
[MemoryDiagnoser]
public class VaultBenchmarks
{
    private readonly byte[] _plaintext = RandomNumberGenerator.GetBytes(1024);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(12);
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _ciphertext = new byte[1024];
    private readonly byte[] _opened = new byte[1024];
    private readonly byte[] _sealed = new byte[1024 + RecordCipher.Overhead];
    private readonly byte[] _sealedSm4 = new byte[1024 + RecordCipher.Overhead];
    private readonly RecordBinding _binding = new("tenant-a", "sub_0123456789abcdef", "rec_0123456789abcdef", "Observation", 1);
    private AesGcm _aes = null!;
    private RecordCipher _standard = null!;
    private RecordCipher _national = null!;

    [GlobalSetup]
    public void Setup()
    {
        _aes = new AesGcm(_key, 16);
        _standard = new RecordCipher(CryptoSuiteId.Standard, _key, 1);
        _national = new RecordCipher(CryptoSuiteId.National, _key.AsSpan(0, 16), 1);
        _standard.Seal(_binding, _plaintext, _sealed);
        _national.Seal(_binding, _plaintext, _sealedSm4);
        _aes.Encrypt(_nonce, _plaintext, _ciphertext, _tag);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aes.Dispose();
        _standard.Dispose();
        _national.Dispose();
    }

    [Benchmark(Baseline = true, Description = "bare AesGcm encrypt 1 KiB")]
    [BenchmarkCategory("seal")]
    public void BareAesGcmEncrypt() => _aes.Encrypt(_nonce, _plaintext, _ciphertext, _tag);

    [Benchmark(Description = "vault seal 1 KiB (AES-256-GCM)")]
    [BenchmarkCategory("seal")]
    public int SealStandard() => _standard.Seal(_binding, _plaintext, _sealed);

    [Benchmark(Description = "vault seal 1 KiB (SM4-GCM)")]
    [BenchmarkCategory("seal")]
    public int SealNational() => _national.Seal(_binding, _plaintext, _sealedSm4);

    [Benchmark(Description = "bare AesGcm decrypt 1 KiB")]
    [BenchmarkCategory("open")]
    public void BareAesGcmDecrypt() => _aes.Decrypt(_nonce, _ciphertext, _tag, _opened);

    [Benchmark(Description = "vault open 1 KiB (AES-256-GCM)")]
    [BenchmarkCategory("open")]
    public bool OpenStandard() => _standard.TryOpen(_binding, _sealed, _opened);

    [Benchmark(Description = "vault open 1 KiB (SM4-GCM)")]
    [BenchmarkCategory("open")]
    public bool OpenNational() => _national.TryOpen(_binding, _sealedSm4, _opened);
}
