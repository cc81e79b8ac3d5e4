using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Server.Auth;
using Cordon.Server.Hosting;
using Cordon.Server.Http;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Cordon.Server.Marketing;

/// <summary>A verified unsubscribe link: whose, from which campaign, issued when.</summary>
public sealed record UnsubscribeTicket(TenantContext Tenant, string SubjectId, string CampaignId, DateTimeOffset IssuedAt);

/// <summary>What opening a link did.</summary>
public enum UnsubscribeOutcome
{
    Withdrawn,
    AlreadyUnsubscribed,
    /// <summary>The subject subscribed again after the link was issued: an old link does not undo a newer consent.</summary>
    Outdated,
}

/// <summary>
/// Signed, expiring one-click unsubscribe links (R13, R15). The token carries the tenant, subject, campaign and expiry,
/// authenticated with HMAC-SHA256 under a key derived from the tenant's token key, so a link cannot be forged or
/// pointed at another subject, and needs no login.
/// </summary>
public sealed class UnsubscribeLinks(IOptions<CordonServerOptions> options)
{
    private static readonly byte[] Label = "cordon/unsubscribe-link/v1"u8.ToArray();
    private readonly CordonServerOptions _options = options.Value;

    /// <summary>Where the tenant's patients reach this server: the profile's <c>operator.publicUrl</c>, else the server's setting, else null.</summary>
    public string? BaseUrl(TenantContext tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return (tenant.Profile.Operator.PublicUrl ?? _options.PublicBaseUrl)?.TrimEnd('/');
    }

    public string Url(TenantContext tenant, string subjectId, string campaignId, DateTimeOffset now)
    {
        var baseUrl = BaseUrl(tenant) ?? throw new InvalidOperationException("No public address is configured for this tenant; check BaseUrl before building links.");
        return baseUrl + "/u/" + Token(tenant, subjectId, campaignId, now + _options.UnsubscribeLinkLifetime, now);
    }

