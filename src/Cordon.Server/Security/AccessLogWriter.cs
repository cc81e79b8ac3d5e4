using System.Diagnostics;
using System.Threading.Channels;
using Cordon.Core.Security;
using Cordon.Server.Auth;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.Features;

namespace Cordon.Server.Security;

/// <summary>
/// Collects one access-log entry per HTTP request (R44) and hands them, in segments, to the store: a segment every
/// <see cref="FlushInterval"/> or every <see cref="SegmentEntries"/> entries, and the rest when the server stops.
/// Entries wait in memory at most that long; the queue is bounded, and what it must drop under overload is counted
/// and logged (a count, never an entry).
/// </summary>
public sealed partial class AccessLogWriter(IAccessLogStore store, ILogger<AccessLogWriter> logger) : BackgroundService
{
    public const int SegmentEntries = 4096;
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private const int Capacity = 1 << 20;

    private readonly Channel<AccessLogEntry> _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _dropped;

    public void Add(in AccessLogEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Stores what is queued now, in segments of at most <see cref="SegmentEntries"/>: every second, at shutdown, and for tests.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var batch = new List<AccessLogEntry>(Math.Min(SegmentEntries, _queue.Reader.Count));
            while (_queue.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
                if (batch.Count == SegmentEntries)
                {
                    await StoreAsync(batch, cancellationToken);
                }
            }

            await StoreAsync(batch, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var timer = new PeriodicTimer(FlushInterval);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the rest is stored below.
        }

        await FlushAsync(CancellationToken.None);
    }

    private async Task StoreAsync(List<AccessLogEntry> batch, CancellationToken cancellationToken)
    {
        var dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped > 0)
        {
            Log.Dropped(logger, dropped, Capacity);
        }

        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            var first = batch.Min(e => e.Time);
            var last = batch.Max(e => e.Time);
            var body = AccessLogSegment.Encode(batch);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await store.AppendAccessSegmentAsync(first, last, batch.Count, body, cancellationToken);
                    break;
                }
                catch (WriteConflictException) when (attempt < 5)
                {
                    // Another node appended the same place in the chain first: read its head again and follow it.
                }
            }

            batch.Clear();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Counted as dropped (the next flush logs it); a store that keeps failing shows in the log and in /healthz's store check.
            Log.StoreFailed(logger, ex, batch.Count);
            Interlocked.Add(ref _dropped, batch.Count);
            batch.Clear();
        }
    }

    /// <summary>The middleware: one entry per request, written after the answer, whatever the answer was (the writer and clock resolved once).</summary>
    public static Func<RequestDelegate, RequestDelegate> Middleware(IServiceProvider services)
    {
        var writer = services.GetRequiredService<AccessLogWriter>();
        var time = services.GetRequiredService<TimeProvider>();
        return next => context => LogAsync(context, next, writer, time);
    }

    private static async Task LogAsync(HttpContext context, RequestDelegate next, AccessLogWriter writer, TimeProvider time)
    {
        var started = Stopwatch.GetTimestamp();
        var at = time.GetUtcNow();
        var counting = new CountingBody(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>());

        // Routing has chosen the endpoint by now; the exception handler clears it before answering a failure.
        var chosen = context.GetEndpoint() as RouteEndpoint;
        context.Features.Set<IHttpResponseBodyFeature>(counting);
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(counting.Inner);
            var user = context.User;
            var pattern = (chosen ?? context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            var route = pattern is null ? "(unrouted)" : pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;
            var requestId = context.Request.Headers["X-Request-Id"].ToString();
            writer.Add(new AccessLogEntry(
                at,
                context.Connection.RemoteIpAddress?.ToString(),
                user.FindFirst(Actor.TenantClaim)?.Value,
                user.FindFirst("sub")?.Value ?? user.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value,
                user.FindFirst(Actor.RoleClaim)?.Value,
                context.Request.Method,
                route,
                context.Response.StatusCode,
                counting.Written,
                (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds,
                context.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null,
                requestId.Length is > 0 and <= 64 && requestId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-') ? requestId : context.TraceIdentifier));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "The access log dropped {Count} entries: its queue of {Capacity} was full.")]
        public static partial void Dropped(ILogger logger, long count, int capacity);

        [LoggerMessage(Level = LogLevel.Error, Message = "The access log could not store a segment of {Count} entries; it tries again with the next.")]
        public static partial void StoreFailed(ILogger logger, Exception exception, int count);
    }
}
