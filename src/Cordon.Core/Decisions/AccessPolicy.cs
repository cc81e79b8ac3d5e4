using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Care;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Profiles;
using Cordon.Core.Rules;
using Cordon.Core.Subjects;

namespace Cordon.Core.Decisions;

/// <summary>
/// The access decision, compiled from a profile into flat tables so that deciding is a handful of
/// array reads and allocates nothing. It combines role, purpose, record type, subject state, consent,
/// care relationship, level and operator type into permit, permit-masked or deny, naming the rule.
/// </summary>
public sealed class AccessPolicy
{
    private readonly FrozenDictionary<string, int> _purposeIndex;
    private readonly FrozenDictionary<string, int> _typeIndex;
    private readonly PurposeDef[] _purposes;
    private readonly RecordTypeDef[] _types;
    private readonly uint[] _writeRoles;
    private readonly uint[] _readRoles;
    private readonly uint[] _practitionerRoles;
    private readonly bool[] _collects;
    private readonly bool[] _reads;
    private readonly bool[] _masked;
    private readonly string[] _fingerprints;
    private readonly OperatorType _operatorType;

    public AccessPolicy(Profile profile)
    {
        Profile = Guard.NotNull(profile);
        _purposes = [.. profile.Purposes];
        _types = [.. profile.Catalog.Types.Values.OrderBy(t => t.Name, StringComparer.Ordinal)];
        _purposeIndex = _purposes.Select((p, i) => (p.Key, i)).ToFrozenDictionary(x => x.Key, x => x.i, StringComparer.Ordinal);
        _typeIndex = _types.Select((t, i) => (t.Name, i)).ToFrozenDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        _operatorType = profile.Operator.Type;

        var p = _purposes.Length;
        var t = _types.Length;
        _writeRoles = new uint[p];
        _readRoles = new uint[p];
        _practitionerRoles = new uint[p];
        _collects = new bool[p * t];
        _reads = new bool[p * t];
        _fingerprints = new string[p];
        for (var i = 0; i < p; i++)
        {
            var purpose = _purposes[i];
            _writeRoles[i] = Mask(purpose.WriteRoles);
            _readRoles[i] = Mask(purpose.ReadRoles);
            _practitionerRoles[i] = Mask(Enum.GetValues<Role>().Where(role => CarePolicy.Applies(purpose, role)));
            foreach (var type in purpose.Collect.Keys)
            {
                _collects[(i * t) + _typeIndex[type]] = true;
            }

            foreach (var type in purpose.Read.Keys)
            {
                _reads[(i * t) + _typeIndex[type]] = true;
            }

            _fingerprints[i] = Fingerprint(purpose, profile);
        }

        var roles = Enum.GetValues<Role>().Length;
        _masked = new bool[roles * t];
        foreach (var rule in profile.Masking)
        {
            if (_typeIndex.TryGetValue(rule.Type, out var ti))
            {
                _masked[((int)rule.Role * t) + ti] = true;
            }
        }
    }

    public Profile Profile { get; }

    public int PurposeCount => _purposes.Length;

    /// <summary>The keys of the profile's purposes, in the profile's order.</summary>
    public IReadOnlyList<string> PurposeKeys => [.. _purposes.Select(p => p.Key)];

    public bool TryGetPurpose(string key, out int index) => _purposeIndex.TryGetValue(key, out index);

    public bool TryGetType(string name, out int index) => _typeIndex.TryGetValue(name, out index);

    public PurposeDef Purpose(int index) => _purposes[index];

    public RecordTypeDef Type(int index) => _types[index];

    /// <summary>
    /// A hash of what consent to a purpose is given to (PIPL Art. 14: purpose, method, categories): basis, consent
    /// kind, the fields it collects and reads, the method, retention, and each recipient's identity, kind,
    /// jurisdiction and what it receives. Consent given under another fingerprint needs renewal (R04). Rewording the
    /// description, necessity or impact texts does not force renewal.
    /// </summary>
    public string PurposeFingerprint(int purpose) => _fingerprints[purpose];

    public string? PurposeFingerprint(string key) => _purposeIndex.TryGetValue(key, out var i) ? _fingerprints[i] : null;

