using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;
using Cordon.Core.Subjects;

namespace Cordon.Core.Tests.Decisions;

public sealed class AccessPolicyTests
{
    private readonly AccessPolicy _policy = new(TestProfiles.Hospital());

    [Fact]
    public void The_care_team_physician_reads_a_consented_clinical_record()
    {
        var decision = _policy.Decide(Request(Role.Physician, "consultation", "Condition") with { Care = CareRelation.TreatingPhysician });
        Assert.Equal(DecisionOutcome.Permit, decision.Outcome);
    }

    [Fact]
    public void A_role_not_listed_for_the_purpose_is_refused_with_R46()
    {
        var decision = _policy.Decide(Request(Role.Marketing, "consultation", "Patient"));
        AssertDenied(decision, "access.role-not-allowed", "R46");
    }

    [Fact]
    public void Writing_needs_a_write_role_even_when_reading_is_allowed()
    {
        var decision = _policy.Decide(Request(Role.Nurse, "consultation", "Condition", AccessAction.Write) with { Care = CareRelation.Member });
        AssertDenied(decision, "access.role-not-allowed", "R46");
    }

    [Fact]
    public void An_automated_agent_never_acts_as_a_physician_R53()
    {
        var decision = _policy.Decide(Request(Role.Physician, "consultation", "Condition") with { Automated = true, Care = CareRelation.TreatingPhysician });
        AssertDenied(decision, "access.automated-actor", "R53");
        Assert.True(decision.Flags.HasFlag(AuditFlags.Automated));
    }

    [Fact]
    public void A_patient_reaches_only_their_own_subject()
    {
        AssertDenied(_policy.Decide(Request(Role.Patient, "consultation", "Patient")), "access.not-the-subject", "R46");
        Assert.True(_policy.Decide(Request(Role.Patient, "consultation", "Patient") with { Link = SubjectLink.Self }).IsPermitted);
        AssertDenied(_policy.Decide(Request(Role.Guardian, "consultation", "Patient") with { Link = SubjectLink.Self }), "access.not-the-subject", "R46");
        var guardian = _policy.Decide(Request(Role.Guardian, "consultation", "Patient") with { Link = SubjectLink.Guardian });
        Assert.True(guardian.IsPermitted);
        Assert.True(guardian.Flags.HasFlag(AuditFlags.Guardian));
    }

    [Fact]
    public void A_record_type_outside_the_purpose_is_refused_as_not_minimum_necessary()
    {
        AssertDenied(_policy.Decide(Request(Role.App, "account", "Condition")), "minimization.type-not-allowed", "R06");
    }

    [Theory]
    [InlineData(SubjectState.Restricted)]
    [InlineData(SubjectState.Cancelled)]
    public void Restricted_data_is_served_only_to_the_legal_purpose_R19(SubjectState state)
    {
        AssertDenied(_policy.Decide(Request(Role.App, "consultation", "Patient") with { SubjectState = state }), "access.subject-restricted", "R19");

        var legal = _policy.Decide(Request(Role.Dpo, "record-keeping", "Condition") with { SubjectState = state, Consent = ConsentStatus.NotRequired });
        Assert.True(legal.IsPermitted);
        Assert.True(legal.Flags.HasFlag(AuditFlags.Restricted));
    }

    [Fact]
    public void Missing_separate_consent_is_refused_with_R02()
    {
        AssertDenied(_policy.Decide(Request(Role.App, "consultation", "Patient") with { Consent = ConsentStatus.None }), "consent.missing", "R02");
    }

    [Fact]
    public void Missing_general_consent_is_refused_with_R01()
    {
        AssertDenied(_policy.Decide(Request(Role.App, "newsletter", "Account") with { Consent = ConsentStatus.None }), "consent.missing", "R01");
    }

    [Fact]
    public void A_withdrawn_consent_stops_processing_R08()
    {
        AssertDenied(_policy.Decide(Request(Role.App, "consultation", "Patient") with { Consent = ConsentStatus.Withdrawn }), "consent.missing", "R08");
    }

    [Fact]
    public void A_refused_consent_counts_as_no_consent()
    {
        AssertDenied(_policy.Decide(Request(Role.App, "consultation", "Patient") with { Consent = ConsentStatus.Refused }), "consent.missing", "R02");
        AssertDenied(_policy.Decide(Request(Role.App, "newsletter", "Account") with { Consent = ConsentStatus.Refused }), "consent.missing", "R01");
    }

