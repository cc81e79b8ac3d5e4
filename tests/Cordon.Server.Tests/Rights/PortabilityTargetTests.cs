using Cordon.Server.Rights;

namespace Cordon.Server.Tests.Rights;

/// <summary>A patient names the portability endpoint: it must not turn Cordon into a client of the operator's own network.</summary>
public sealed class PortabilityTargetTests
{
    [Theory]
    [InlineData("http://1.1.1.1/fhir")]           // not https
    [InlineData("https://127.0.0.1/fhir")]        // loopback
    [InlineData("https://10.1.2.3/fhir")]         // private
    [InlineData("https://192.168.1.20/fhir")]
    [InlineData("https://172.20.0.5/fhir")]
    [InlineData("https://169.254.169.254/latest")] // link-local: cloud metadata
    [InlineData("https://[::1]/fhir")]
    [InlineData("https://[::]/fhir")]                    // unspecified: reaches loopback on Linux
    [InlineData("https://[64:ff9b::a00:1]/fhir")]        // NAT64 of 10.0.0.1
    [InlineData("https://[2002:a00:1::1]/fhir")]         // 6to4 of 10.0.0.1
    [InlineData("https://[fd00::1]/fhir")]               // unique local
    [InlineData("https://[::ffff:192.168.1.1]/fhir")]    // IPv4-mapped private
    [InlineData("https://198.18.0.1/fhir")]              // benchmarking
    [InlineData("https://203.0.113.10/fhir")]            // documentation
    [InlineData("https://user:pw@1.1.1.1/fhir")]
    [InlineData("ftp://1.1.1.1/fhir")]
    [InlineData("not a url")]
    public async Task Unsafe_destinations_are_refused(string endpoint)
    {
        using var http = new HttpClient();
        Assert.Null(await new PortabilityClient(http, allowInsecureTargets: false).CheckAsync(endpoint, CancellationToken.None));
    }

    [Fact]
    public async Task A_public_https_address_is_accepted_and_tests_may_allow_loopback()
    {
        using var http = new HttpClient();
        Assert.NotNull(await new PortabilityClient(http, allowInsecureTargets: false).CheckAsync("https://1.1.1.1/fhir", CancellationToken.None));
        Assert.NotNull(await new PortabilityClient(http, allowInsecureTargets: false).CheckAsync("https://[2400:3200::1]/fhir", CancellationToken.None));
        Assert.NotNull(await new PortabilityClient(http, allowInsecureTargets: true).CheckAsync("http://127.0.0.1:8080/fhir", CancellationToken.None));
    }
}