    /// <summary>Whether the purpose may read (or collect) the record type at all; lists filter on this.</summary>
    public bool Covers(int purpose, int recordType, AccessAction action)
        => (action == AccessAction.Write ? _collects : _reads)[(purpose * _types.Length) + recordType];

    /// <summary>Whether acting in <paramref name="role"/> under the purpose needs an eligible practitioner of the register (R53).</summary>
    public bool NeedsPractitioner(int purpose, Role role) => (_practitionerRoles[purpose] & (1u << (int)role)) != 0;

    public bool IsMasked(Role role, int recordType) => _masked[((int)role * _types.Length) + recordType];

    /// <summary>
    /// The refusal's detail made specific to the request, for the caller to act on: which roles the purpose admits,
    /// which purposes may collect the record type. Only refusals are explained; deciding itself builds no text.
    /// </summary>
    public string DetailOf(Refusal refusal, in AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var purpose = _purposes[request.Purpose];
        var write = request.Action == AccessAction.Write;
        if (ReferenceEquals(refusal, Refusals.RoleNotAllowed))
        {
            var roles = write ? purpose.WriteRoles : purpose.ReadRoles;
            var admitted = roles.Count == 0 ? "no role" : "the roles " + string.Join(", ", roles.Order().Select(r => r.ToKey()));
            return $"The purpose '{purpose.Key}' refused, not the endpoint: it admits {admitted} to {(write ? "write" : "read")} its records, and the caller's role is '{request.Role.ToKey()}'. Act under a purpose that admits this role (X-Purpose), or with a token of an admitted role.";
        }

        if (ReferenceEquals(refusal, Refusals.TypeNotAllowed))
        {
            var (typeIndex, action) = (request.RecordType, request.Action);
            var type = _types[typeIndex].Name;
            var others = Enumerable.Range(0, _purposes.Length).Where(i => Covers(i, typeIndex, action)).Select(i => _purposes[i].Key).ToList();
            var may = others.Count == 0 ? $"No purpose of this profile may {(write ? "collect" : "read")} it." : $"Purposes that may {(write ? "collect" : "read")} it: {string.Join(", ", others)}.";
            return $"The purpose '{purpose.Key}' may not {(write ? "collect" : "read")} '{type}' records (minimum necessary). {may} Send it under one of those (X-Purpose), or add '{type}' to this purpose's {(write ? "collect" : "read")} list in the profile.";
        }

        if (ReferenceEquals(refusal, CareRefusals.PractitionerNotEligible))
        {
            return CarePolicy.Detail(request.Practitioner, request.Role, Profile.Settings.MinimumPracticeYears);
        }

        return refusal.Detail;
    }

    public Decision Decide(in AccessRequest request)
    {
        var trace = default(NoTrace);
        return Decide(request, ref trace);
    }

    public DecisionExplanation Explain(in AccessRequest request)
    {
        var trace = new ListTrace([]);
        var decision = Decide(request, ref trace);
        return new DecisionExplanation(decision, trace.Checks);
    }

