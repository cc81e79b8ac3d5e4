namespace Cordon.Core.Consent;

public enum ConsentAction : byte
{
    Grant,
    Withdraw,

    /// <summary>Asked and declined: counts as no consent, and the app may not ask again for a while (R05).</summary>
    Refuse,
}

/// <summary>Who gave or withdrew the consent.</summary>
public enum ConsentGiver : byte
{
    Self,
    Guardian,
}

/// <summary>Where the subject stands with one purpose (and recipient) right now.</summary>
public enum ConsentStatus : byte
{
    /// <summary>The purpose's legal basis does not rest on consent.</summary>
    NotRequired,
    /// <summary>Never asked or never granted.</summary>
    None,
    Granted,
    GrantedByGuardian,
    Withdrawn,
    /// <summary>Granted under a notice whose description of this purpose has since changed (R04).</summary>
    NeedsRenewal,

    /// <summary>Asked and declined (R05): no consent.</summary>
    Refused,
}

/// <summary>
/// One entry of the append-only consent ledger: one purpose (and optional recipient) per event, never bundled.
/// Bound to the notice version shown and to the purpose's fingerprint at that time.
/// </summary>
public sealed record ConsentEvent
{
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public required string SubjectId { get; init; }

    public required string Purpose { get; init; }

    public string? Recipient { get; init; }

    public required ConsentAction Action { get; init; }

    public required ConsentGiver GivenBy { get; init; }

    /// <summary>The privacy-notice version the person saw.</summary>
    public required string NoticeVersion { get; init; }

    /// <summary>The fingerprint of the purpose's notice content when consent was given (see <see cref="PurposeFingerprint"/>).</summary>
    public required string PurposeFingerprint { get; init; }

    /// <summary>app, web, paper, phone …</summary>
    public required string Channel { get; init; }

    public required string ActorId { get; init; }

    public required DateTimeOffset Time { get; init; }
}

/// <summary>The current consent state for one purpose, derived from the ledger.</summary>
public sealed record ConsentCurrent(string Purpose, string? Recipient, ConsentStatus Status, DateTimeOffset? Since, string? NoticeVersion, ConsentGiver? GivenBy);

public static class ConsentNames
{
    public static string ToKey(this ConsentAction action) => action switch
    {
        ConsentAction.Grant => "grant",
        ConsentAction.Withdraw => "withdraw",
        ConsentAction.Refuse => "refuse",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    public static string ToKey(this ConsentGiver giver) => giver == ConsentGiver.Self ? "self" : "guardian";

    public static string ToKey(this ConsentStatus status) => status switch
    {
        ConsentStatus.NotRequired => "not-required",
        ConsentStatus.None => "none",
        ConsentStatus.Granted => "granted",
        ConsentStatus.GrantedByGuardian => "granted",
        ConsentStatus.Withdrawn => "withdrawn",
        ConsentStatus.NeedsRenewal => "needs-renewal",
        ConsentStatus.Refused => "refused",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}
