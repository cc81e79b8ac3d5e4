using Cordon.Core.Access;
using Cordon.Core.Care;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Server.Auth;
using Cordon.Server.Care;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Decisions;

/// <summary>
/// What the decision needs to know about a subject, read fresh for every request (so a withdrawal counts from
/// the very next one): state, age, guardian, the consent event that decides the request's purpose, the care team, and
/// the actor's standing in the practitioner register when the purpose needs an eligible practitioner (R53).
/// </summary>
public sealed class SubjectFacts
{
    private readonly int _purpose;

    private SubjectFacts(OpenSubject subject, int purpose, IReadOnlyList<ConsentEvent> consents, IReadOnlyList<CareTeamRow> careTeam, PractitionerStanding practitioner)
    {
        Subject = subject;
        _purpose = purpose;
        Consents = consents;
        CareTeam = careTeam;
        Practitioner = practitioner;
    }

    public OpenSubject Subject { get; }

    /// <summary>The latest consent event for the purpose the facts were loaded for (none, or one): the ledger's current state for it.</summary>
    public IReadOnlyList<ConsentEvent> Consents { get; }

    public IReadOnlyList<CareTeamRow> CareTeam { get; }

    /// <summary>The actor's standing in the practitioner register, read fresh for this request; unchecked when the purpose does not need it.</summary>
    public PractitionerStanding Practitioner { get; }

    /// <summary>
    /// Whether the subject refused decisions made solely by automated means (R14), read fresh when the actor is an automated
    /// agent (for other actors it is not read, and false).
    /// </summary>
    public bool AutomatedDecisionsRefused { get; private init; }

    /// <summary>
    /// Loads the facts for a decision for <paramref name="actor"/> under <paramref name="purpose"/>: its latest consent event
    /// (when it needs consent), for clinicians the care team, and the actor's standing in the register when the purpose needs it.
    /// </summary>
    public static async Task<SubjectFacts> LoadAsync(OpenSubject subject, ICordonStore store, AccessPolicy policy, int purpose, Actor actor, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(actor);
        var consentPurpose = ConsentPurposeToLoad(policy, purpose);
        var latest = consentPurpose is not null ? await store.GetLatestConsentAsync(subject.Row.Tenant, subject.Id, consentPurpose, null, cancellationToken) : null;
        IReadOnlyList<CareTeamRow> care = actor.Role.IsClinician() ? await store.GetCareTeamAsync(subject.Row.Tenant, subject.Id, cancellationToken) : [];
        var practitioner = await PractitionerRegister.StandingAsync(store, policy, actor, purpose, today, cancellationToken);
        var refused = actor.Automated && AutomatedDecisions.Refused(await store.GetLatestAutomatedDecisionEventAsync(subject.Row.Tenant, subject.Id, cancellationToken));
        return new SubjectFacts(subject, purpose, latest is null ? [] : [latest], care, practitioner) { AutomatedDecisionsRefused = refused };
    }

