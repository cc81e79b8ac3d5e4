using System.Reflection;
using System.Text.RegularExpressions;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Decisions;
using Cordon.Server.Auth;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Http;

/// <summary>
/// One authenticated call: the actor, its tenant, the time, the request id and client address, and the
/// helpers every handler needs (purpose header, audit drafts, audited refusals). Bound from the request
/// after <see cref="CallFilter"/> has checked authentication and role.
/// </summary>
public sealed partial class Call
{
    public const string PurposeHeader = "X-Purpose";
    public const string JustificationHeader = "X-Justification";
    /// <summary>Where the resolved call is kept for the request (the exception handler finds it there).</summary>
    public const string ItemKey = "cordon.call";
    private Cordon.Server.Audit.AuditContext? _audit;

    private Call(HttpContext http, Actor actor, TenantContext tenant, ICordonStore store, DateTimeOffset now, string action)
    {
        Http = http;
        Actor = actor;
        Tenant = tenant;
        Store = store;
        Now = now;
        Action = action;
        var header = http.Request.Headers["X-Request-Id"].ToString();
        RequestId = header.Length is > 0 and <= 64 && RequestIdPattern().IsMatch(header) ? header : http.TraceIdentifier;
        ClientAddress = http.Connection.RemoteIpAddress?.ToString();
    }

    public HttpContext Http { get; }

    public Actor Actor { get; }

    public TenantContext Tenant { get; }

    public ICordonStore Store { get; }

    public DateTimeOffset Now { get; }

