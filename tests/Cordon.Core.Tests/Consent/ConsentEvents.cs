using Cordon.Core.Consent;

namespace Cordon.Core.Tests.Consent;

/// <summary>Consent events of one subject given in the app, for the ledger and prompt tests.</summary>
internal static class ConsentEvents
{
    public static ConsentEvent Make(string purpose, ConsentAction action, DateTimeOffset time) => new()
    {
        Id = $"con_{time.ToUnixTimeSeconds()}",
        Tenant = "t1",
        SubjectId = "sub_a",
        Purpose = purpose,
        Action = action,
        GivenBy = ConsentGiver.Self,
        NoticeVersion = "v1",
        PurposeFingerprint = "f1",
        Channel = "app",
        ActorId = "app",
        Time = time,
    };
}
