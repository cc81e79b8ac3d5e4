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
/// One authenticated call: the actor, its tenant, the time, the request id and client address, its purpose, and
/// what the audit needs to know of it. Bound from the request after <see cref="CallFilter"/> has checked
/// authentication, role and purpose; a problem the handler returns is audited by the filter against the purpose
/// and the subject the call concerns (<see cref="About"/>), so handlers return problems and do not audit them.
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
    public Call As(Actor actor) => new(Http, actor, Tenant, Store, Now, Action) { _purpose = _purpose, AuditPurpose = AuditPurpose, AuditSubject = AuditSubject };

    /// <summary>
    /// Why this call may not proceed (no known actor or tenant, or a role the endpoint does not admit); null when it may.
    /// Minimal APIs bind parameters before endpoint filters run, so binding never fails: <see cref="CallFilter"/> answers
    /// rejected calls before any handler sees them.
    /// </summary>
    public Refusal? RoleRefusal { get; private init; }

    /// <summary>The roles the endpoint admits (null when it declares none), for the detail of a role refusal.</summary>
    public IReadOnlySet<Role>? EndpointRoles { get; private init; }

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
            call = new Call(context, actor ?? new Actor(options.DefaultTenant, "unknown", Role.App, null, false), tenant!, store, now, action) { Unauthenticated = true };
        }
        else
        {
            var allowed = endpoint?.Metadata.GetMetadata<AllowedRoles>();
            call = new Call(context, actor, tenant, store, now, action)
            {
                RoleRefusal = allowed is not null && allowed.Roles.Contains(actor.Role) ? null : Refusals.RoleNotAllowed,
                EndpointRoles = allowed?.Roles,
            };
        }

        context.Items[ItemKey] = call;
        return call;
    }

    /// <summary>The X-Purpose header resolved to the profile's purpose index.</summary>
    internal Outcome<int> ResolvePurpose()
    {
        var value = Http.Request.Headers[PurposeHeader].ToString().Trim();
        if (value.Length == 0)
        {
            return Problem.PurposeMissing();
        }

        return Tenant.Policy.TryGetPurpose(value, out var index) ? index : Problem.PurposeUnknown(value, Tenant.Policy.PurposeKeys);
    }

    private int _purpose = -1;

    /// <summary>
    /// The purpose of the call, from X-Purpose, resolved by <see cref="CallFilter"/> before the handler runs on an endpoint
    /// marked <see cref="EndpointConventions.RequiresPurpose"/>; a missing or unknown purpose never reaches the handler.
    /// </summary>
    public int Purpose
    {
        get => _purpose >= 0 ? _purpose : throw new InvalidOperationException($"The endpoint of '{Action}' does not require a purpose; mark it RequiresPurpose().");
        internal set
        {
            _purpose = value;
            AuditPurpose = PurposeKey(value);
        }
    }

    /// <summary>The purpose the audit names for what this call does (the X-Purpose purpose, or one the handler names).</summary>
    public string? AuditPurpose { get; private set; }

    /// <summary>The subject the call concerns, once the handler knows it; any problem it returns is audited against it.</summary>
    public string? AuditSubject { get; private set; }

    /// <summary>Flags of the decision that refused the call (break-glass, L5), carried into the refusal's audit entry.</summary>
    public AuditFlags RefusalFlags { get; private set; }

    /// <summary>Whether the handler recorded this call's refusal itself; otherwise <see cref="CallFilter"/> does.</summary>
    internal bool RefusalRecorded { get; private set; }

    /// <summary>
    /// Names the subject (and, when the handler decides it rather than the header, the purpose) the call concerns, so
    /// that any problem the handler returns from here on is audited against them.
    /// </summary>
    public Call About(string? subject, string? purpose = null)
    {
        AuditSubject = subject;
        if (purpose is not null)
        {
            AuditPurpose = purpose;
        }

        return this;
    }

    /// <summary>
    /// A decision's refusal (or <paramref name="instead"/>, a refusal the handler makes after a permitting decision) as
    /// the problem to return; the decision's flags go into the audit entry.
    /// </summary>
    public Problem Refused(Decision decision, Refusal? instead = null, string? detail = null)
    {
        RefusalFlags = decision.Flags;
        return Problem.From(instead ?? decision.Refusal ?? throw new ArgumentException("The decision permits.", nameof(decision)), instead is null ? detail : null);
    }

    /// <summary>A use case's failure as the problem to return (audited by <see cref="CallFilter"/>).</summary>
    public Problem Refused(Core.Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        RefusalRecorded |= failure.Recorded;
        return Problem.From(failure);
    }

    /// <summary>The problem to return (audited by <see cref="CallFilter"/>); reads well after <see cref="About"/>.</summary>
    public Problem Refused(Problem problem) => problem;

    /// <summary>Records a refusal the handler drafted itself (a use case's audit draft) and returns its problem.</summary>
    public async Task<Problem> RefuseAsync(AuditDraft draft, Problem problem)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await Store.AppendAsync(draft, CancellationToken.None);
        RefusalRecorded = true;
        return problem;
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
        RefusalRecorded = true;
        return Problem.From(refusal, detail);
    }

    /// <summary>Records a use case's failure in the audit chain (durably) and returns its problem response.</summary>
    public Task<Problem> RefuseAsync(Core.Failure failure, string? purpose, string? subject) => RefuseAsync(Problem.From(failure), purpose, subject);

    /// <summary>Records a refused request that no compliance rule decided (bad input, unknown ids) and returns its problem.</summary>
    public async Task<Problem> RefuseAsync(Problem problem, string? purpose, string? subject)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var draft = Audit(AuditOutcome.Deny, purpose, subject, flags: RefusalFlags) with { Code = problem.Code, Rules = problem.Rule is null ? [] : [problem.Rule] };
        await Store.AppendAsync(draft, CancellationToken.None);
        RefusalRecorded = true;
        return problem;
    }

    /// <summary>Records the problem this call returns against the purpose and subject it concerns (see <see cref="About"/>).</summary>
    internal Task<Problem> RecordRefusalAsync(Problem problem) => RefuseAsync(problem, AuditPurpose, AuditSubject);

    public string PurposeKey(int purpose) => Tenant.Policy.Purpose(purpose).Key;

    /// <summary>The key of the call's purpose (see <see cref="Purpose"/>).</summary>
    public string PurposeName => PurposeKey(Purpose);

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

/// <summary>The endpoint acts under the purpose named in X-Purpose (R01): checked before the handler runs.</summary>
public sealed class PurposeRequired
{
    public static PurposeRequired Instance { get; } = new();
}

public static class EndpointConventions
{
    /// <summary>Requires X-Purpose to name a purpose of the profile; a missing or unknown one is refused and audited (R01).</summary>
    public static RouteHandlerBuilder RequiresPurpose(this RouteHandlerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(PurposeRequired.Instance);
    }

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
