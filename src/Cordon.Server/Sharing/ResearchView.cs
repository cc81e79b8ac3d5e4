using System.Buffers;
using Cordon.Core.Access;
using Cordon.Core.Deidentification;
using Cordon.Core.Profiles;
using Cordon.Server.Tenancy;

namespace Cordon.Server.Sharing;

/// <summary>
/// What an analyst reads under a research purpose: never the record as held, only its de-identified form (the catalog's
/// defaults under the tenant's keys: identifiers pseudonymised, direct identifiers removed, dates shifted per subject,
/// birth dates to the year, addresses to province and city, free text scrubbed, every resource labelled).
/// </summary>
public static class ResearchView
{
    public const string Service = "research";

    public static bool Applies(PurposeDef purpose, Role role) => role == Role.Analyst && Core.Guard.NotNull(purpose).Service == Service;

    /// <summary>The de-identified form of a projected record, or null when the engine withholds it (a type it does not know).</summary>
    public static byte[]? Deidentify(TenantContext tenant, string subjectId, byte[] projected) => Apply(tenant, subjectId, projected, null)?.Bytes;

    /// <summary>
    /// A projected record through the tenant's catalog-driven de-identification, with what was done to it; null when the
    /// engine withholds it. The one way the read path and the egress gate de-identify.
    /// </summary>
    public static (byte[] Bytes, DeidentifiedResource Result)? Apply(TenantContext tenant, string subjectId, byte[] projected, SubjectContext? context)
    {
        ArgumentNullException.ThrowIfNull(projected);
        var buffer = new ArrayBufferWriter<byte>(projected.Length + 256);
        var applied = Core.Guard.NotNull(tenant).Deidentification.Apply(projected, subjectId, buffer, context);
        return applied.Failed || !applied.Value.Written ? null : (buffer.WrittenSpan.ToArray(), applied.Value);
    }
}
