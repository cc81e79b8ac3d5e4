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
    private const string ItemKey = "cordon.call";

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

    public string? Justification
    {
        get
        {
            var value = Http.Request.Headers[JustificationHeader].ToString().Trim();
            return value.Length == 0 ? null : value.Length > 500 ? value[..500] : value;
        }
    }

    /// <summary>The same call as another actor would make it (for explaining decisions).</summary>
    public Call As(Actor actor) => new(Http, actor, Tenant, Store, Now, Action);

    public static ValueTask<Call?> BindAsync(HttpContext context, ParameterInfo parameter)
        => ValueTask.FromResult(context.Items[ItemKey] as Call);

    internal static void Attach(HttpContext http, Actor actor, TenantContext tenant, ICordonStore store, DateTimeOffset now, string action)
        => http.Items[ItemKey] = new Call(http, actor, tenant, store, now, action);

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

    public AuditDraft Audit(AuditOutcome outcome, string? purpose = null, string? subject = null, IReadOnlyList<string>? records = null, Refusal? refusal = null, AuditFlags flags = AuditFlags.None, IReadOnlyList<string>? rules = null, string? action = null, string? note = null)
        => new()
        {
            Tenant = Tenant.Id,
            Time = Now,
            ActorId = Actor.Id,
            ActorRole = Actor.RoleKey,
            Purpose = purpose,
            Action = action ?? Action,
            SubjectId = subject,
            RecordIds = records ?? [],
            Outcome = outcome,
            Code = refusal?.Code,
            Rules = rules ?? (refusal?.Rule is { } r ? [r] : []),
            ClientAddress = ClientAddress,
            RequestId = RequestId,
            Flags = flags | (Actor.Automated ? AuditFlags.Automated : AuditFlags.None),
            SealedNote = note is null ? null : Tenant.Keys.SealNote(note, RequestId),
        };

    /// <summary>Records the refusal in the audit chain (durably) and returns its problem response.</summary>
    public async Task<Problem> RefuseAsync(Refusal refusal, string? purpose, string? subject, string? detail = null, AuditFlags flags = AuditFlags.None)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        await Store.AppendAsync(Audit(AuditOutcome.Deny, purpose, subject, refusal: refusal, flags: flags), CancellationToken.None);
        return Problem.From(refusal, detail);
    }

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
