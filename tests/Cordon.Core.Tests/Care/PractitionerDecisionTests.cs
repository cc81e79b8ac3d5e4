using Cordon.Core.Access;
using Cordon.Core.Care;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;

namespace Cordon.Core.Tests.Care;

/// <summary>The access decision reads the precomputed register standing under consultation and prescription purposes (R53).</summary>
public sealed class PractitionerDecisionTests
{
    private static readonly AccessPolicy Policy = new(ProfileLoader.Load(RepoFiles.ReadProfile("internet-hospital.yaml"), "internet-hospital.yaml").Profile!);

    [Theory]
    [InlineData(Role.Physician, "consultation", true)]
    [InlineData(Role.Nurse, "consultation", true)]
    [InlineData(Role.Physician, "prescription", true)]
    [InlineData(Role.Pharmacist, "prescription", true)]
    [InlineData(Role.Nurse, "prescription", false)]
    [InlineData(Role.Physician, "test-results", false)]
    [InlineData(Role.App, "consultation", false)]
    public void Consultation_clinicians_and_prescription_physicians_and_pharmacists_need_the_register(Role role, string purpose, bool needs)
    {
        Assert.True(Policy.TryGetPurpose(purpose, out var p));
        Assert.Equal(needs, Policy.NeedsPractitioner(p, role));
    }

    [Theory]
    [InlineData(PractitionerStanding.Unchecked, "not consulted")]
    [InlineData(PractitionerStanding.NotRegistered, "not registered")]
    [InlineData(PractitionerStanding.TooFewYears, "fewer than 3 years")]
    [InlineData(PractitionerStanding.Suspended, "suspended")]
    public void A_physician_who_is_not_eligible_is_refused_with_the_condition_in_the_detail(PractitionerStanding standing, string detail)
    {
        var request = Request(Role.Physician, "consultation", "Condition") with { Practitioner = standing };
        var decision = Policy.Decide(request);
        Assert.Equal(DecisionOutcome.Deny, decision.Outcome);
        Assert.Same(CareRefusals.PractitionerNotEligible, decision.Refusal);
        Assert.Equal("R53", decision.Refusal!.Rule);
        Assert.Contains(detail, Policy.DetailOf(decision.Refusal, request), StringComparison.Ordinal);
    }

    [Fact]
    public void An_eligible_physician_is_permitted_and_the_explanation_lists_the_check()
    {
        var request = Request(Role.Physician, "consultation", "Condition") with { Practitioner = PractitionerStanding.Eligible };
        Assert.True(Policy.Decide(request).IsPermitted);
        var check = Assert.Single(Policy.Explain(request).Checks, c => c.Check == "registered practitioner");
        Assert.Equal("R53", check.Rule);
        Assert.True(check.Passed);
    }

    [Fact]
    public void The_register_is_not_consulted_outside_consultation_and_prescription()
        => Assert.DoesNotContain(Policy.Explain(Request(Role.Physician, "test-results", "Observation")).Checks, c => c.Check == "registered practitioner");

    private static AccessRequest Request(Role role, string purpose, string type)
    {
        Assert.True(Policy.TryGetPurpose(purpose, out var p));
        Assert.True(Policy.TryGetType(type, out var t));
        return new AccessRequest { Role = role, Purpose = p, RecordType = t, Action = AccessAction.Read, Level = Level.L4, Consent = ConsentStatus.Granted, Care = CareRelation.TreatingPhysician };
    }
}