    public static string Token(TenantContext tenant, string subjectId, string campaignId, DateTimeOffset expires, DateTimeOffset? issued = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var issuedAt = (issued ?? expires).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var payload = Encoding.UTF8.GetBytes(string.Join('\n', tenant.Id, subjectId, campaignId, issuedAt, expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        return WebEncoders.Base64UrlEncode(payload) + "." + WebEncoders.Base64UrlEncode(Mac(tenant, payload));
    }

    /// <summary>The ticket, or null when the token is malformed, forged, for an unknown tenant, or expired.</summary>
    public static UnsubscribeTicket? Verify(TenantRegistry tenants, string? token, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        if (token is null || token.Length > 600 || token.Split('.') is not [var body, var signature])
        {
            return null;
        }

        byte[] payload, mac;
        try
        {
            payload = WebEncoders.Base64UrlDecode(body);
            mac = WebEncoders.Base64UrlDecode(signature);
        }
        catch (FormatException)
        {
            return null;
        }

        string[] parts;
        try
        {
            parts = new UTF8Encoding(false, true).GetString(payload).Split('\n');
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        if (parts.Length != 5 || tenants.Find(parts[0]) is not { } tenant || !CryptographicOperations.FixedTimeEquals(mac, Mac(tenant, payload))
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var issued)
            || !long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || now.ToUnixTimeSeconds() > expires)
        {
            return null;
        }

        return new UnsubscribeTicket(tenant, parts[1], parts[2], DateTimeOffset.FromUnixTimeSeconds(issued));
    }

    private static byte[] Mac(TenantContext tenant, byte[] payload)
    {
        Span<byte> key = stackalloc byte[32];
        HMACSHA256.HashData(tenant.Keys.TokenKey, Label, key);
        var mac = HMACSHA256.HashData(key, payload);
        CryptographicOperations.ZeroMemory(key);
        return mac[..16];
    }
}

/// <summary>
/// The page an unsubscribe link opens. Opening it withdraws the push consent at once (the very next send excludes the
/// subject) and says so in Chinese and English; a bad or expired link says only that it does not work.
/// </summary>
public static class UnsubscribeEndpoints
{
    public const string Channel = "unsubscribe-link";

    public static void MapUnsubscribe(this IEndpointRouteBuilder app)
    {
        app.MapGet("/u/{token}", HandleAsync)
            .WithName("unsubscribe")
            .AllowAnonymous()
            .WithMetadata(new AuditAction("marketing.unsubscribe"))
            .WithTags("Marketing")
            .WithSummary("One-click unsubscribe (the link in every marketing message): withdraws marketing.push, no login")
            .WithDescription("Opening the signed, expiring link withdraws the subject's push consent immediately (R13, R15) and returns an HTML confirmation in Chinese and English. POST does the same (RFC 8058 List-Unsubscribe-Post). An invalid or expired link gives 400 with a page that reveals nothing.");
        app.MapPost("/u/{token}", HandleAsync)
            .AllowAnonymous()
            .WithMetadata(new AuditAction("marketing.unsubscribe"))
            .ExcludeFromDescription();
    }

    private static async Task<IResult> HandleAsync(string token, HttpContext http, TenantRegistry tenants, ICordonStore store, TimeProvider time, AnonymousFailures failures)
    {
        var now = time.GetUtcNow();
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        var ticket = UnsubscribeLinks.Verify(tenants, token, now);
        if (ticket is null)
        {
            // Anyone can send a made-up link: counted per source and chained once per window, never once per request.
            failures.Record("marketing.unsubscribe", "marketing.link-invalid", http.Connection.RemoteIpAddress);

            return Page(400, "链接无效或已过期", "This link is invalid or has expired", "如需退订，请在应用“我的-消息设置”中关闭推送，或联系发送方。", "To unsubscribe, switch messages off in the app under Me › Messages, or contact the sender.");
        }

        var op = new Operation(ticket.Tenant, store, now, Channel, "subject", http.TraceIdentifier, http.Connection.RemoteIpAddress?.ToString());
        if (await WithdrawAsync(op, ticket, CancellationToken.None) == UnsubscribeOutcome.Outdated)
        {
            return Page(409, "此链接早于您最近一次订阅", "This link is older than your current subscription", "您在收到这条消息后重新订阅了推送，旧链接不会取消新的订阅。如需退订，请使用最新消息中的链接，或在应用“我的-消息设置”中关闭推送。", "You subscribed again after this message was sent; an old link does not undo a newer subscription. Use the link in a newer message, or switch messages off in the app under Me › Messages.");
        }

        return Page(200, "您已成功退订", "You have been unsubscribed", "您将不再收到我们的健康资讯与活动推送，立即生效。您的其他服务不受影响。", "You will receive no more health news or offers from us, from now on. Nothing else about your service changes.");
    }

    /// <summary>
    /// Withdraws the push consent if it is granted (a second click changes nothing) and was not granted again after the
    /// link was issued (an old link cannot undo a newer consent); audited either way.
    /// </summary>
    public static async Task<UnsubscribeOutcome> WithdrawAsync(Operation op, UnsubscribeTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(ticket);
        var latest = await op.Store.GetLatestConsentAsync(op.Tenant.Id, ticket.SubjectId, Campaigns.PushPurpose, null, cancellationToken);
        var subject = await op.Store.GetSubjectAsync(op.Tenant.Id, ticket.SubjectId, cancellationToken);
        if (latest is not { Action: ConsentAction.Grant } || subject is null)
        {
            await op.Store.AppendAsync(op.Audit("marketing.unsubscribe", AuditOutcome.Done, subject is null ? null : ticket.SubjectId, [ticket.CampaignId], ["R13", "R15"], Campaigns.PushPurpose, "marketing.already-unsubscribed"), cancellationToken);
            return UnsubscribeOutcome.AlreadyUnsubscribed;
        }

        if (latest.Time.ToUnixTimeSeconds() > ticket.IssuedAt.ToUnixTimeSeconds())
        {
            await op.Store.AppendAsync(op.Audit("marketing.unsubscribe", AuditOutcome.Deny, ticket.SubjectId, [ticket.CampaignId], ["R13", "R15"], Campaigns.PushPurpose, "marketing.link-outdated"), cancellationToken);
            return UnsubscribeOutcome.Outdated;
        }

        var e = new ConsentEvent
        {
            Id = SubjectVault.NewId("con"),
            Tenant = op.Tenant.Id,
            SubjectId = ticket.SubjectId,
            Purpose = Campaigns.PushPurpose,
            Action = ConsentAction.Withdraw,
            GivenBy = latest.GivenBy,
            NoticeVersion = op.Tenant.NoticeVersion,
            PurposeFingerprint = op.Tenant.Policy.PurposeFingerprint(Campaigns.PushPurpose) ?? string.Empty,
            Channel = Channel,
            ActorId = Channel,
            Time = op.Now,
        };
        await op.Store.AppendAsync(e, op.Audit("consent.withdraw", AuditOutcome.Done, ticket.SubjectId, [e.Id, ticket.CampaignId], ["R13", "R15", "R08"], Campaigns.PushPurpose), cancellationToken);
        return UnsubscribeOutcome.Withdrawn;
    }

    private static IResult Page(int status, string titleZh, string titleEn, string textZh, string textEn)
    {
        var html = $$"""
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
            <title>{{titleZh}} / {{titleEn}}</title>
            <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.6}h1{font-size:1.4rem}p.en{color:#555}</style></head>
            <body><h1>{{titleZh}}</h1><p>{{textZh}}</p><h1 lang="en">{{titleEn}}</h1><p class="en" lang="en">{{textEn}}</p></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }
}