    /// <summary>
    /// The facts from what the caller read itself in the same request (a single-record read fetches them with the record):
    /// the latest consent event of <see cref="ConsentPurposeToLoad"/> and, for clinicians, the care team.
    /// </summary>
    public static SubjectFacts From(OpenSubject subject, int purpose, ConsentEvent? latest, IReadOnlyList<CareTeamRow> careTeam, PractitionerStanding practitioner)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(careTeam);
        return new SubjectFacts(subject, purpose, latest is null ? [] : [latest], careTeam, practitioner);
    }

    /// <summary>
    /// The facts from a subject's whole consent history (the import reads it once per subject); the ledger's latest event
    /// for the purpose decides. The practitioner register is not read: a clinician's decision under a purpose that needs it refuses.
    /// </summary>
    public static SubjectFacts FromHistory(OpenSubject subject, int purpose, IReadOnlyList<ConsentEvent> history, IReadOnlyList<CareTeamRow> careTeam)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(careTeam);
        return new SubjectFacts(subject, purpose, history, careTeam, PractitionerStanding.Unchecked);
    }

    /// <summary>The purpose key whose latest consent event a decision under <paramref name="purpose"/> may depend on; null when none.</summary>
    public static string? ConsentPurposeToLoad(AccessPolicy policy, int purpose)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var def = policy.Purpose(purpose);
        // A contract-based purpose needs no consent from adults but a guardian's for a child (AccessPolicy.ConsentRequired).
        var mayNeedConsent = def.NeedsConsent || def.LegalBasis is Core.Profiles.LegalBasis.Consent or Core.Profiles.LegalBasis.Contract;
        return mayNeedConsent ? def.Key : null;
    }

    /// <summary>How the caller's token relates to this subject.</summary>
    public static SubjectLink LinkOf(Actor actor, OpenSubject subject) => actor.Role switch
    {
        Role.Patient when string.Equals(actor.SubjectId, subject.Id, StringComparison.Ordinal) => SubjectLink.Self,
        Role.Guardian when subject.Row.GuardianId is not null
            && (string.Equals(actor.SubjectId, subject.Row.GuardianId, StringComparison.Ordinal) || string.Equals(actor.SubjectId, subject.Id, StringComparison.Ordinal)) => SubjectLink.Guardian,
        _ => SubjectLink.None,
    };

    public bool UnderGuardianAge(Call call) => UnderGuardianAge(Guard(call).Tenant, call.Today);

    public bool UnderGuardianAge(TenantContext tenant, DateOnly today) => Subject.AgeOn(today) < tenant.Profile.Settings.GuardianConsentBelowAge;

    public CareRelation CareOf(Call call) => CareOf(Guard(call).Actor, call.Now);

    /// <summary>Whether <paramref name="actor"/> is in the care team now (the treating physician, or another member).</summary>
    public CareRelation CareOf(Actor actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Role.IsClinician())
        {
            return CareRelation.None;
        }

        var relation = CareRelation.None;
        foreach (var member in CareTeam)
        {
            if (string.Equals(member.ActorId, actor.Id, StringComparison.Ordinal) && string.Equals(member.Role, actor.RoleKey, StringComparison.Ordinal) && member.Until > now)
            {
                relation = actor.Role == Role.Physician ? CareRelation.TreatingPhysician : CareRelation.Member;
            }
        }

        return relation;
    }

    public ConsentStatus ConsentFor(Call call, int purpose) => ConsentFor(Guard(call).Tenant, purpose, UnderGuardianAge(call));

    /// <summary>The consent status that decides <paramref name="purpose"/> for this subject: none needed, or the ledger's.</summary>
    public ConsentStatus ConsentFor(TenantContext tenant, int purpose, bool underGuardianAge)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (purpose != _purpose)
        {
            throw new InvalidOperationException("These facts were loaded for another purpose; load them for the purpose decided.");
        }

        var policy = tenant.Policy;
        var def = policy.Purpose(purpose);
        return AccessPolicy.ConsentRequired(def, underGuardianAge)
            ? ConsentLedger.StatusOf(Consents, def.Key, null, policy.PurposeFingerprint(purpose))
            : ConsentStatus.NotRequired;
    }

    public AccessRequest Request(Call call, int purpose, int recordType, AccessAction action, Level level)
        => Request(Guard(call).Tenant, call.Actor, call.Now, call.Justification is not null, purpose, recordType, action, level);

    /// <summary>The decision's question for this subject: what <paramref name="actor"/> asks to do now, under which purpose.</summary>
    public AccessRequest Request(TenantContext tenant, Actor actor, DateTimeOffset now, bool hasJustification, int purpose, int recordType, AccessAction action, Level level)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(actor);
        var under = UnderGuardianAge(tenant, DateOnly.FromDateTime(now.UtcDateTime.AddHours(8)));
        return new AccessRequest
        {
            Role = actor.Role,
            Automated = actor.Automated,
            Purpose = purpose,
            RecordType = recordType,
            Action = action,
            Level = level,
            SubjectState = Subject.Row.State,
            Link = LinkOf(actor, Subject),
            UnderGuardianAge = under,
            Consent = ConsentFor(tenant, purpose, under),
            Care = CareOf(actor, now),
            HasJustification = hasJustification,
            Practitioner = Practitioner,
        };
    }

    private static Call Guard(Call call) => call ?? throw new ArgumentNullException(nameof(call));
}
