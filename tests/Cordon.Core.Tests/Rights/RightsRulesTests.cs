using Cordon.Core.Access;
using Cordon.Core.Profiles;
using Cordon.Core.Retention;
using Cordon.Core.Rights;
using Cordon.Core.Subjects;

namespace Cordon.Core.Tests.Rights;

public sealed class WorkingCalendarTests
{
    private static readonly WorkingCalendar China = WorkingCalendar.ChinaDefault;

    [Theory]
    [InlineData("2026-02-16", false)] // Spring Festival holiday, a Monday
    [InlineData("2026-02-14", true)]  // Saturday worked in exchange
    [InlineData("2026-02-28", true)]
    [InlineData("2026-10-05", false)] // National Day, a Monday
    [InlineData("2026-10-10", true)]  // Saturday worked in exchange
    [InlineData("2026-11-23", true)]  // an ordinary Monday
    [InlineData("2026-11-22", false)] // an ordinary Sunday
    [InlineData("2025-10-08", false)] // 2025 National Day and Mid-Autumn
    public void Knows_Chinas_holidays_and_exchanged_working_days(string date, bool working)
        => Assert.Equal(working, China.IsWorkingDay(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Fifteen_working_days_from_a_request_skip_weekends_and_the_Spring_Festival()
    {
        // Received Friday 6 Feb 2026: 9 Feb–13 Feb (5), Sat 14 Feb worked (6), 15–23 Feb holiday, 24–27 Feb (10), Sat 28 Feb worked (11), 2–5 Mar (15).
        Assert.Equal(new DateOnly(2026, 3, 5), China.AddWorkingDays(new DateOnly(2026, 2, 6), 15));
        // An ordinary stretch: Monday 23 Nov 2026 + 15 working days = Monday 14 Dec.
        Assert.Equal(new DateOnly(2026, 12, 14), China.AddWorkingDays(new DateOnly(2026, 11, 23), 15));
        Assert.Equal(15, China.WorkingDaysBetween(new DateOnly(2026, 2, 6), new DateOnly(2026, 3, 5)));
    }

    [Fact]
    public void An_operator_year_replaces_the_built_in_one_and_unknown_years_fall_back_to_weekdays()
    {
        Assert.True(China.Covers(2026));
        Assert.False(China.Covers(2027));
        var holiday = new DateOnly(2027, 1, 1);
        Assert.True(China.IsWorkingDay(holiday));
        var updated = China.WithYear(2027, [new CalendarDay(holiday, false)]);
        Assert.False(updated.IsWorkingDay(holiday));
        Assert.True(updated.Covers(2027));
        Assert.False(updated.IsWorkingDay(new DateOnly(2026, 2, 16)));
    }
}

public sealed class RequesterRulesTests
{
    private static RequesterFacts Facts(Role role, string? token, RequesterRelation relation, SubjectState state = SubjectState.Active, bool child = false, bool proof = false, string? guardian = null)
        => new(role, token, relation, proof, "sub_a", guardian, state, child);

    [Fact]
    public void The_subject_asks_for_itself()
        => Assert.Null(RequesterRules.Check(RightsKind.Deletion, Facts(Role.Patient, "sub_a", RequesterRelation.Self)));

    [Theory]
    [InlineData(Role.App)]
    [InlineData(Role.Admin)]
    [InlineData(Role.Dpo)]
    [InlineData(Role.Physician)]
    public void Staff_and_services_cannot_ask_for_a_subject(Role role)
        => Assert.Equal("R22", RequesterRules.Check(RightsKind.Access, Facts(role, null, RequesterRelation.Self))!.Rule);

    [Fact]
    public void Another_patient_cannot_ask_as_the_subject()
        => Assert.Same(RequesterRules.NotAllowed, RequesterRules.Check(RightsKind.Access, Facts(Role.Patient, "sub_b", RequesterRelation.Self)));

    [Fact]
    public void A_guardian_acts_for_a_child_only()
    {
        Assert.Null(RequesterRules.Check(RightsKind.Cancellation, Facts(Role.Guardian, "sub_g", RequesterRelation.Guardian, child: true, guardian: "sub_g")));
        Assert.Same(RequesterRules.GuardianOfAdult, RequesterRules.Check(RightsKind.Access, Facts(Role.Guardian, "sub_g", RequesterRelation.Guardian, guardian: "sub_g")));
        Assert.Same(RequesterRules.NotAllowed, RequesterRules.Check(RightsKind.Access, Facts(Role.Guardian, "sub_x", RequesterRelation.Guardian, child: true, guardian: "sub_g")));
        Assert.Same(RequesterRules.ChildActsThroughGuardian, RequesterRules.Check(RightsKind.Access, Facts(Role.Patient, "sub_a", RequesterRelation.Self, child: true)));
    }

    [Fact]
    public void A_close_relative_acts_for_the_deceased_with_proof_for_four_rights_only()
    {
        Assert.Null(RequesterRules.Check(RightsKind.Copy, Facts(Role.Patient, "sub_r", RequesterRelation.CloseRelative, SubjectState.Deceased, proof: true)));
        Assert.Same(RequesterRules.ProofRequired, RequesterRules.Check(RightsKind.Copy, Facts(Role.Patient, "sub_r", RequesterRelation.CloseRelative, SubjectState.Deceased)));
        Assert.Same(RequesterRules.SubjectNotDeceased, RequesterRules.Check(RightsKind.Copy, Facts(Role.Patient, "sub_r", RequesterRelation.CloseRelative, proof: true)));
        foreach (var kind in new[] { RightsKind.Portability, RightsKind.Cancellation, RightsKind.Withdrawal, RightsKind.Restriction, RightsKind.Explanation })
        {
            Assert.Same(RequesterRules.RelativeKindNotAllowed, RequesterRules.Check(kind, Facts(Role.Patient, "sub_r", RequesterRelation.CloseRelative, SubjectState.Deceased, proof: true)));
        }

        Assert.All(new[] { RightsKind.Access, RightsKind.Copy, RightsKind.Correction, RightsKind.Deletion }, k => Assert.True(RequesterRules.RelativeMayAsk(k)));
    }
}

public sealed class RetentionPolicyTests
{
    private static readonly Profile Profile = ProfileLoader.Load(RepoFiles.ReadProfile("internet-hospital.yaml"), "internet-hospital.yaml").Profile!;
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Internet_diagnosis_records_are_kept_fifteen_years_whatever_the_deletion_request()
    {
        var policy = new RetentionPolicy(Profile);
        var condition = new RecordFacts("rec_1", "sub_a", "Condition", "consultation", T0);
        var verdict = policy.Judge(condition, T0.AddYears(2), onLegalHold: false);
        Assert.Equal(KeepReason.LegalMinimum, verdict.Keep);
        Assert.Equal("R58", verdict.Rule);
        Assert.Equal(T0.AddYears(15), verdict.KeepUntil);
        Assert.True(policy.Judge(condition, T0.AddYears(15).AddDays(1), false).MayDelete);
    }

    [Fact]
    public void Consultation_chats_three_years_logs_183_days_and_a_type_without_floor_may_go_at_once()
    {
        var policy = new RetentionPolicy(Profile);
        Assert.Equal("R58", policy.Judge(new RecordFacts("r", "s", "Communication", "health-advice", T0), T0.AddYears(1), false).Rule);
        Assert.Equal("R44", policy.Judge(new RecordFacts("r", "s", "AccessLog", "security.logging", T0), T0.AddDays(100), false).Rule);
        Assert.True(policy.Judge(new RecordFacts("r", "s", "AccessLog", "security.logging", T0), T0.AddDays(184), false).MayDelete);
        Assert.True(policy.Judge(new RecordFacts("r", "s", "Patient", "appointment", T0), T0.AddDays(1), false).MayDelete);
    }

    [Fact]
    public void A_legal_hold_keeps_everything_and_expiry_is_the_later_of_purpose_and_floor()
    {
        var policy = new RetentionPolicy(Profile);
        var held = policy.Judge(new RecordFacts("r", "s", "Patient", "appointment", T0), T0.AddYears(10), onLegalHold: true);
        Assert.Equal(KeepReason.LegalHold, held.Keep);
        Assert.Equal("R19", held.Rule);
        Assert.Equal(T0.AddYears(3), policy.Expiry("Patient", "appointment", T0));
        Assert.Equal(T0.AddYears(15), policy.Expiry("Condition", "consultation", T0));
        var cutoffs = policy.Cutoffs(T0, [("Patient", "appointment"), ("Condition", "consultation")]);
        Assert.Equal(T0.AddYears(-3), cutoffs[0].CreatedBefore);
        Assert.Equal(T0.AddYears(-15), cutoffs[1].CreatedBefore);
    }
}
