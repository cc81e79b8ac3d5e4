namespace Cordon.Core.Rights;

/// <summary>The rights a data subject exercises through a rights request (PIPL Art. 44–50; NDSMR Art. 23–25).</summary>
public enum RightsKind : byte
{
    /// <summary>See what is held (PIPL Art. 45).</summary>
    Access,
    /// <summary>Receive a copy (PIPL Art. 45).</summary>
    Copy,
    /// <summary>Have the data transferred to another processor (PIPL Art. 45; NDSMR Art. 25).</summary>
    Portability,
    /// <summary>Correct or complete a record (PIPL Art. 46).</summary>
    Correction,
    /// <summary>Delete what no law requires to keep (PIPL Art. 47).</summary>
    Deletion,
    /// <summary>Restrict processing to storage and the legal duty (PIPL Art. 44).</summary>
    Restriction,
    /// <summary>Withdraw consent, one purpose or all at once (PIPL Art. 15).</summary>
    Withdrawal,
    /// <summary>Cancel the account (PIPL Art. 47; NDSMR Art. 24).</summary>
    Cancellation,
    /// <summary>Explain the processing rules (PIPL Art. 48).</summary>
    Explanation,
}

/// <summary>Where a rights request stands.</summary>
public enum RightsStatus : byte
{
    /// <summary>Accepted; waiting for someone to act (a correction a clinician must review, a delivery to retry).</summary>
    Open,
    Completed,
    /// <summary>Refused, with the reasons stated (PIPL Art. 50).</summary>
    Refused,
}

/// <summary>How the requester relates to the subject whose rights are exercised.</summary>
public enum RequesterRelation : byte
{
    Self,
    /// <summary>A parent or guardian of a subject under the guardian-consent age (PIPL Art. 31).</summary>
    Guardian,
    /// <summary>A close relative of a deceased subject, with a recorded proof (PIPL Art. 49).</summary>
    CloseRelative,
}

public static class RightsNames
{
    public static string ToKey(this RightsKind kind) => kind switch
    {
        RightsKind.Access => "access",
        RightsKind.Copy => "copy",
        RightsKind.Portability => "portability",
        RightsKind.Correction => "correction",
        RightsKind.Deletion => "deletion",
        RightsKind.Restriction => "restriction",
        RightsKind.Withdrawal => "withdrawal",
        RightsKind.Cancellation => "cancellation",
        RightsKind.Explanation => "explanation",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string ToKey(this RightsStatus status) => status switch
    {
        RightsStatus.Open => "open",
        RightsStatus.Completed => "completed",
        RightsStatus.Refused => "refused",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string ToKey(this RequesterRelation relation) => relation switch
    {
        RequesterRelation.Self => "self",
        RequesterRelation.Guardian => "guardian",
        RequesterRelation.CloseRelative => "close-relative",
        _ => throw new ArgumentOutOfRangeException(nameof(relation)),
    };

    public static bool TryParseKind(string? key, out RightsKind kind) => TryParse(key, ToKey, out kind);

    public static bool TryParseStatus(string? key, out RightsStatus status) => TryParse(key, ToKey, out status);

    public static bool TryParseRelation(string? key, out RequesterRelation relation) => TryParse(key, ToKey, out relation);

    public static IReadOnlyList<string> KindKeys { get; } = [.. Enum.GetValues<RightsKind>().Select(k => k.ToKey())];

    private static bool TryParse<T>(string? key, Func<T, string> toKey, out T value)
        where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(toKey(candidate), key, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
