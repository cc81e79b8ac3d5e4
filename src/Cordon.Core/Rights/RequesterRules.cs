using Cordon.Core.Access;
using Cordon.Core.Decisions;
using Cordon.Core.Subjects;

namespace Cordon.Core.Rights;

/// <summary>Who asks, for whom: what the requester rules need to know.</summary>
public readonly record struct RequesterFacts(
    Role Role,
    string? TokenSubjectId,
    RequesterRelation Relation,
    bool HasProof,
    string SubjectId,
    string? SubjectGuardianId,
    SubjectState SubjectState,
    bool SubjectUnderGuardianAge);

/// <summary>
/// Who may make a rights request: the subject with its own token, a guardian for a subject under the guardian-consent
/// age (PIPL Art. 31), a close relative of a deceased subject with a recorded proof, for access, copy, correction and
/// deletion only (PIPL Art. 49, R24). Anyone else is refused with the rule that decides it.
/// </summary>
public static class RequesterRules
{
    /// <summary>What a close relative may ask for a deceased subject (PIPL Art. 49).</summary>
    public static bool RelativeMayAsk(RightsKind kind) => kind is RightsKind.Access or RightsKind.Copy or RightsKind.Correction or RightsKind.Deletion;

    public static readonly Refusal NotAllowed = Refusal.Of(
        "rights.requester-not-allowed", 403, "Not a requester for this subject",
        "A rights request is made with the subject's own token, a guardian's token for a subject under the guardian-consent age, or a close relative's token for a deceased subject; staff and services cannot make one for a subject.",
        "R22");

    public static readonly Refusal ChildActsThroughGuardian = Refusal.Of(
        "rights.guardian-required", 403, "A guardian acts for this subject",
        "The subject is under the guardian-consent age; the guardian makes rights requests for them.",
        "R03");

    public static readonly Refusal GuardianOfAdult = Refusal.Of(
        "rights.requester-not-allowed", 403, "The subject acts for themself",
        "A guardian acts only for a subject under the guardian-consent age; older subjects make their own requests.",
        "R03");

    public static readonly Refusal SubjectNotDeceased = Refusal.Of(
        "rights.requester-not-allowed", 403, "Close relatives act only for a deceased subject",
        "Close relatives exercise a subject's rights only after the subject's death is recorded.",
        "R24");

    public static readonly Refusal SubjectDeceased = Refusal.Of(
        "rights.requester-not-allowed", 403, "The subject is deceased",
        "The subject's death is recorded; close relatives make requests for them, with a proof reference.",
        "R24");

    public static readonly Refusal ProofRequired = Refusal.Of(
        "rights.proof-required", 422, "Proof of relationship required",
        "A close relative's request names the recorded proof of death and relationship (proofReference).",
        "R24");

    public static readonly Refusal ProofNotVerified = Refusal.Of(
        "rights.proof-not-verified", 403, "Proof not yet verified",
        "A close relative's request is carried out only after an operator has verified the recorded proof of death and relationship.",
        "R24");

    public static readonly Refusal RelativeKindNotAllowed = Refusal.Of(
        "rights.kind-not-allowed", 403, "Not a right of close relatives",
        "Close relatives of a deceased subject may access, copy, correct and delete the subject's data, nothing else.",
        "R24");

    /// <summary>Null when the requester may make this request, otherwise the refusal with its rule.</summary>
    public static Refusal? Check(RightsKind kind, in RequesterFacts facts)
    {
        var ownToken = string.Equals(facts.TokenSubjectId, facts.SubjectId, StringComparison.Ordinal);
        switch (facts.Relation)
        {
            case RequesterRelation.Self:
                if (facts.Role != Role.Patient || !ownToken)
                {
                    return NotAllowed;
                }

                if (facts.SubjectState == SubjectState.Deceased)
                {
                    return SubjectDeceased;
                }

                return facts.SubjectUnderGuardianAge ? ChildActsThroughGuardian : null;

            case RequesterRelation.Guardian:
                var isGuardian = facts.Role == Role.Guardian && facts.SubjectGuardianId is not null
                    && (string.Equals(facts.TokenSubjectId, facts.SubjectGuardianId, StringComparison.Ordinal) || ownToken);
                if (!isGuardian)
                {
                    return NotAllowed;
                }

                return facts.SubjectUnderGuardianAge ? null : GuardianOfAdult;

            case RequesterRelation.CloseRelative:
                if (facts.Role != Role.Patient || facts.TokenSubjectId is null || ownToken)
                {
                    return NotAllowed;
                }

                if (facts.SubjectState != SubjectState.Deceased)
                {
                    return SubjectNotDeceased;
                }

                if (!RelativeMayAsk(kind))
                {
                    return RelativeKindNotAllowed;
                }

                return facts.HasProof ? null : ProofRequired;

            default:
                return NotAllowed;
        }
    }
}
