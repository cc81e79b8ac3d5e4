using Cordon.Core.Audit;

namespace Cordon.Core.Decisions;

public enum DecisionOutcome : byte
{
    Deny,
    Permit,
    PermitMasked,
}

/// <summary>The rules a permit rests on, recorded in its audit entry: a bit each, so that deciding allocates nothing.</summary>
[Flags]
public enum PermitRules : byte
{
    None = 0,

    /// <summary>The subject's consent (R01).</summary>
    R01 = 1,

    /// <summary>The subject's separate consent to sensitive data (R02).</summary>
    R02 = 2,

    /// <summary>The guardian's consent for a child (R03).</summary>
    R03 = 4,

    /// <summary>A clinician within a care relationship (R46).</summary>
    R46 = 8,
}

/// <summary>The outcome of an access decision: permit, permit with masking, or a deny with its refusal; a permit names the rules it rests on.</summary>
public readonly record struct Decision(DecisionOutcome Outcome, Refusal? Refusal, AuditFlags Flags, PermitRules Rules = PermitRules.None)
{
    private static readonly IReadOnlyList<string>[] RuleLists = [.. Enumerable.Range(0, 16).Select(bits => (IReadOnlyList<string>)[.. new[] { "R01", "R02", "R03", "R46" }.Where((_, i) => (bits & (1 << i)) != 0)])];

    public bool IsPermitted => Outcome != DecisionOutcome.Deny;

    /// <summary>The rule ids a permit rests on (for its audit entry); a deny's is its refusal's rule.</summary>
    public IReadOnlyList<string> RuleIds => Refusal is { Rule: { } rule } ? [rule] : RuleLists[(int)Rules & 15];

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