    private Decision Decide<TTrace>(in AccessRequest r, ref TTrace trace)
        where TTrace : struct, IDecisionTrace
    {
        var type = _types[r.RecordType];
        var purpose = _purposes[r.Purpose];
        var flags = r.Automated ? AuditFlags.Automated : AuditFlags.None;

        var serviceAllowed = !(type.MedicalRecord && _operatorType == OperatorType.HealthInformationService);
        trace.Check("R59", "operator type", serviceAllowed, "only medical institutions hold medical-record data");
        if (!serviceAllowed)
        {
            return Decision.Deny(Refusals.TenantServiceNotAllowed, flags);
        }

        var roleBit = 1u << (int)r.Role;
        var roleAllowed = ((r.Action == AccessAction.Write ? _writeRoles[r.Purpose] : _readRoles[r.Purpose]) & roleBit) != 0;
        trace.Check("R46", "role for purpose", roleAllowed, "the profile lists the roles that may act under each purpose");
        if (!roleAllowed)
        {
            return Decision.Deny(Refusals.RoleNotAllowed, flags);
        }

        var humanClinician = !(r.Automated && r.Role.IsClinician());
        trace.Check("R53", "human clinician", humanClinician, "an automated agent never acts as a clinician");
        if (!humanClinician)
        {
            return Decision.Deny(Refusals.AutomatedClinician, flags);
        }

        if ((_practitionerRoles[r.Purpose] & roleBit) != 0)
        {
            var eligible = r.Practitioner == PractitionerStanding.Eligible;
            trace.Check("R53", "registered practitioner", eligible, eligible
                ? "the register holds the clinician as eligible: verified, licensed, registered here, consented to online practice, not suspended, with the minimum years"
                : "the clinician of an online consultation or prescription is an eligible practitioner of the register");
            if (!eligible)
            {
                return Decision.Deny(CareRefusals.PractitionerNotEligible, flags);
            }
        }

        if (r.Role.IsSubjectSide())
        {
            var own = r.Role == Role.Patient ? r.Link == SubjectLink.Self : r.Link == SubjectLink.Guardian;
            trace.Check("R46", "own data", own, "patients reach their own data, guardians their wards'");
            if (!own)
            {
                return Decision.Deny(Refusals.NotTheSubject, flags);
            }

            if (r.Role == Role.Guardian)
            {
                flags |= AuditFlags.Guardian;
            }
        }

        var covered = Covers(r.Purpose, r.RecordType, r.Action);
        trace.Check("R06", "minimum necessary", covered, "the purpose declares the record types it may collect and read");
        if (!covered)
        {
            return Decision.Deny(Refusals.TypeNotAllowed, flags);
        }

        var restricted = r.SubjectState is SubjectState.Restricted or SubjectState.Cancelled;
        var stateAllows = !restricted || purpose.RestrictedAccess;
        trace.Check("R19", "subject state", stateAllows, "restricted data serves only the legal purpose");
        if (!stateAllows)
        {
            return Decision.Deny(Refusals.SubjectRestricted, flags);
        }

        if (restricted)
        {
            flags |= AuditFlags.Restricted;
        }

        var rules = PermitRules.None;
        if (ConsentRequired(purpose, r.UnderGuardianAge))
        {
            var refusal = ConsentRefusal(purpose, r.Consent, r.UnderGuardianAge);
            rules |= (purpose.NeedsConsent ? (purpose.Consent >= ConsentRequirement.Separate ? PermitRules.R02 : PermitRules.R01) : PermitRules.None)
                | (r.UnderGuardianAge ? PermitRules.R03 : PermitRules.None);
            trace.Check(refusal?.Rule ?? (purpose.Consent >= ConsentRequirement.Separate ? "R02" : "R01"), "consent", refusal is null, "consent-based purposes need the subject's active consent");
            if (refusal is not null)
            {
                return Decision.Deny(refusal, flags);
            }
        }

        var ownData = r.Link != SubjectLink.None && r.Role.IsSubjectSide();
        if (type.Clinical && r.Role.IsClinician())
        {
            var inCare = r.Care != CareRelation.None;
            var breakGlass = !inCare && r.HasJustification && r.Action == AccessAction.Read;
            trace.Check("R46", "care relationship", inCare || breakGlass, "clinicians read clinical data within a care relationship, or by break-glass with a justification");
            if (!inCare && !breakGlass)
            {
                return Decision.Deny(Refusals.NoCareRelationship, flags);
            }

            if (breakGlass)
            {
                flags |= AuditFlags.BreakGlass;
            }

            rules |= PermitRules.R46;
        }

        if (r.Level == Level.L5 && r.Action == AccessAction.Read)
        {
            var treating = r.Role == Role.Physician && r.Care == CareRelation.TreatingPhysician && r.HasJustification;
            trace.Check("R46", "level 5", ownData || treating, "L5 data is for the subject and the treating physician with a justification");
            if (!ownData && !treating)
            {
                return Decision.Deny(Refusals.LevelRestricted, flags);
            }

            flags |= AuditFlags.HighestLevel;
        }

        if (r.Level == Level.L5)
        {
            // Served or stored: the security team filters on it either way.
            flags |= AuditFlags.HighestLevel;
        }

        var masked = r.Action == AccessAction.Read && _masked[((int)r.Role * _types.Length) + r.RecordType];
        trace.Check("R46", "masking", true, masked ? "the role sees masked values" : "the role sees values unmasked");
        return masked
            ? new Decision(DecisionOutcome.PermitMasked, null, flags | AuditFlags.Masked, rules)
            : new Decision(DecisionOutcome.Permit, null, flags, rules);
    }

