using System.Collections.Frozen;

namespace Cordon.Core.Rights;

/// <summary>A date that differs from the Monday-to-Friday week: a public holiday, or a weekend day worked in exchange (调休).</summary>
public readonly record struct CalendarDay(DateOnly Date, bool Working);

/// <summary>
/// China's working-day calendar: Monday to Friday, minus the public holidays of the State Council's yearly notice, plus
/// the weekend days it makes working days. Deadlines in working days (rights requests, R21/R22; officer filing, R26) are
/// counted on it. The operator updates it each year when the notice is published; years it does not know fall back to
/// Monday to Friday, and <see cref="Covers"/> says so.
/// </summary>
public sealed class WorkingCalendar
{
    private readonly FrozenDictionary<DateOnly, bool> _exceptions;
    private readonly FrozenSet<int> _years;

    public WorkingCalendar(IEnumerable<CalendarDay> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        var map = new Dictionary<DateOnly, bool>();
        foreach (var day in days)
        {
            var weekend = day.Date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            Guard.That(!day.Working || weekend, "a working-day exception falls on a weekend");
            map[day.Date] = day.Working;
        }

        _exceptions = map.ToFrozenDictionary();
        _years = map.Keys.Select(d => d.Year).ToFrozenSet();
    }

    /// <summary>The exceptions, in date order.</summary>
    public IEnumerable<CalendarDay> Days => _exceptions.OrderBy(p => p.Key).Select(p => new CalendarDay(p.Key, p.Value));

    /// <summary>Whether the holidays of this year are known (otherwise only weekends are skipped).</summary>
    public bool Covers(int year) => _years.Contains(year);

    public bool IsWorkingDay(DateOnly date)
        => _exceptions.TryGetValue(date, out var working) ? working : date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>The <paramref name="workingDays"/>-th working day after <paramref name="start"/> (the start day itself does not count).</summary>
    public DateOnly AddWorkingDays(DateOnly start, int workingDays)
    {
        Guard.That(workingDays >= 0, "working days are not negative");
        var date = start;
        var left = workingDays;
        while (left > 0)
        {
            date = date.AddDays(1);
            if (IsWorkingDay(date))
            {
                left--;
            }
        }

        return date;
    }

    /// <summary>Working days from <paramref name="from"/> (exclusive) to <paramref name="to"/> (inclusive); negative when <paramref name="to"/> is earlier.</summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from)
        {
            return -WorkingDaysBetween(to, from);
        }

        var count = 0;
        for (var date = from.AddDays(1); date <= to; date = date.AddDays(1))
        {
            if (IsWorkingDay(date))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The calendar with one year's exceptions replaced (the operator publishing a new year's notice).</summary>
    public WorkingCalendar WithYear(int year, IEnumerable<CalendarDay> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        var list = days.ToList();
        Guard.That(list.TrueForAll(d => d.Date.Year == year), "every day belongs to the year replaced");
        return new WorkingCalendar(Days.Where(d => d.Date.Year != year).Concat(list));
    }

    /// <summary>
    /// The holidays and exchanged working days of the State Council General Office's notices on the public-holiday
    /// arrangements for 2025 (国办发明电〔2024〕12号) and 2026 (published November 2025). Later years come from the operator.
    /// </summary>
    public static WorkingCalendar ChinaDefault { get; } = new(BuiltInDays());

    private static IEnumerable<CalendarDay> BuiltInDays()
    {
        static IEnumerable<CalendarDay> Off(int year, int month, int day, int count)
        {
            var start = new DateOnly(year, month, day);
            for (var i = 0; i < count; i++)
            {
                yield return new CalendarDay(start.AddDays(i), false);
            }
        }

        static CalendarDay On(int year, int month, int day) => new(new DateOnly(year, month, day), true);

        // 2025: New Year 1 Jan; Spring Festival 28 Jan–4 Feb (work 26 Jan, 8 Feb); Qingming 4–6 Apr;
        // Labour Day 1–5 May (work 27 Apr); Dragon Boat 31 May–2 Jun; National Day and Mid-Autumn 1–8 Oct (work 28 Sep, 11 Oct).
        var y2025 = Off(2025, 1, 1, 1).Concat(Off(2025, 1, 28, 8)).Concat(Off(2025, 4, 4, 3)).Concat(Off(2025, 5, 1, 5))
            .Concat(Off(2025, 5, 31, 3)).Concat(Off(2025, 10, 1, 8))
            .Concat([On(2025, 1, 26), On(2025, 2, 8), On(2025, 4, 27), On(2025, 9, 28), On(2025, 10, 11)]);

        // 2026: New Year 1–3 Jan (work 4 Jan); Spring Festival 15–23 Feb (work 14 Feb, 28 Feb); Qingming 4–6 Apr;
        // Labour Day 1–5 May (work 9 May); Dragon Boat 19–21 Jun; Mid-Autumn 25–27 Sep; National Day 1–7 Oct (work 20 Sep, 10 Oct).
        var y2026 = Off(2026, 1, 1, 3).Concat(Off(2026, 2, 15, 9)).Concat(Off(2026, 4, 4, 3)).Concat(Off(2026, 5, 1, 5))
            .Concat(Off(2026, 6, 19, 3)).Concat(Off(2026, 9, 25, 3)).Concat(Off(2026, 10, 1, 7))
            .Concat([On(2026, 1, 4), On(2026, 2, 14), On(2026, 2, 28), On(2026, 5, 9), On(2026, 9, 20), On(2026, 10, 10)]);

        return y2025.Concat(y2026);
    }
}
