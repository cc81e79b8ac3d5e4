using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cordon.Load;

/// <summary>
/// A minimal HTTP/1.1 keep-alive client over a socket: it sends prebuilt request bytes and reads one response
/// (Content-Length or chunked), returning the status. It does no header parsing beyond that, so the driver spends
/// as little of the two cores as possible (HttpClient would take a large share of a 2-core machine).
/// </summary>
internal sealed class RawHttp : IDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] ContentLength = "content-length:"u8.ToArray();
    private static readonly byte[] Chunked = "transfer-encoding: chunked"u8.ToArray();

    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttp(Socket socket) => _socket = socket;

    public static async Task<RawHttp> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return new RawHttp(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one request and reads its whole response; returns the status code.</summary>
    public async ValueTask<int> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        while (!request.IsEmpty)
        {
            var sent = await _socket.SendAsync(request, SocketFlags.None, cancellationToken);
            request = request[sent..];
        }

        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf(HeaderEnd)) < 0)
        {
            await FillAsync(cancellationToken);
        }

        var head = _buffer.AsSpan(_start, headerEnd);
        if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
        {
            throw new InvalidDataException("Not an HTTP/1.1 response.");
        }

        var length = -1;
        var chunked = false;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            if (StartsWithIgnoreCase(line, ContentLength))
            {
                Utf8Parser.TryParse(line[ContentLength.Length..].Trim((byte)' '), out length, out _);
            }
            else if (StartsWithIgnoreCase(line, Chunked))
            {
                chunked = true;
            }
        }

        _start += headerEnd + HeaderEnd.Length;
        if (chunked)
        {
            await SkipChunkedAsync(cancellationToken);
        }
        else if (length > 0)
        {
            while (_end - _start < length)
            {
                await FillAsync(cancellationToken);
            }

            _start += length;
        }

        if (_start == _end)
        {
            _start = _end = 0;
        }

        return status;
    }

    public void Dispose() => _socket.Dispose();

    private async ValueTask SkipChunkedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
            {
                await FillAsync(cancellationToken);
            }

            var sizeText = _buffer.AsSpan(_start, lineEnd);
            var semicolon = sizeText.IndexOf((byte)';');
            if (semicolon >= 0)
            {
                sizeText = sizeText[..semicolon];
            }

            if (!Utf8Parser.TryParse(sizeText, out int size, out _, 'x'))
            {
                throw new InvalidDataException("Bad chunk size.");
            }

            _start += lineEnd + 2;
            while (_end - _start < size + 2)
            {
                await FillAsync(cancellationToken);
            }

            _start += size + 2;
            if (size == 0)
            {
                return;
            }
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }

        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (read == 0)
        {
            throw new IOException("The server closed the connection.");
        }

        _end += read;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> line, ReadOnlySpan<byte> prefix)
    {
        if (line.Length < prefix.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            var c = line[i];
            if (c is >= (byte)'A' and <= (byte)'Z')
            {
                c = (byte)(c + 32);
            }

            if (c != prefix[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Builds the bytes of a request with the headers Cordon needs.</summary>
    public static byte[] Request(string method, string path, string host, string? token, string? purpose = null, byte[]? body = null)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\nHost: ").Append(host).Append("\r\n");
        if (token is not null)
        {
            head.Append("Authorization: Bearer ").Append(token).Append("\r\n");
        }

        if (purpose is not null)
        {
            head.Append("X-Purpose: ").Append(purpose).Append("\r\n");
        }

        if (body is not null)
        {
            head.Append("Content-Type: application/json\r\nContent-Length: ").Append(body.Length).Append("\r\n");
        }

        head.Append("\r\n");
        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
        return body is null ? headBytes : [.. headBytes, .. body];
    }
}
