using System.Collections.Concurrent;
using Cordon.Core.Rights;
using Cordon.Storage;

namespace Cordon.Server.Rights;

/// <summary>
/// The working-day calendar of each tenant: the built-in years, with the operator's years in their place. A change on
/// any node reaches every node's cache within a second (the shared-state version bumped with it).
/// </summary>
public sealed class CalendarCache(IRightsStore store)
{
    private readonly ConcurrentDictionary<string, WorkingCalendar> _calendars = new(StringComparer.Ordinal);

    public async ValueTask<WorkingCalendar> GetAsync(string tenant, CancellationToken cancellationToken)
    {
        if (_calendars.TryGetValue(tenant, out var cached))
        {
            return cached;
        }

        var calendar = WorkingCalendar.ChinaDefault;
        foreach (var year in (await store.GetCalendarAsync(tenant, cancellationToken)).GroupBy(d => d.Date.Year))
        {
            calendar = calendar.WithYear(year.Key, year);
        }

        _calendars[tenant] = calendar;
        return calendar;
    }

    public void Invalidate(string tenant) => _calendars.TryRemove(tenant, out _);
}

