using Cordon.Core.Consent;
using Cordon.Core.Decisions;

namespace Cordon.Core.Care;

/// <summary>Refusing decisions made solely by automated means, or withdrawing that refusal (R14; PIPL Art. 24).</summary>
public enum AutomatedDecisionAction : byte
{
    Refuse,
    Withdraw,
}

/// <summary>
/// One entry of the append-only ledger of a subject's refusals of automated decisions (PIPL Art. 24 para. 3), recorded like a
/// consent event: by the subject, a guardian, or the operator's app on their behalf, through a channel, at a time.
/// </summary>
public sealed record AutomatedDecisionEvent
{
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public required string SubjectId { get; init; }

    public required AutomatedDecisionAction Action { get; init; }

    public required ConsentGiver GivenBy { get; init; }

    public required string Channel { get; init; }

    /// <summary>The token's actor that recorded it (the patient, the guardian or the app).</summary>
    public required string ActorId { get; init; }

    public required DateTimeOffset Time { get; init; }
}

/// <summary>
/// The rule of automated decisions, pure: once the subject refused them, an automated agent neither writes nor reads their
/// records, and the records automated agents wrote about them are no longer used — withheld from every reader but the
/// subject and their guardian (their right of access keeps them visible to them, and in the copy of everything held).
/// </summary>
public static class AutomatedDecisions
{
    /// <summary>Whether the subject's latest event (or none) is a refusal in force.</summary>
    public static bool Refused(AutomatedDecisionEvent? latest) => latest is { Action: AutomatedDecisionAction.Refuse };

    /// <summary>The refusal of an automated agent's read or write for a subject who refused automated decisions, else null.</summary>
    public static Refusal? CheckActor(bool automated, bool refused) => automated && refused ? ScopeRefusals.AutomatedDecisionRefused : null;

    /// <summary>Whether a record an automated agent wrote may be served to <paramref name="reader"/> (the subject, a guardian, or staff).</summary>
    public static bool MayServeAutomatedRecord(bool refused, SubjectLink reader) => !refused || reader is SubjectLink.Self or SubjectLink.Guardian;

    public static string ToKey(this AutomatedDecisionAction action) => action switch
    {
        AutomatedDecisionAction.Refuse => "refuse",
        AutomatedDecisionAction.Withdraw => "withdraw",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public static bool TryParse(string? key, out AutomatedDecisionAction action)
    {
        switch (key)
        {
            case "refuse":
                action = AutomatedDecisionAction.Refuse;
                return true;
            case "withdraw":
                action = AutomatedDecisionAction.Withdraw;
                return true;
            default:
                action = default;
                return false;
        }
    }
}
