using System.Globalization;
using System.Net;
using Cordon.Core.Audit;
using Cordon.Server.Hosting;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Auth;

/// <summary>
/// Failures of callers nobody authenticated (a bad or missing token, an invalid unsubscribe link) are security events
/// (R47), but one audit entry per request would let anyone grow the chain without bound. They are counted instead, per
/// kind, code and source (an IPv4 address, an IPv6 /64) over a window, and each window's counts are chained as one entry
/// per source into the default tenant's audit log, its count and time span in the entry's sealed note. At most
/// <see cref="MaxSourcesPerWindow"/> sources are named per kind and window; the rest are counted together as "others".
/// So anonymous clients add at most (sources + 1) entries per kind and window, whatever they send.
/// </summary>
public sealed partial class AnonymousFailures(TenantRegistry tenants, IAuditLog store, TimeProvider time, IOptions<CordonServerOptions> options, ILogger<AnonymousFailures> logger)
{
    public const int MaxSourcesPerWindow = 100;
    private const string Others = "others";
    private readonly object _gate = new();
    private Dictionary<(string Action, string Code, string Source), Tally> _window = [];
    private DateTimeOffset _windowStart = time.GetUtcNow();

    /// <summary>How long a window is: failures are chained once per window.</summary>
    public TimeSpan Window => options.Value.AnonymousFailureWindow;

    /// <summary>Counts a failure; never writes on the request's path.</summary>
    public void Record(string action, string code, IPAddress? address)
    {
        var now = time.GetUtcNow();
        var source = SourceOf(address);
        lock (_gate)
        {
            var key = (action, code, source);
            if (!_window.TryGetValue(key, out var tally) && _window.Keys.Count(k => k.Action == action) >= MaxSourcesPerWindow)
            {
                key = (action, code, Others);
                tally = _window.GetValueOrDefault(key);
            }

            tally ??= _window[key] = new Tally(now);
            tally.Count++;
            tally.Last = now;
        }
    }

    /// <summary>Chains the counts of the window so far into the audit log and starts a new window.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        Dictionary<(string Action, string Code, string Source), Tally> window;
        DateTimeOffset start;
        var end = time.GetUtcNow();
        lock (_gate)
        {
            (window, _window) = (_window, []);
            (start, _windowStart) = (_windowStart, end);
        }

        if (window.Count == 0 || tenants.Find(options.Value.DefaultTenant) is not { } tenant)
        {
            return;
        }

        foreach (var ((action, code, source), tally) in window.OrderBy(w => w.Key.Action, StringComparer.Ordinal).ThenBy(w => w.Key.Source, StringComparer.Ordinal))
        {
            var note = string.Create(CultureInfo.InvariantCulture, $"{tally.Count} failed request(s) ({code}) from {source} between {tally.First:yyyy-MM-dd HH:mm:ss}Z and {tally.Last:yyyy-MM-dd HH:mm:ss}Z, in the window from {start:HH:mm:ss}Z to {end:HH:mm:ss}Z");
            var draft = new Audit.AuditContext(tenant.Id, "anonymous", "none", end, RequestIdOf(action, source, start), source, Keys: tenant.Keys)
                .Draft(action, AuditOutcome.Deny, code: code, rules: ["R47"], note: note);
            try
            {
                await store.AppendAsync(draft, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex, action);
            }
        }
    }

    /// <summary>The source a failure is counted under: an IPv4 address as is, an IPv6 address by its /64 (one site).</summary>
    public static string SourceOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static string RequestIdOf(string action, string source, DateTimeOffset start)
        => string.Create(CultureInfo.InvariantCulture, $"{action}:{start.ToUnixTimeMilliseconds()}:{source.Replace('/', '_')}");

    [LoggerMessage(Level = LogLevel.Error, Message = "Chaining the counted failures of {Action} failed")]
    private partial void LogFailed(Exception exception, string action);

    private sealed class Tally(DateTimeOffset first)
    {
        public DateTimeOffset First { get; } = first;

        public DateTimeOffset Last { get; set; } = first;

        public long Count { get; set; }
    }
}

/// <summary>Chains the counted anonymous failures once per window of real time, and once more at shutdown.</summary>
public sealed class AnonymousFailureService(AnonymousFailures failures) : PeriodicService(TimeProvider.System)
{
    protected override TimeSpan Interval => failures.Window;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => failures.FlushAsync(cancellationToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await failures.FlushAsync(CancellationToken.None);
    }
}
