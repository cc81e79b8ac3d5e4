using System.Net.Security;
using System.Security.Cryptography;
using Cordon.Core.Profiles;
using Cordon.Server.Rights;

namespace Cordon.Server.Sharing;

/// <summary>
/// Delivers a disclosure to a recipient's registered HTTPS endpoint, with the same guard as portability (public
/// addresses only, checked on the address connected to; no redirects) and, when the register pins the endpoint's key
/// (<c>tlsPin</c>), trusting that key and nothing else.
/// </summary>
public sealed class RecipientDelivery(bool allowInsecureTargets)
{
    public sealed record Outcome(bool Delivered, string Detail);

    public async Task<Outcome> PostAsync(RecipientDef recipient, byte[] bundle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(bundle);
        if (recipient.Endpoint is not { } endpoint)
        {
            return new Outcome(false, "no endpoint registered");
        }

        using var handler = PortabilityClient.CreateHandler(allowInsecureTargets);
        if (recipient.TlsPin is { } pin)
        {
            var expected = Convert.FromBase64String(pin);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 presented
                    && CryptographicOperations.FixedTimeEquals(SHA256.HashData(presented.PublicKey.ExportSubjectPublicKeyInfo()), expected),
            };
        }

        using var http = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        var client = new PortabilityClient(http, allowInsecureTargets);
        if (await client.CheckAsync(endpoint, cancellationToken) is not { } target || (target.Scheme != Uri.UriSchemeHttps))
        {
            return new Outcome(false, "endpoint refused: data leaves only over https to a public address");
        }

        var result = await client.DeliverAsync(target, bundle, cancellationToken);
        return new Outcome(result.Ok, result.Ok ? "delivered (HTTP " + result.Detail + ")" : "not delivered: " + result.Detail);
    }
}