    public DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime.AddHours(8));

    /// <summary>The endpoint's audit action, e.g. <c>record.read</c>.</summary>
    public string Action { get; }

    public string RequestId { get; }

    public string? ClientAddress { get; }

    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>
    /// The break-glass justification. HTTP headers are ASCII, so non-ASCII text (Chinese) is sent percent-encoded
    /// UTF-8 (<c>encodeURIComponent</c>); it is decoded here, at most 500 characters, control characters dropped.
    /// </summary>
    public string? Justification
    {
        get
        {
            var raw = Http.Request.Headers[JustificationHeader].ToString().Trim();
            if (raw.Length == 0)
            {
                return null;
            }

            string decoded;
            try
            {
                decoded = Uri.UnescapeDataString(raw);
            }
            catch (UriFormatException)
            {
                decoded = raw;
            }

            decoded = string.Concat(decoded.Where(c => !char.IsControl(c))).Trim();
            return decoded.Length == 0 ? null : decoded.Length > 500 ? decoded[..500] : decoded;
        }
    }

    /// <summary>The same call as another actor would make it (for explaining decisions).</summary>
    public Call As(Actor actor) => new(Http, actor, Tenant, Store, Now, Action);

    /// <summary>
    /// Why this call may not proceed (no known actor or tenant, or a role the endpoint does not admit); null when it may.
    /// Minimal APIs bind parameters before endpoint filters run, so binding never fails: <see cref="CallFilter"/> answers
    /// rejected calls before any handler sees them.
    /// </summary>
    public Refusal? RoleRefusal { get; private init; }

    public bool Unauthenticated { get; private init; }

    public static ValueTask<Call?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult<Call?>(Resolve(context));

    /// <summary>Resolves the call once per request from the validated principal and the endpoint's metadata.</summary>
    public static Call Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items[ItemKey] is Call existing)
        {
            return existing;
        }

        var services = context.RequestServices;
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Hosting.CordonServerOptions>>().Value;
        var tenants = services.GetRequiredService<TenantRegistry>();
        var endpoint = context.GetEndpoint();
        var action = endpoint?.Metadata.GetMetadata<AuditAction>()?.Name ?? "unknown";
        var actor = Actor.From(context.User, options.DefaultTenant, options.RoleClaim);
        var tenant = tenants.Find(actor?.Tenant);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var store = services.GetRequiredService<ICordonStore>();
        Call call;
        if (actor is null || tenant is null)
        {
            call = new Call(context, actor ?? new Actor(options.DefaultTenant, "unknown", Role.App, null, null, null, false), tenant!, store, now, action) { Unauthenticated = true };
        }
        else
        {
            var allowed = endpoint?.Metadata.GetMetadata<AllowedRoles>();
            call = new Call(context, actor, tenant, store, now, action)
            {
                RoleRefusal = allowed is not null && allowed.Roles.Contains(actor.Role) ? null : Refusals.RoleNotAllowed,
            };
        }

        context.Items[ItemKey] = call;
        return call;
    }

    /// <summary>The X-Purpose header resolved to the profile's purpose index.</summary>
    public Outcome<int> Purpose()
    {
        var value = Http.Request.Headers[PurposeHeader].ToString().Trim();
        if (value.Length == 0)
        {
            return Problem.PurposeMissing();
        }

        return Tenant.Policy.TryGetPurpose(value, out var index) ? index : Problem.PurposeUnknown(value);
    }

    /// <summary>This call as the audit records it.</summary>
    public Cordon.Server.Audit.AuditContext AuditContext => _audit ??= new Cordon.Server.Audit.AuditContext(Tenant.Id, Actor.Id, Actor.RoleKey, Now, RequestId, ClientAddress, Actor.Automated, Tenant.Keys);

    public AuditDraft Audit(AuditOutcome outcome, string? purpose = null, string? subject = null, IReadOnlyList<string>? records = null, Refusal? refusal = null, AuditFlags flags = AuditFlags.None, IReadOnlyList<string>? rules = null, string? action = null, string? note = null)
        => AuditContext.Draft(action ?? Action, outcome, purpose, subject, records, refusal?.Code, rules ?? (refusal?.Rule is { } r ? [r] : []), flags, note);

    /// <summary>Records the refusal in the audit chain (durably) and returns its problem response.</summary>
    public async Task<Problem> RefuseAsync(Refusal refusal, string? purpose, string? subject, string? detail = null, AuditFlags flags = AuditFlags.None)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        await Store.AppendAsync(Audit(AuditOutcome.Deny, purpose, subject, refusal: refusal, flags: flags), CancellationToken.None);
        return Problem.From(refusal, detail);
    }

    /// <summary>Records a use case's failure in the audit chain (durably) and returns its problem response.</summary>
    public Task<Problem> RefuseAsync(Core.Failure failure, string? purpose, string? subject) => RefuseAsync(Problem.From(failure), purpose, subject);

    /// <summary>Records a refused request that no compliance rule decided (bad input, unknown ids) and returns its problem.</summary>
    public async Task<Problem> RefuseAsync(Problem problem, string? purpose, string? subject)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var draft = Audit(AuditOutcome.Deny, purpose, subject) with { Code = problem.Code, Rules = problem.Rule is null ? [] : [problem.Rule] };
        await Store.AppendAsync(draft, CancellationToken.None);
        return problem;
    }

    public string PurposeKey(int purpose) => Tenant.Policy.Purpose(purpose).Key;

    [GeneratedRegex("^[A-Za-z0-9._:-]+$")]
    private static partial Regex RequestIdPattern();
}

/// <summary>Roles an endpoint admits (patients and guardians are further limited to their own subject by the decision).</summary>
public sealed class AllowedRoles(params Role[] roles)
{
    public IReadOnlySet<Role> Roles { get; } = roles.ToHashSet();
}

/// <summary>The audit action an endpoint records.</summary>
public sealed class AuditAction(string name)
{
    public string Name { get; } = name;
}

public static class EndpointConventions
{
    /// <summary>Requires a valid bearer token whose role is one of <paramref name="roles"/>, and names the audit action.</summary>
    public static RouteHandlerBuilder Audited(this RouteHandlerBuilder builder, string action, params Role[] roles)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .RequireAuthorization()
            .WithMetadata(new AllowedRoles(roles), new AuditAction(action))
            .AddEndpointFilter<CallFilter>();
    }
}
