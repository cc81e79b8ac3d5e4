using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;
using Cordon.Core.Subjects;

namespace Cordon.Core.Sharing;

/// <summary>What the gate knows of a recipient when it decides: its register entry and the evidence recorded for it.</summary>
public sealed record RecipientStanding(
    RecipientDef Recipient,
    RecipientContract? Contract,
    TransferBasis? Transfer,
    GeneticFiling? GeneticFiling);

/// <summary>A disclosure the gate allowed, before any subject is looked at: what leaves, as what, under which rules.</summary>
public sealed record SharingPlan(
    string RecipientKey,
    string Purpose,
    SharingActivity Activity,
    bool Abroad,
    bool Sensitive,
    bool Genetic,
    bool Deidentify,
    bool ConsentRequired,
    bool ImportantData,
    IReadOnlyDictionary<string, IReadOnlySet<string>> Fields,
    IReadOnlyList<string> Rules);

/// <summary>
/// The egress gate's rules, pure: whether data of these record types may go to this recipient under this purpose today
/// (R10, R11, R12, R25, R38, R39), whether one subject's consent lets theirs go (R10, R08, R04, R03, R19), and which
/// cross-border mechanism the year's counts require (R34–R36). No clock, store or network: the caller passes them in.
/// </summary>
public static class SharingPolicy
{
    /// <summary>The activity a recipient kind makes of giving it data.</summary>
    public static SharingActivity ActivityOf(RecipientDef recipient) => Guard.NotNull(recipient).Kind switch
    {
        "public" => SharingActivity.Disclose,
        _ when ProfileNames.ProcessorKinds.Contains(recipient.Kind) => SharingActivity.Entrust,
        _ => SharingActivity.Provide,
    };

