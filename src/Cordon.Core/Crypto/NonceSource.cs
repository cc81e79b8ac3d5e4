using System.Security.Cryptography;

namespace Cordon.Core.Crypto;

/// <summary>
/// Random nonces from the system CSPRNG, drawn in 4 KiB blocks per thread so that sealing a record does not pay
/// for a call into the random generator each time. The bytes are exactly as random; each is used once.
/// </summary>
internal static class NonceSource
{
    private const int BlockSize = 4096;

    [ThreadStatic]
    private static byte[]? _block;

    [ThreadStatic]
    private static int _used;

    public static void Fill(Span<byte> destination)
    {
        var block = _block;
        if (block is null || _used + destination.Length > BlockSize)
        {
            block = _block ??= new byte[BlockSize];
            RandomNumberGenerator.Fill(block);
            _used = 0;
        }

        var source = block.AsSpan(_used, destination.Length);
        source.CopyTo(destination);
        source.Clear();
        _used += destination.Length;
    }
}
