using Cordon.Core.Access;
using Cordon.Core.Care;

namespace Cordon.Core.Tests.Care;

public sealed class CarePolicyTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);

    private static Practitioner Eligible(Role role = Role.Physician) => new()
    {
        Id = "dr-li",
        Role = role,
        Name = "李明",
        RealName = new RealNameVerification(RealNameVerification.Verified, "id-card-and-face", Today.AddDays(-30)),
        Licence = "110101000000001",
        Registration = new PracticeRegistration(PracticeRegistration.ThisInstitution, "示例互联网医院", new DateOnly(2019, 7, 1)),
        IndependentPracticeSince = new DateOnly(2018, 7, 1),
        OnlinePracticeConsentedOn = Today.AddDays(-10),
    };

    public static TheoryData<string, PractitionerStanding, string> Conditions => new()
    {
        { "eligible", PractitionerStanding.Eligible, "eligible" },
        { "none", PractitionerStanding.NotRegistered, "not registered" },
        { "nurse", PractitionerStanding.RoleMismatch, "another role" },
        { "suspended", PractitionerStanding.Suspended, "suspended" },
        { "pending", PractitionerStanding.RealNameNotVerified, "real name is not verified" },
        { "verified-later", PractitionerStanding.RealNameNotVerified, "real name is not verified" },
        { "no-licence", PractitionerStanding.LicenceMissing, "licence" },
        { "not-here", PractitionerStanding.NotRegisteredHere, "this institution" },
        { "two-years", PractitionerStanding.TooFewYears, "fewer than 3 years" },
        { "no-start", PractitionerStanding.TooFewYears, "fewer than 3 years" },
        { "no-consent", PractitionerStanding.NoOnlineConsent, "online practice" },
        { "consent-later", PractitionerStanding.NoOnlineConsent, "online practice" },
    };

    [Theory]
    [MemberData(nameof(Conditions))]
    public void Each_condition_of_R53_refuses_with_its_own_detail(string condition, PractitionerStanding expected, string detail)
    {
        var p = Eligible();
        Practitioner? entry = condition switch
        {
            "none" => null,
            "nurse" => p with { Role = Role.Nurse },
            "suspended" => p with { Suspension = new PractitionerSuspension(DateTimeOffset.UnixEpoch, "review", "ops") },
            "pending" => p with { RealName = new RealNameVerification(RealNameVerification.Pending, "id-card", null) },
            "verified-later" => p with { RealName = p.RealName with { VerifiedOn = Today.AddDays(1) } },
            "no-licence" => p with { Licence = null },
            "not-here" => p with { Registration = null },
            "two-years" => p with { IndependentPracticeSince = Today.AddYears(-3).AddDays(1) },
            "no-start" => p with { IndependentPracticeSince = null },
            "no-consent" => p with { OnlinePracticeConsentedOn = null },
            "consent-later" => p with { OnlinePracticeConsentedOn = Today.AddDays(1) },
            _ => p,
        };

        Assert.Equal(expected, CarePolicy.Standing(entry, Role.Physician, automated: false, 3, Today));
        var failure = CarePolicy.Check(entry, Role.Physician, automated: false, 3, Today);
        if (expected == PractitionerStanding.Eligible)
        {
            Assert.Null(failure);
            return;
        }

        Assert.NotNull(failure);
        Assert.Equal("care.practitioner-not-eligible", failure.Code);
        Assert.Equal("R53", failure.Rule);
        Assert.Contains(detail, failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_automated_agent_is_never_a_practitioner()
        => Assert.Equal(PractitionerStanding.Automated, CarePolicy.Standing(Eligible(), Role.Physician, automated: true, 3, Today));

    [Fact]
    public void Years_of_practice_grow_with_time_and_the_profile_sets_the_minimum()
    {
        var p = Eligible() with { IndependentPracticeSince = new DateOnly(2023, 6, 2) };
        Assert.Equal(PractitionerStanding.TooFewYears, CarePolicy.Standing(p, Role.Physician, false, 3, Today));
        Assert.Equal(PractitionerStanding.Eligible, CarePolicy.Standing(p, Role.Physician, false, 3, Today.AddDays(1)));
        Assert.Equal(PractitionerStanding.TooFewYears, CarePolicy.Standing(p, Role.Physician, false, 5, Today.AddDays(1)));
        Assert.Equal(2, CarePolicy.YearsOfPractice(new DateOnly(2023, 6, 2), Today));
        Assert.Equal(3, CarePolicy.YearsOfPractice(new DateOnly(2023, 6, 1), Today));
    }

    [Fact]
    public void Nurses_and_pharmacists_need_no_minimum_years()
    {
        var nurse = Eligible(Role.Nurse) with { IndependentPracticeSince = Today };
        Assert.Equal(PractitionerStanding.Eligible, CarePolicy.Standing(nurse, Role.Nurse, false, 3, Today));
        Assert.Equal(PractitionerStanding.Eligible, CarePolicy.Standing(Eligible(Role.Pharmacist) with { IndependentPracticeSince = null }, Role.Pharmacist, false, 3, Today));
    }

    [Theory]
    [InlineData(Role.Physician, "110101000000001", true)]
    [InlineData(Role.Physician, "11010100000000", false)]
    [InlineData(Role.Physician, "1101010000000011", false)]
    [InlineData(Role.Physician, "11010100000000X", false)]
    [InlineData(Role.Nurse, "201911000123", true)]
    [InlineData(Role.Pharmacist, "ZY-2019-0001", true)]
    [InlineData(Role.Pharmacist, "", false)]
    [InlineData(Role.Nurse, "12 34", false)]
    public void A_licence_number_has_its_shape(Role role, string licence, bool valid)
        => Assert.Equal(valid, CarePolicy.LicenceProblem(role, licence) is null);
}
