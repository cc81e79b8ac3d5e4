using Cordon.Core.Audit;

namespace Cordon.Core.Decisions;

public enum DecisionOutcome : byte
{
    Deny,
    Permit,
    PermitMasked,
}

/// <summary>The outcome of an access decision: permit, permit with masking, or a deny with its refusal.</summary>
public readonly record struct Decision(DecisionOutcome Outcome, Refusal? Refusal, AuditFlags Flags)
{
    public bool IsPermitted => Outcome != DecisionOutcome.Deny;

    public AuditOutcome AuditOutcome => Outcome switch
    {
        DecisionOutcome.Permit => AuditOutcome.Permit,
        DecisionOutcome.PermitMasked => AuditOutcome.PermitMasked,
        _ => AuditOutcome.Deny,
    };

    public static Decision Deny(Refusal refusal, AuditFlags flags = AuditFlags.None) => new(DecisionOutcome.Deny, refusal, flags);

    public string OutcomeKey => Outcome switch
    {
        DecisionOutcome.Permit => "permit",
        DecisionOutcome.PermitMasked => "permit-masked",
        _ => "deny",
    };
}

/// <summary>One rule the decision evaluated, for <c>POST /v1/decisions</c>.</summary>
public sealed record RuleCheck(string Rule, string Citation, string Check, bool Passed, string Detail);

/// <summary>A decision with the rules that were checked, in order.</summary>
public sealed record DecisionExplanation(Decision Decision, IReadOnlyList<RuleCheck> Checks);