    [Fact]
    public void Below_the_guardian_age_only_a_guardians_consent_counts_R03()
    {
        var child = Request(Role.App, "consultation", "Patient") with { UnderGuardianAge = true };
        AssertDenied(_policy.Decide(child with { Consent = ConsentStatus.Granted }), "consent.guardian-required", "R03");
        AssertDenied(_policy.Decide(child with { Consent = ConsentStatus.None }), "consent.guardian-required", "R03");
        Assert.True(_policy.Decide(child with { Consent = ConsentStatus.GrantedByGuardian }).IsPermitted);
    }

    [Fact]
    public void A_child_needs_a_guardians_consent_even_where_adults_contract_without_one_R03()
    {
        var child = Request(Role.App, "account", "Account") with { UnderGuardianAge = true, Consent = ConsentStatus.None };
        AssertDenied(_policy.Decide(child), "consent.guardian-required", "R03");
        AssertDenied(_policy.Decide(child with { Consent = ConsentStatus.NotRequired }), "consent.guardian-required", "R03");
        Assert.True(_policy.Decide(child with { Consent = ConsentStatus.GrantedByGuardian }).IsPermitted);
        Assert.True(_policy.Decide(child with { UnderGuardianAge = false, Consent = ConsentStatus.NotRequired }).IsPermitted);

        var legalDuty = Request(Role.Dpo, "record-keeping", "Patient") with { UnderGuardianAge = true, Consent = ConsentStatus.NotRequired };
        Assert.True(_policy.Decide(legalDuty).IsPermitted);
    }

    [Fact]
    public void Consent_under_a_changed_notice_needs_renewal_R04()
    {
        AssertDenied(_policy.Decide(Request(Role.App, "consultation", "Patient") with { Consent = ConsentStatus.NeedsRenewal }), "consent.renewal-required", "R04");
    }

    [Fact]
    public void Purposes_without_consent_need_none()
    {
        Assert.True(_policy.Decide(Request(Role.App, "account", "Account") with { Consent = ConsentStatus.NotRequired }).IsPermitted);
    }

    [Fact]
    public void Clinicians_outside_the_care_team_are_refused_unless_they_break_glass()
    {
        var nurse = Request(Role.Nurse, "consultation", "Condition");
        AssertDenied(_policy.Decide(nurse), "access.no-care-relationship", "R46");

        var breakGlass = _policy.Decide(nurse with { HasJustification = true });
        Assert.True(breakGlass.IsPermitted);
        Assert.True(breakGlass.Flags.HasFlag(AuditFlags.BreakGlass));

        AssertDenied(_policy.Decide(nurse with { HasJustification = true, Action = AccessAction.Write, Role = Role.Physician }), "access.no-care-relationship", "R46");
    }

    [Fact]
    public void Care_relationship_does_not_apply_to_non_clinical_types()
    {
        Assert.True(_policy.Decide(Request(Role.Nurse, "consultation", "Patient")).IsPermitted);
    }

    [Fact]
    public void Level_5_needs_the_treating_physician_with_a_justification()
    {
        var l5 = Request(Role.Physician, "consultation", "Condition") with { Level = Level.L5, Care = CareRelation.TreatingPhysician };
        AssertDenied(_policy.Decide(l5), "access.level-restricted", "R46");
        AssertDenied(_policy.Decide(l5 with { Role = Role.Nurse, Care = CareRelation.Member, HasJustification = true }), "access.level-restricted", "R46");
        AssertDenied(_policy.Decide(l5 with { Role = Role.App, Care = CareRelation.None, HasJustification = true }), "access.level-restricted", "R46");
        AssertDenied(_policy.Decide(l5 with { Care = CareRelation.None, HasJustification = true }), "access.level-restricted", "R46");

        var treating = _policy.Decide(l5 with { HasJustification = true });
        Assert.True(treating.IsPermitted);
        Assert.True(treating.Flags.HasFlag(AuditFlags.HighestLevel));

        Assert.True(_policy.Decide(l5 with { Role = Role.Patient, Link = SubjectLink.Self, Care = CareRelation.None }).IsPermitted);
    }

    [Fact]
    public void Support_staff_get_masked_values()
    {
        var decision = _policy.Decide(Request(Role.Support, "consultation", "Patient"));
        Assert.Equal(DecisionOutcome.PermitMasked, decision.Outcome);
        Assert.Equal(DecisionOutcome.Permit, _policy.Decide(Request(Role.App, "consultation", "Patient")).Outcome);
    }

