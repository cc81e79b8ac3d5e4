using Cordon.Core.Rights;
using Cordon.Core.Sharing;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Sharing;

/// <summary>
/// The DPO's view of transfers abroad this calendar year (R33–R36): the distinct individuals counted since 1 January,
/// sensitive and not, the mechanism the counts require, and for each recipient abroad what is held, until when, and
/// whether the 60-working-day renewal window of a security assessment has opened.
/// </summary>
public static class CrossBorderStatus
{
    /// <summary>A security assessment's renewal is asked for in the 60 working days before it expires (R36).</summary>
    public const int RenewalWorkingDays = 60;

    public static CrossBorderThresholds ThresholdsOf(TenantContext tenant)
    {
        var s = Core.Guard.NotNull(tenant).Profile.Settings;
        return new CrossBorderThresholds(s.CrossBorderExemptBelow, s.CrossBorderAssessmentAt, s.CrossBorderSensitiveAssessmentAt);
    }

    public static async Task<CrossBorderView> GetAsync(TenantContext tenant, ISharingStore store, WorkingCalendar calendar, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(calendar);
        var counts = await store.GetCrossBorderCountsAsync(Core.Guard.NotNull(tenant).Id, today.Year, cancellationToken);
        var thresholds = ThresholdsOf(tenant);
        var required = SharingPolicy.Required(counts, thresholds);
        var recipients = new List<CrossBorderRecipient>();
        foreach (var standing in (await RecipientRegister.StandingsAsync(tenant, store, cancellationToken)).Where(s => s.Recipient.Abroad))
        {
            var r = standing.Recipient;
            var held = standing.Transfer;
            DateOnly? renewFrom = held is { Kind: TransferBasis.SecurityAssessment, ValidUntil: { } until } ? SubtractWorkingDays(calendar, until, RenewalWorkingDays) : null;
            var sufficient = held is not null && (held.IsExempt(today) || held.Mechanism(today) >= required);
            recipients.Add(new CrossBorderRecipient(r.Key, r.Name, r.Jurisdiction, held?.Kind, held?.Reference, held?.ValidUntil, renewFrom, renewFrom is { } from && today >= from, sufficient || required == TransferMechanism.None));
        }

        return new CrossBorderView(counts.Year, counts.NonSensitive, counts.Sensitive, counts.ImportantData, Key(required), SharingPolicy.RuleOf(required), thresholds, recipients);
    }

    public static string Key(TransferMechanism mechanism) => mechanism switch
    {
        TransferMechanism.None => "none",
        TransferMechanism.StandardContractOrCertification => "standard-contract-or-certification",
        _ => "security-assessment",
    };

    private static DateOnly SubtractWorkingDays(WorkingCalendar calendar, DateOnly from, int days)
    {
        var day = from;
        var left = days;
        while (left > 0)
        {
            day = day.AddDays(-1);
            if (calendar.IsWorkingDay(day))
            {
                left--;
            }
        }

        return day;
    }
}
