namespace Cordon.Core.Subjects;

/// <summary>The state of a data subject.</summary>
public enum SubjectState : byte
{
    Active,
    /// <summary>Storage and security only; served to no purpose but the legal one (R19).</summary>
    Restricted,
    /// <summary>The account was cancelled; what a law still requires is kept like restricted data (R21).</summary>
    Cancelled,
    /// <summary>Close relatives may exercise the deceased's rights (R24).</summary>
    Deceased,
}

/// <summary>Age bands that decide consent and prescription rules, without revealing the birth date.</summary>
public enum AgeBand : byte
{
    /// <summary>Under the paediatric prescription age (6 by default, R57).</summary>
    YoungChild,
    /// <summary>Under the guardian-consent age (14 by default, R03).</summary>
    Child,
    /// <summary>14 to 17.</summary>
    Minor,
    Adult,
}

public static class SubjectNames
{
    public static string ToKey(this SubjectState state) => state switch
    {
        SubjectState.Active => "active",
        SubjectState.Restricted => "restricted",
        SubjectState.Cancelled => "cancelled",
        SubjectState.Deceased => "deceased",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static bool TryParseState(string? key, out SubjectState state)
    {
        foreach (var s in Enum.GetValues<SubjectState>())
        {
            if (string.Equals(s.ToKey(), key, StringComparison.Ordinal))
            {
                state = s;
                return true;
            }
        }

        state = default;
        return false;
    }

    public static string ToKey(this AgeBand band) => band switch
    {
        AgeBand.YoungChild => "under-6",
        AgeBand.Child => "under-14",
        AgeBand.Minor => "14-17",
        AgeBand.Adult => "adult",
        _ => throw new ArgumentOutOfRangeException(nameof(band)),
    };
}

/// <summary>Age arithmetic on dates (no clock: the caller passes today).</summary>
public static class Age
{
    /// <summary>Completed years of age on <paramref name="today"/>.</summary>
    public static int YearsOn(DateOnly birthDate, DateOnly today)
    {
        var years = today.Year - birthDate.Year;
        if (today.Month < birthDate.Month || (today.Month == birthDate.Month && today.Day < birthDate.Day))
        {
            years--;
        }

        return years;
    }

    public static AgeBand BandOn(DateOnly birthDate, DateOnly today, int guardianConsentBelowAge, int paediatricBelowAge)
    {
        var years = YearsOn(birthDate, today);
        return years < paediatricBelowAge ? AgeBand.YoungChild
            : years < guardianConsentBelowAge ? AgeBand.Child
            : years < 18 ? AgeBand.Minor
            : AgeBand.Adult;
    }
}