    [Fact]
    public void An_operator_that_is_not_a_medical_institution_holds_no_medical_records_R59()
    {
        var policy = new AccessPolicy(TestProfiles.Hospital(OperatorType.HealthInformationService));
        policy.TryGetPurpose("consultation", out var p);
        policy.TryGetType("Condition", out var t);
        var decision = policy.Decide(new AccessRequest { Role = Role.App, Purpose = p, RecordType = t, Action = AccessAction.Write, Consent = ConsentStatus.Granted });
        AssertDenied(decision, "tenant.service-not-allowed", "R59");
    }

    [Fact]
    public void Explain_lists_each_rule_checked_and_stops_at_the_deciding_one()
    {
        var explanation = _policy.Explain(Request(Role.App, "consultation", "Patient") with { Consent = ConsentStatus.None });

        Assert.False(explanation.Decision.IsPermitted);
        var last = explanation.Checks[^1];
        Assert.Equal("R02", last.Rule);
        Assert.False(last.Passed);
        Assert.Contains("PIPL Art. 29", last.Citation, StringComparison.Ordinal);
        Assert.All(explanation.Checks.SkipLast(1), c => Assert.True(c.Passed));
        Assert.Contains(explanation.Checks, c => c.Rule == "R46");
    }

    [Fact]
    public void Deciding_a_masked_permit_allocates_nothing()
    {
        var request = Request(Role.Support, "consultation", "Patient");
        _policy.Decide(request);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var masked = 0;
        for (var i = 0; i < 10_000; i++)
        {
            masked += _policy.Decide(request).Outcome == DecisionOutcome.PermitMasked ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_000, masked);
    }

    [Fact]
    public void Purpose_fingerprints_change_when_what_the_notice_says_changes()
    {
        var profile = TestProfiles.Hospital();
        var changed = new Profile
        {
            FileName = profile.FileName,
            Operator = profile.Operator,
            Settings = profile.Settings,
            Catalog = profile.Catalog,
            Masking = profile.Masking,
            Recipients = profile.Recipients,
            RetentionRules = profile.RetentionRules,
            AuditRetentionDays = profile.AuditRetentionDays,
            Notice = profile.Notice,
            SourceText = profile.SourceText,
            Purposes = [.. profile.Purposes.Select(p => p.Key == "newsletter" ? new PurposeDef
            {
                Key = p.Key, Name = p.Name, Description = p.Description, LegalBasis = p.LegalBasis, Consent = p.Consent,
                WriteRoles = p.WriteRoles, ReadRoles = p.ReadRoles, Collect = p.Collect, Read = p.Read, Retention = p.Retention,
                Notice = new PurposeNotice { Method = "SMS and app push" },
            } : p)],
        };
        var before = new AccessPolicy(profile);
        var after = new AccessPolicy(changed);

        Assert.NotEqual(before.PurposeFingerprint("newsletter"), after.PurposeFingerprint("newsletter"));
        Assert.Equal(before.PurposeFingerprint("consultation"), after.PurposeFingerprint("consultation"));
    }

    [Fact]
    public void A_permit_names_the_rules_it_rests_on_and_a_level_5_write_is_flagged()
    {
        var clinician = _policy.Decide(Request(Role.Physician, "consultation", "Condition", AccessAction.Write) with { Care = CareRelation.TreatingPhysician });
        Assert.Equal(["R02", "R46"], clinician.RuleIds);

        var app = _policy.Decide(Request(Role.App, "consultation", "Condition", AccessAction.Write));
        Assert.Equal(["R02"], app.RuleIds);
        Assert.False(app.Flags.HasFlag(AuditFlags.HighestLevel));

        var child = _policy.Decide(Request(Role.App, "consultation", "Condition", AccessAction.Write) with { UnderGuardianAge = true, Consent = ConsentStatus.GrantedByGuardian });
        Assert.Equal(["R02", "R03"], child.RuleIds);

        var legal = _policy.Decide(Request(Role.Dpo, "record-keeping", "Condition") with { Consent = ConsentStatus.NotRequired });
        Assert.Empty(legal.RuleIds);

        var l5 = _policy.Decide(Request(Role.App, "consultation", "Condition", AccessAction.Write) with { Level = Level.L5 });
        Assert.True(l5.IsPermitted);
        Assert.True(l5.Flags.HasFlag(AuditFlags.HighestLevel));

        var denied = _policy.Decide(Request(Role.App, "consultation", "Condition", AccessAction.Write) with { Consent = ConsentStatus.None });
        Assert.Equal(["R02"], denied.RuleIds);
        Assert.Equal(PermitRules.None, denied.Rules);
    }

