using Cordon.Core.Audit;
using Cordon.Server.Http;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Rights;

/// <summary>
/// Who does an operation on a tenant's data and when, for the audit: an HTTP call, or an operator at the command line,
/// or the retention job. Rights, erasure and retention run the same way whichever started them.
/// </summary>
public sealed record Operation(TenantContext Tenant, ICordonStore Store, DateTimeOffset Now, string ActorId, string ActorRole, string? RequestId = null, string? ClientAddress = null, bool Automated = false)
{
    public DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime.AddHours(8));

    public static Operation From(Call call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return new Operation(call.Tenant, call.Store, call.Now, call.Actor.Id, call.Actor.RoleKey, call.RequestId, call.ClientAddress, call.Actor.Automated);
    }

    /// <summary>This operation as the audit records it.</summary>
    public Cordon.Server.Audit.AuditContext AuditContext => new(Tenant.Id, ActorId, ActorRole, Now, RequestId, ClientAddress, Automated, Tenant.Keys);

    public AuditDraft Audit(string action, AuditOutcome outcome, string? subject, IReadOnlyList<string>? records = null, IReadOnlyList<string>? rules = null, string? purpose = null, string? code = null, AuditFlags flags = AuditFlags.None)
        => AuditContext.Draft(action, outcome, purpose, subject, records, code, rules, flags);
}