    /// <summary>
    /// Whether processing under the purpose needs consent for this subject. Below the guardian-consent age a purpose
    /// that rests on consent or on a contract needs the guardian's consent even when the profile asks none of adults
    /// (PIPL Art. 31: the guardian consents, and enters the contract, for the child). Legal duties need none.
    /// </summary>
    public static bool ConsentRequired(PurposeDef purpose, bool underGuardianAge)
        => Guard.NotNull(purpose).NeedsConsent || (underGuardianAge && purpose.LegalBasis is LegalBasis.Consent or LegalBasis.Contract);

    /// <summary>
    /// Why a consent-based purpose may not proceed with this consent status, or null when it may. A refusal (R05) counts as
    /// no consent at all; below the guardian-consent age only the guardian's grant counts (R03).
    /// </summary>
    public static Refusal? ConsentRefusal(PurposeDef purpose, ConsentStatus status, bool underGuardianAge)
    {
        Guard.NotNull(purpose);
        switch (status)
        {
            case ConsentStatus.GrantedByGuardian:
                return null;
            case ConsentStatus.Granted:
                return underGuardianAge ? Refusals.GuardianRequired : null;
            case ConsentStatus.Withdrawn:
                return Refusals.ConsentWithdrawn;
            case ConsentStatus.NeedsRenewal:
                return Refusals.ConsentNeedsRenewal;
            default:
                if (underGuardianAge)
                {
                    return Refusals.GuardianRequired;
                }

                return purpose.Consent >= ConsentRequirement.Separate ? Refusals.ConsentMissingSeparate : Refusals.ConsentMissingGeneral;
        }
    }

    private static uint Mask(IEnumerable<Role> roles)
    {
        var mask = 0u;
        foreach (var role in roles)
        {
            mask |= 1u << (int)role;
        }

        return mask;
    }

    private static string Fingerprint(PurposeDef purpose, Profile profile)
    {
        var text = new StringBuilder();
        text.Append(purpose.Key).Append('|').Append(purpose.LegalBasis).Append('|').Append(purpose.Consent).Append('|');
        foreach (var (type, paths) in purpose.Collect.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            text.Append(type).Append(':').AppendJoin(',', paths.Order(StringComparer.Ordinal)).Append(';');
        }

        text.Append('|');
        foreach (var (type, paths) in purpose.Read.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            text.Append(type).Append(':').AppendJoin(',', paths.Order(StringComparer.Ordinal)).Append(';');
        }

        text.Append('|').Append(purpose.Notice.Method).Append('|').Append(purpose.Retention.ToString());
        foreach (var key in purpose.Recipients.Order(StringComparer.Ordinal))
        {
            var recipient = profile.Recipients.FirstOrDefault(x => string.Equals(x.Key, key, StringComparison.Ordinal));
            text.Append('|').Append(key).Append('=').Append(recipient?.Name).Append('/').Append(recipient?.Kind)
                .Append('/').Append(recipient?.Jurisdiction).Append('/').Append(recipient?.Receives);
            if (recipient is not null && (recipient.ForeignControlled || recipient.Deidentify || recipient.Fields.Count > 0))
            {
                // What the notice says the recipient receives, in the terms of the catalog: a change renews consent (R04).
                // Appended only when declared, so that profiles without these keys keep the fingerprints they had.
                text.Append('/').Append(recipient.ForeignControlled).Append('/').Append(recipient.Deidentify);
                foreach (var (type, paths) in recipient.Fields.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    text.Append(type).Append(':').AppendJoin(',', paths.Order(StringComparer.Ordinal)).Append(';');
                }
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private interface IDecisionTrace
    {
        void Check(string rule, string check, bool passed, string detail);
    }

    private struct NoTrace : IDecisionTrace
    {
        public readonly void Check(string rule, string check, bool passed, string detail)
        {
        }
    }

    private readonly struct ListTrace(List<RuleCheck> checks) : IDecisionTrace
    {
        public List<RuleCheck> Checks { get; } = checks;

        public void Check(string rule, string check, bool passed, string detail)
            => Checks.Add(new RuleCheck(rule, RuleBook.Get(rule).Citation, check, passed, detail));
    }
}