    // Tests for what the mutation run (Stryker.NET, December 2026) found no test would notice.

    [Fact]
    public void A_permit_names_the_rules_it_rests_on()
    {
        Assert.Equal(["R02"], _policy.Decide(Request(Role.App, "consultation", "Patient")).RuleIds);
        Assert.Equal(["R01"], _policy.Decide(Request(Role.App, "newsletter", "Account")).RuleIds);
        Assert.Empty(_policy.Decide(Request(Role.App, "account", "Account") with { Consent = ConsentStatus.NotRequired }).RuleIds);
        Assert.Equal(["R02", "R46"], _policy.Decide(Request(Role.Physician, "consultation", "Condition") with { Care = CareRelation.TreatingPhysician }).RuleIds);
        var child = _policy.Decide(Request(Role.App, "consultation", "Patient") with { UnderGuardianAge = true, Consent = ConsentStatus.GrantedByGuardian });
        Assert.Contains("R03", child.RuleIds);
    }

    [Fact]
    public void An_explanation_lists_every_rule_checked_in_order()
    {
        var patient = Request(Role.Patient, "consultation", "Condition") with { Link = SubjectLink.Self };
        var explained = _policy.Explain(patient);
        Assert.True(explained.Decision.IsPermitted);
        Assert.Equal(["R59", "R46", "R53", "R46", "R06", "R19", "R02"], explained.Checks.Take(7).Select(c => c.Rule));
        Assert.All(explained.Checks, c => Assert.True(c.Passed, c.Check));

        var clinician = _policy.Explain(Request(Role.Physician, "consultation", "Condition") with { Care = CareRelation.TreatingPhysician, Level = Level.L5, HasJustification = true });
        Assert.Contains(clinician.Checks, c => c.Check == "care relationship" && c.Passed);
        Assert.Contains(clinician.Checks, c => c.Check == "level 5" && c.Passed);
        var masked = _policy.Explain(Request(Role.Support, "consultation", "Patient"));
        Assert.Contains(masked.Checks, c => c.Check == "masking" && c.Passed && c.Detail.Contains("masked values", StringComparison.Ordinal));
        var refused = _policy.Explain(Request(Role.Nurse, "consultation", "Condition"));
        Assert.Contains(refused.Checks, c => c.Check == "care relationship" && !c.Passed);
    }

    [Fact]
    public void Reading_and_collecting_are_covered_apart()
    {
        // In the default profile the consultation reads test results but does not collect them.
        var policy = new AccessPolicy(Cordon.Core.Profiles.ProfileLoader.Load(RepoFiles.ReadProfile("internet-hospital.yaml"), "internet-hospital.yaml").Profile!);
        Assert.True(policy.TryGetPurpose("consultation", out var consultation));
        Assert.True(policy.TryGetType("Observation", out var observation));
        Assert.True(policy.Covers(consultation, observation, AccessAction.Read));
        Assert.False(policy.Covers(consultation, observation, AccessAction.Write));
        Assert.True(policy.TryGetType("Condition", out var condition));
        Assert.True(policy.Covers(consultation, condition, AccessAction.Write));
    }

    [Fact]
    public void Masking_applies_to_the_role_and_type_it_names_only()
    {
        Assert.True(_policy.TryGetType("Patient", out var patient));
        Assert.True(_policy.TryGetType("Condition", out var condition));
        Assert.True(_policy.IsMasked(Role.Support, patient));
        Assert.False(_policy.IsMasked(Role.Support, condition));
        Assert.False(_policy.IsMasked(Role.App, patient));
        var masked = _policy.Decide(Request(Role.Support, "consultation", "Patient"));
        Assert.True(masked.Flags.HasFlag(AuditFlags.Masked));
    }

    private AccessRequest Request(Role role, string purpose, string type, AccessAction action = AccessAction.Read)
    {
        Assert.True(_policy.TryGetPurpose(purpose, out var p));
        Assert.True(_policy.TryGetType(type, out var t));
        return new AccessRequest { Role = role, Purpose = p, RecordType = t, Action = action, Level = Level.L4, Consent = ConsentStatus.Granted };
    }

    private static void AssertDenied(Decision decision, string code, string rule)
    {
        Assert.Equal(DecisionOutcome.Deny, decision.Outcome);
        Assert.Equal(code, decision.Refusal!.Code);
        Assert.Equal(rule, decision.Refusal.Rule);
        Assert.False(string.IsNullOrEmpty(decision.Refusal.Citation));
    }
}
