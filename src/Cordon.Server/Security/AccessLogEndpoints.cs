using System.Globalization;
using System.Text;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Security;
using Cordon.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Security;

public sealed record AccessLogView(
    DateTimeOffset Time,
    string? ClientAddress,
    string? Tenant,
    string? Actor,
    string? Role,
    string Method,
    string Route,
    int Status,
    long Bytes,
    double LatencyMs,
    string? UserAgent,
    string? RequestId);

public sealed record AccessLogPage(DateTimeOffset From, DateTimeOffset To, int Returned, bool More, IReadOnlyList<AccessLogView> Entries);

public sealed record AccessLogVerification(bool Intact, long Segments, long Entries, long? BrokenAt, DateTimeOffset? Since, string Detail);

/// <summary>
/// The network access log over HTTP (R44), for the security team: entries by time (newest first) with filters, the
/// chain verified, and an RFC 5424 export for the operator's log pipeline. Entries of every tenant: the access log is
/// the server's, as the network is.
/// </summary>
public static class AccessLogEndpoints
{
    private static readonly Role[] Security = [Role.Security];
    private const int MaxLimit = 1000;

    /// <summary>The widest window one call reads (a day): six months of log are hundreds of gigabytes, read a day at a time.</summary>
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(1);

    public static RouteGroupBuilder MapAccessLog(this RouteGroupBuilder group)
    {
        group.MapGet("/", QueryAsync)
            .Audited("access-log.read", Security)
            .WithSummary("Network access log entries, newest first: ?from=&to= (ISO 8601, default the last hour), actor, address, status, route, limit (≤ 1000)")
            .WithDescription("Every HTTP request is one entry — authenticated or not, permitted, refused or failed: time, client address, tenant, actor and role, method, route template (never an identifier or a query value), status, bytes, latency, user agent, request id. Entries reach the store within a second, in hash-chained segments (R44).");

        group.MapGet("/verify", VerifyAsync)
            .Audited("access-log.verify", Security)
            .WithSummary("Verify the access log's hash chain from the oldest segment kept");

        group.MapGet("/export", ExportAsync)
            .Audited("access-log.export", Security)
            .WithSummary("The entries of ?from=&to= as RFC 5424 syslog lines (text/plain), for the operator's log pipeline");
        return group;
    }

    private static async Task<Results<JsonOk<AccessLogPage>, Problem>> QueryAsync(Call call, string? from, string? to, string? actor, string? address, int? status, string? route, int? limit)
    {
        if (Window(call, from, to) is not { } window)
        {
            return Problem.Validation("from", "from and to are ISO 8601 times (e.g. 2026-12-04T08:00:00Z), from before to and at most a day apart.");
        }

        var take = limit ?? 100;
        if (take is < 1 or > MaxLimit)
        {
            return Problem.Validation("limit", $"1 to {MaxLimit}.");
        }

        var entries = new List<AccessLogView>();
        var more = false;
        var segments = await call.Store.ListAccessSegmentsAsync(window.From, window.To, call.Aborted);
        foreach (var segment in segments.Reverse())
        {
            var decoded = AccessLogSegment.Decode(segment.Body);
            for (var i = decoded.Count - 1; i >= 0; i--)
            {
                var e = decoded[i];
                if (e.Time < window.From || e.Time > window.To || (actor is not null && e.Actor != actor) || (address is not null && e.ClientAddress != address)
                    || (status is not null && e.Status != status) || (route is not null && e.Route != route))
                {
                    continue;
                }

                if (entries.Count == take)
                {
                    more = true;
                    break;
                }

                entries.Add(View(e));
            }

            if (more)
            {
                break;
            }
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(new AccessLogPage(window.From, window.To, entries.Count, more, entries), SecurityJson.Strict.AccessLogPage);
    }

    private static async Task<Results<JsonOk<AccessLogVerification>, Problem>> VerifyAsync(Call call)
    {
        long segments = 0, entries = 0;
        byte[]? previous = null;
        DateTimeOffset? since = null;
        await foreach (var segment in call.Store.ReadAccessChainAsync(call.Aborted))
        {
            since ??= segment.FirstAt;

            // The oldest segment kept anchors the chain (the ones before it were pruned past the retention period).
            var expectedPrevious = previous ?? segment.PreviousHash;
            if (!segment.PreviousHash.AsSpan().SequenceEqual(expectedPrevious) || !AccessLogSegment.ChainHash(segment.PreviousHash, segment.Body).AsSpan().SequenceEqual(segment.Hash))
            {
                await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
                return Api.Ok(new AccessLogVerification(false, segments, entries, segment.Seq, since, $"Segment {segment.Seq} does not follow the chain: it, or one before it, was altered, removed or reordered."), SecurityJson.Strict.AccessLogVerification);
            }

            previous = segment.Hash;
            segments++;
            entries += segment.Entries;
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(new AccessLogVerification(true, segments, entries, null, since, segments == 0 ? "No segment stored yet." : "Every segment follows the chain."), SecurityJson.Strict.AccessLogVerification);
    }

    private static async Task<IResult> ExportAsync(Call call, string? from, string? to)
    {
        if (Window(call, from, to) is not { } window)
        {
            return Problem.Validation("from", "from and to are ISO 8601 times (e.g. 2026-12-04T08:00:00Z), from before to and at most a day apart.");
        }

        var text = new StringBuilder();
        var host = Environment.MachineName;
        foreach (var segment in await call.Store.ListAccessSegmentsAsync(window.From, window.To, call.Aborted))
        {
            foreach (var e in AccessLogSegment.Decode(segment.Body))
            {
                if (e.Time >= window.From && e.Time <= window.To)
                {
                    text.Append(Syslog.Line(e, host)).Append('\n');
                }
            }
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Results.Text(text.ToString(), "text/plain; charset=utf-8");
    }

    private static (DateTimeOffset From, DateTimeOffset To)? Window(Call call, string? from, string? to)
    {
        var end = call.Now;
        if (to is not null && !DateTimeOffset.TryParse(to, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out end))
        {
            return null;
        }

        var start = end.AddHours(-1);
        if (from is not null && !DateTimeOffset.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out start))
        {
            return null;
        }

        return start <= end && end - start <= MaxWindow ? (start, end) : null;
    }

    private static AccessLogView View(AccessLogEntry e) => new(e.Time, e.ClientAddress, e.Tenant, e.Actor, e.Role, e.Method, e.Route, e.Status, e.Bytes, e.LatencyMicroseconds / 1000.0, e.UserAgent, e.RequestId);
}