    /// <summary>
    /// Decides everything about a disclosure that does not depend on the subject: the recipient's purpose and fields,
    /// its contract, the impact assessment, localisation and genetic data. <paramref name="types"/> empty means every
    /// type the recipient may receive.
    /// </summary>
    public static Result<SharingPlan> Plan(
        Profile profile,
        RecipientStanding standing,
        PurposeDef purpose,
        IReadOnlyCollection<string> types,
        IReadOnlyList<ImpactAssessment> assessments,
        DateOnly today)
    {
        Guard.NotNull(profile);
        Guard.NotNull(standing);
        Guard.NotNull(purpose);
        Guard.NotNull(types);
        Guard.NotNull(assessments);
        var recipient = standing.Recipient;
        var activity = ActivityOf(recipient);
        var rule = activity switch { SharingActivity.Provide => "R10", SharingActivity.Entrust => "R11", _ => "R12" };
        var rules = new List<string> { rule };

        if (!purpose.Recipients.Contains(recipient.Key, StringComparer.Ordinal))
        {
            return Refuse(SharingRefusals.PurposeNotAllowed, $"The profile does not list '{recipient.Key}' under purpose '{purpose.Key}'; it is listed under: {Keys(profile.Purposes.Where(p => p.Recipients.Contains(recipient.Key, StringComparer.Ordinal)).Select(p => p.Key))}.");
        }

        var fields = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        var wanted = types.Count == 0 ? recipient.Fields.Keys : types;
        foreach (var type in wanted)
        {
            if (!recipient.Fields.TryGetValue(type, out var allowed))
            {
                return Refuse(SharingRefusals.FieldsNotAllowed, $"'{recipient.Key}' may receive {Keys(recipient.Fields.Keys)}, not {type}.");
            }

            if (!purpose.Read.TryGetValue(type, out var readable))
            {
                if (types.Count == 0)
                {
                    // Not asked for by name: what the recipient may receive under another purpose is simply not sent under this one.
                    continue;
                }

                return Refuse(SharingRefusals.FieldsNotAllowed, $"Purpose '{purpose.Key}' may not read {type}, so it cannot send it to anyone.");
            }

            var paths = allowed.Where(readable.Contains).ToHashSet(StringComparer.Ordinal);
            if (paths.Count > 0)
            {
                fields[type] = paths;
            }
        }

        if (fields.Count == 0)
        {
            return Refuse(SharingRefusals.FieldsNotAllowed, recipient.Fields.Count == 0
                ? $"The register entry of '{recipient.Key}' declares no fields it may receive; add them under its 'fields' in the profile."
                : $"None of the fields '{recipient.Key}' may receive is readable under purpose '{purpose.Key}'.");
        }

        if (recipient.Method == "sdk" || (recipient.Method == "api" && recipient.Endpoint is null) || (recipient.Method == "package" && recipient.PublicKey is null))
        {
            return Refuse(SharingRefusals.MethodNotDeliverable, recipient.Method == "sdk"
                ? $"'{recipient.Key}' is an SDK in the app (method sdk): it collects in the app under its notice and nothing is sent to it through the gate."
                : $"'{recipient.Key}' (method {recipient.Method}) has no {(recipient.Method == "api" ? "endpoint" : "publicKey")} in the register.");
        }

        if (Agreements(standing, activity, purpose, assessments, today) is { } unagreed)
        {
            return unagreed;
        }

        rules.Add("R25");
        var catalogTypes = profile.Catalog.Types;
        var sensitive = false;
        var genetic = false;
        var important = false;
        var localised = new List<string>();
        var medicalInstitution = profile.Operator.Type is OperatorType.MedicalInstitution or OperatorType.InternetHospital;
        foreach (var (type, paths) in fields)
        {
            var def = catalogTypes[type];
            important |= def.ImportantData;
            foreach (var field in def.Fields)
            {
                if (!paths.Contains(field.Path))
                {
                    continue;
                }

                sensitive |= field.IsSensitive;
                genetic |= (field.Tags & SensitiveTags.Genetic) != 0;
                if (field.Category == DataCategory.PublicHealth && !localised.Contains(type))
                {
                    localised.Add(type);
                }
            }

            foreach (var escalation in def.Escalations)
            {
                sensitive |= escalation.Tags != SensitiveTags.None;
                genetic |= (escalation.Tags & SensitiveTags.Genetic) != 0;
            }

            if (medicalInstitution && (def.Clinical || def.MedicalRecord) && !localised.Contains(type))
            {
                localised.Add(type);
            }
        }

        if (recipient.Abroad)
        {
            if (localised.Count > 0)
            {
                return Refuse(SharingRefusals.LocalisationRequired, $"'{recipient.Key}' is in {recipient.Jurisdiction}; {string.Join(", ", localised)} is {(medicalInstitution ? "a medical institution's data or population health information" : "population health information")} and stays in mainland China.");
            }

            rules.Add("R33");
            rules.Add("R38");
        }

        if (genetic && (recipient.Abroad || recipient.ForeignControlled))
        {
            if (standing.GeneticFiling is null)
            {
                return Refuse(SharingRefusals.GeneticFilingRequired, $"'{recipient.Key}' is {(recipient.Abroad ? "abroad" : "foreign-controlled")} and the data includes genetic information; no filing with the health authority is recorded for it.");
            }

            rules.Add("R39");
        }

        // Entrusting within China needs no consent of its own (PIPL Art. 21); providing, disclosing and any transfer abroad do (Art. 23, 25, 39).
        var consentRequired = activity != SharingActivity.Entrust || recipient.Abroad;
        return new SharingPlan(recipient.Key, purpose.Key, activity, recipient.Abroad, sensitive, genetic, recipient.Deidentify, consentRequired, important, fields, rules);
    }

    /// <summary>
    /// Whether a processor that Cordon's own deliveries reach outside the gate (the SMS, push and e-mail gateways of the
    /// marketing outbox) may receive data under <paramref name="purpose"/> today: a contract in force covering the
    /// purpose and an approved assessment of the entrusting (R11, R25); abroad, also one of the export (R33).
    /// </summary>
    public static Failure? CheckProcessor(RecipientStanding standing, PurposeDef purpose, IReadOnlyList<ImpactAssessment> assessments, DateOnly today)
    {
        Guard.NotNull(standing);
        Guard.NotNull(purpose);
        Guard.NotNull(assessments);
        return Agreements(standing, ActivityOf(standing.Recipient), purpose, assessments, today);
    }

    /// <summary>
    /// Whether one subject's data may go under the plan: their state, the consent the purpose itself rests on (a
    /// withdrawn purpose shares nothing, R08), and, where the plan needs it, their separate consent to the recipient.
    /// </summary>
    public static Refusal? CheckSubject(SharingPlan plan, PurposeDef purpose, SubjectState state, ConsentStatus purposeConsent, ConsentStatus recipientConsent, bool underGuardianAge)
    {
        Guard.NotNull(purpose);
        if (state == SubjectState.Active && AccessPolicy.ConsentRequired(purpose, underGuardianAge) && AccessPolicy.ConsentRefusal(purpose, purposeConsent, underGuardianAge) is { } refusal)
        {
            return refusal;
        }

        return CheckSubject(plan, state, recipientConsent, underGuardianAge);
    }

    /// <summary>Whether one subject's data may go under the plan: their state and, where the plan needs it, their separate consent to the recipient.</summary>
    public static Refusal? CheckSubject(SharingPlan plan, SubjectState state, ConsentStatus recipientConsent, bool underGuardianAge)
    {
        Guard.NotNull(plan);
        if (state != SubjectState.Active)
        {
            return SharingRefusals.SubjectNotActive;
        }

        if (!plan.ConsentRequired)
        {
            return null;
        }

        return recipientConsent switch
        {
            ConsentStatus.GrantedByGuardian => null,
            ConsentStatus.Granted => underGuardianAge ? SharingRefusals.GuardianRequired : null,
            ConsentStatus.Withdrawn => SharingRefusals.ConsentWithdrawn,
            ConsentStatus.NeedsRenewal => SharingRefusals.ConsentRenewal,
            _ => SharingRefusals.ConsentMissing,
        };
    }

    /// <summary>The mechanism the year's counts require once they include this transfer (R34–R36).</summary>
    public static TransferMechanism Required(CrossBorderCounts after, CrossBorderThresholds thresholds)
    {
        Guard.NotNull(after);
        Guard.NotNull(thresholds);
        if (after.ImportantData || after.NonSensitive >= thresholds.AssessmentAt || after.Sensitive >= thresholds.SensitiveAssessmentAt)
        {
            return TransferMechanism.SecurityAssessment;
        }

        return after.NonSensitive >= thresholds.ExemptBelow || after.Sensitive > 0
            ? TransferMechanism.StandardContractOrCertification
            : TransferMechanism.None;
    }

    /// <summary>
    /// Whether a transfer abroad may go, given the counts it would bring the year to and what is held for the recipient:
    /// refused before it happens when it would cross into a mechanism the tenant does not hold.
    /// </summary>
    public static Refusal? CheckTransfer(CrossBorderCounts after, CrossBorderThresholds thresholds, TransferBasis? held, DateOnly today)
    {
        if (held is not null && held.IsExempt(today))
        {
            return null;
        }

        var required = Required(after, thresholds);
        var have = held?.Mechanism(today) ?? TransferMechanism.None;
        if (have >= required)
        {
            return null;
        }

        return required == TransferMechanism.SecurityAssessment ? SharingRefusals.SecurityAssessmentRequired : SharingRefusals.StandardContractRequired;
    }

    /// <summary>The rule the counts fall under: R34 exempt, R35 contract or certification, R36 assessment.</summary>
    public static string RuleOf(TransferMechanism mechanism) => mechanism switch
    {
        TransferMechanism.None => "R34",
        TransferMechanism.StandardContractOrCertification => "R35",
        _ => "R36",
    };

    /// <summary>What must be agreed before anything goes to a recipient: the contract in force for the purpose, an approved assessment of the activity and, abroad, of the export (R11, R25, R33).</summary>
    private static Failure? Agreements(RecipientStanding standing, SharingActivity activity, PurposeDef purpose, IReadOnlyList<ImpactAssessment> assessments, DateOnly today)
    {
        if (ContractRefusal(standing, activity, purpose, today) is { } noContract)
        {
            return noContract;
        }

        var recipient = standing.Recipient;
        var scope = AssessmentScopes.Of(activity);
        if (!assessments.Any(a => a.Allows(scope, purpose.Key, recipient.Key, today)))
        {
            return Refuse(SharingRefusals.AssessmentRequired, $"No approved impact assessment in force covers {scope} to '{recipient.Key}' under '{purpose.Key}'.");
        }

        return recipient.Abroad && !assessments.Any(a => a.Allows(AssessmentScopes.Export, purpose.Key, recipient.Key, today))
            ? Refuse(SharingRefusals.AssessmentRequired, $"'{recipient.Key}' is in {recipient.Jurisdiction}: a transfer abroad needs an approved impact assessment that covers export to it.")
            : null;
    }

    private static Failure? ContractRefusal(RecipientStanding standing, SharingActivity activity, PurposeDef purpose, DateOnly today)
    {
        var key = standing.Recipient.Key;
        if (activity == SharingActivity.Disclose)
        {
            return null;
        }

        if (standing.Contract is not { } contract)
        {
            return Refuse(SharingRefusals.ContractRequired, $"No contract with '{key}' is on record; record it with PUT /v1/recipients/{key}/contract.");
        }

        if (!contract.InForce(today))
        {
            return Refuse(SharingRefusals.ContractExpired, $"The contract {contract.Reference} with '{key}' runs {contract.ValidFrom:yyyy-MM-dd} to {contract.ValidUntil:yyyy-MM-dd}; today is {today:yyyy-MM-dd}.");
        }

        return contract.Purposes.Contains(purpose.Key, StringComparer.Ordinal)
            ? null
            : Refuse(SharingRefusals.BeyondContract, $"The contract {contract.Reference} with '{key}' covers {Keys(contract.Purposes)}, not '{purpose.Key}'.");
    }

    private static Failure Refuse(Refusal refusal, string detail) => Failure.From(refusal, detail);

    private static string Keys(IEnumerable<string> keys)
    {
        var list = keys.ToList();
        return list.Count == 0 ? "nothing" : string.Join(", ", list);
    }
}
