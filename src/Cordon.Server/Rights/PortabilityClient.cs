using System.Net;
using System.Net.Sockets;

namespace Cordon.Server.Rights;

/// <summary>Delivers portability Bundles to another processor's endpoint over HTTP.</summary>
public sealed class PortabilityClient(HttpClient http, bool allowInsecureTargets)
{
    public sealed record Result(bool Ok, string Detail);

    /// <summary>
    /// The client Cordon delivers with. Unless insecure targets are allowed, it connects only to public addresses,
    /// checked on the address actually connected to, so a name that resolves differently later (DNS rebinding) cannot
    /// reach the operator's own network.
    /// </summary>
    public static PortabilityClient Create(bool allowInsecureTargets)
        => new(new HttpClient(CreateHandler(allowInsecureTargets)) { Timeout = TimeSpan.FromSeconds(30) }, allowInsecureTargets);

    /// <summary>The handler of every delivery Cordon makes (portability, disclosures): no redirects, and public addresses only unless insecure targets are allowed.</summary>
    internal static SocketsHttpHandler CreateHandler(bool allowInsecureTargets)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), AllowAutoRedirect = false };
        if (!allowInsecureTargets)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
                var target = addresses.FirstOrDefault(IsPublic) ?? throw new HttpRequestException("The destination does not resolve to a public address.");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return handler;
    }

    /// <summary>The endpoint if it may be called: https to a public address (or anything, where the operator allowed it for tests).</summary>
    public async Task<Uri?> CheckAsync(string endpoint, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || endpoint.Length > 2000 || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        if (allowInsecureTargets)
        {
            return uri;
        }

        if (uri.Scheme != "https")
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.DnsSafeHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.DnsSafeHost, cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }

        return addresses.Length > 0 && addresses.All(IsPublic) ? uri : null;
    }

    public async Task<Result> DeliverAsync(Uri target, byte[] bundle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                using var content = new ByteArrayContent(bundle);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(SubjectExport.FhirContentType);
                using var response = await http.PostAsync(target, content, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return new Result(true, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    return new Result(false, "HTTP " + (int)response.StatusCode);
                }
            }
            catch (HttpRequestException ex)
            {
                if (attempt == 3)
                {
                    return new Result(false, ex.HttpRequestError.ToString());
                }
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt == 3)
                {
                    return new Result(false, "timeout");
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt * attempt), cancellationToken);
        }

        return new Result(false, "no success after 3 attempts");
    }

    /// <summary>
    /// Globally routable unicast only (an allow-list): IPv4 outside the private, shared, loopback, link-local, benchmark,
    /// documentation and multicast ranges; IPv6 in 2000::/3 outside 6to4, Teredo and documentation (so <c>::</c>, NAT64,
    /// unique-local and link-local addresses are refused).
    /// </summary>
    private static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }

        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var globalUnicast = (b[0] & 0xE0) == 0x20;
            var sixToFour = b[0] == 0x20 && b[1] == 0x02;
            var teredoOrDocumentation = b[0] == 0x20 && b[1] == 0x01 && ((b[2] == 0x00 && b[3] == 0x00) || (b[2] == 0x0D && b[3] == 0xB8));
            return globalUnicast && !sixToFour && !teredoOrDocumentation;
        }

        return address.AddressFamily == AddressFamily.InterNetwork && !(
            b[0] is 0 or 10 or 127 || b[0] >= 224
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
            || (b[0] == 198 && b[1] is 18 or 19)
            || (b[0] == 198 && b[1] == 51 && b[2] == 100)
            || (b[0] == 203 && b[1] == 0 && b[2] == 113));
    }

}
