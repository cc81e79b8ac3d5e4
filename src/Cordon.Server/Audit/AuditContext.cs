using Cordon.Core.Audit;
using Cordon.Storage.Keys;

namespace Cordon.Server.Audit;

/// <summary>
/// Who does something, for whom and when, as the audit records it: the one way an audit entry is drafted, whoever
/// writes it — an HTTP call, an operator at the command line, the import, the demo, a periodic job. Automated agents
/// are flagged on every entry they cause.
/// </summary>
public sealed record AuditContext(string Tenant, string ActorId, string ActorRole, DateTimeOffset Now, string? RequestId = null, string? ClientAddress = null, bool Automated = false, TenantKeys? Keys = null)
{
    /// <summary>The day in Beijing: rights deadlines, ages and identity-number birth dates count by it.</summary>
    public DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime.AddHours(8));

    /// <summary>An audit entry of <paramref name="action"/>; a note (a justification, a reason) is sealed under the tenant's audit key.</summary>
    public AuditDraft Draft(string action, AuditOutcome outcome, string? purpose = null, string? subject = null, IReadOnlyList<string>? records = null, string? code = null, IReadOnlyList<string>? rules = null, AuditFlags flags = AuditFlags.None, string? note = null)
        => new()
        {
            Tenant = Tenant,
            Time = Now,
            ActorId = ActorId,
            ActorRole = ActorRole,
            Purpose = purpose,
            Action = action,
            SubjectId = subject,
            RecordIds = records ?? [],
            Outcome = outcome,
            Code = code,
            Rules = rules ?? [],
            ClientAddress = ClientAddress,
            RequestId = RequestId,
            Flags = flags | (Automated ? AuditFlags.Automated : AuditFlags.None),
            SealedNote = note is null ? null : (Keys ?? throw new InvalidOperationException("A note is sealed with the tenant's keys; this audit context has none.")).SealNote(note, RequestId ?? string.Empty),
        };
}
