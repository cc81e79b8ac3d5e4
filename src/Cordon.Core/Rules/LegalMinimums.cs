using Cordon.Core.Catalog;
using Cordon.Core.Profiles;

namespace Cordon.Core.Rules;

/// <summary>
/// Retention periods that a law sets as a floor. A profile that asks for less is refused at load,
/// and deleting earlier is refused at run time.
/// </summary>
public static class LegalMinimums
{
    /// <summary>Network and security logs, including the audit chain: 6 months, taken as 183 days (R44).</summary>
    public const int AuditLogDays = 183;

    /// <summary>The floor for a record class, with the rule that sets it; null when no law sets one.</summary>
    public static (RetentionPeriod Period, string Rule)? For(RetentionClass retentionClass) => retentionClass switch
    {
        RetentionClass.InternetDiagnosisRecord => (RetentionPeriod.FromYears(15), "R58"),
        RetentionClass.ConsultationProcess => (RetentionPeriod.FromYears(3), "R58"),
        RetentionClass.DisclosureRecord => (RetentionPeriod.FromYears(3), "R10"),
        RetentionClass.NetworkLog => (RetentionPeriod.FromDays(AuditLogDays), "R44"),
        _ => null,
    };
}
