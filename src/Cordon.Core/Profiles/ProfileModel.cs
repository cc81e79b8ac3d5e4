using Cordon.Core.Access;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;

namespace Cordon.Core.Profiles;

/// <summary>What kind of operator a tenant is; it decides which services it may offer (R52–R59).</summary>
public enum OperatorType : byte
{
    MedicalInstitution,
    InternetHospital,
    HealthInformationService,
}

/// <summary>PIPL Art. 13: exactly one lawful basis per processing purpose (R01).</summary>
public enum LegalBasis : byte
{
    Consent,
    Contract,
    LegalDuty,
    HealthEmergency,
    News,
    PublicInformation,
    OtherLaw,
}

/// <summary>The consent a purpose needs (PIPL Art. 14, 29; R02).</summary>
public enum ConsentRequirement : byte
{
    None,
    General,
    Separate,
    Written,
}

/// <summary>What happens to data when its retention period ends (PIPL Art. 47, NDSMR Art. 21).</summary>
public enum AfterRetention : byte
{
    Delete,
    Anonymise,
}

/// <summary>How a value is masked for a role that may see only part of it.</summary>
public enum MaskMethod : byte
{
    /// <summary>Keep <see cref="MaskSpec.KeepStart"/> leading and <see cref="MaskSpec.KeepEnd"/> trailing characters, star the rest: <c>110105********1234</c>.</summary>
    KeepEnds,
    /// <summary>Remove the element entirely.</summary>
    Redact,
    /// <summary>Keep only the year of a date.</summary>
    Year,
}

public sealed record MaskSpec(MaskMethod Method, int KeepStart = 0, int KeepEnd = 0)
{
    public override string ToString() => Method switch
    {
        MaskMethod.KeepEnds => $"keep-ends({KeepStart},{KeepEnd})",
        MaskMethod.Redact => "redact",
        MaskMethod.Year => "year",
        _ => Method.ToString(),
    };
}

/// <summary>A retention period written <c>15y</c>, <c>36m</c> or <c>183d</c> (combinable: <c>1y6m</c>).</summary>
public readonly record struct RetentionPeriod(int Years, int Months, int Days) : IComparable<RetentionPeriod>
{
    /// <summary>Approximate length in days, used only to compare periods (a year is 365.25 days, a month 30.44).</summary>
    public double ApproximateDays => (Years * 365.25) + (Months * 30.4375) + Days;

    public DateTimeOffset AddTo(DateTimeOffset start) => start.AddYears(Years).AddMonths(Months).AddDays(Days);

    public int CompareTo(RetentionPeriod other) => ApproximateDays.CompareTo(other.ApproximateDays);

    public static bool operator <(RetentionPeriod left, RetentionPeriod right) => left.CompareTo(right) < 0;

    public static bool operator >(RetentionPeriod left, RetentionPeriod right) => left.CompareTo(right) > 0;

    public static bool operator <=(RetentionPeriod left, RetentionPeriod right) => left.CompareTo(right) <= 0;

    public static bool operator >=(RetentionPeriod left, RetentionPeriod right) => left.CompareTo(right) >= 0;

    public static RetentionPeriod FromYears(int years) => new(years, 0, 0);

    public static RetentionPeriod FromDays(int days) => new(0, 0, days);

    public static bool TryParse(string? text, out RetentionPeriod period)
    {
        period = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        int years = 0, months = 0, days = 0, number = 0;
        var digits = 0;
        var seen = false;
        foreach (var ch in text.Trim())
        {
            if (ch is >= '0' and <= '9')
            {
                if (digits++ > 5)
                {
                    return false;
                }

                number = (number * 10) + (ch - '0');
                continue;
            }

            if (digits == 0)
            {
                return false;
            }

            switch (ch)
            {
                case 'y': years += number; break;
                case 'm': months += number; break;
                case 'd': days += number; break;
                default: return false;
            }

            number = 0;
            digits = 0;
            seen = true;
        }

        if (digits != 0 || !seen)
        {
            return false;
        }

        period = new RetentionPeriod(years, months, days);
        return true;
    }

    public override string ToString()
    {
        var parts = new List<string>(3);
        if (Years != 0)
        {
            parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Years}y"));
        }

        if (Months != 0)
        {
            parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Months}m"));
        }

        if (Days != 0 || parts.Count == 0)
        {
            parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Days}d"));
        }

        return string.Concat(parts);
    }
}

/// <summary>The operator: who is responsible for the data, how to reach them, where it is stored, which crypto suite it uses.</summary>
public sealed class OperatorInfo
{
    public required string Name { get; init; }

    public string? NameEn { get; init; }

    public required OperatorType Type { get; init; }

    public string? Licence { get; init; }

    public required string Address { get; init; }

    public required string Phone { get; init; }

    public required string Email { get; init; }

    /// <summary>The personal-information protection officer (PIPL Art. 52).</summary>
    public required string DpoName { get; init; }

    public required string DpoEmail { get; init; }

    public string? DpoPhone { get; init; }

    /// <summary>The address patients reach this service at (e.g. https://cordon.example-hospital.cn): links in messages point there.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>ISO 3166 region where the data is stored; medical data must stay in CN (R38).</summary>
    public required string StorageRegion { get; init; }

    public required CryptoSuiteId CryptoSuite { get; init; }
}

/// <summary>Numbers that RULES.md says are parameters of the profile, with their defaults.</summary>
public sealed class ProfileSettings
{
    /// <summary>Below this age a guardian consents (R03, PIPL Art. 31).</summary>
    public int GuardianConsentBelowAge { get; init; } = 14;

    /// <summary>Below this age an online prescription needs a guardian and a physician present (R57).</summary>
    public int PaediatricPrescriptionBelowAge { get; init; } = 6;

    /// <summary>Rights requests are due in this many working days (R21/R22).</summary>
    public int RightsRequestDueWorkingDays { get; init; } = 15;

    /// <summary>Years of independent practice a physician needs for internet diagnosis (R53).</summary>
    public int MinimumPracticeYears { get; init; } = 3;

    /// <summary>After a refusal, the app may not ask again for an optional consent for this many days (R05).</summary>
    public int ConsentReaskAfterDays { get; init; } = 180;

    /// <summary>Cross-border transfers need no mechanism below this many individuals' non-sensitive data since 1 January (R34).</summary>
    public int CrossBorderExemptBelow { get; init; } = 100_000;

    /// <summary>A security assessment from this many individuals' non-sensitive data since 1 January (R36).</summary>
    public int CrossBorderAssessmentAt { get; init; } = 1_000_000;

    /// <summary>A security assessment from this many individuals' sensitive data since 1 January (R36); below it, any sensitive data needs a standard contract or certification (R35).</summary>
    public int CrossBorderSensitiveAssessmentAt { get; init; } = 10_000;

    /// <summary>A cohort leaves de-identified only when every combination of its quasi-identifiers is shared by at least this many people.</summary>
    public int MinimumK { get; init; } = 5;
}

/// <summary>What the privacy notice says about one purpose beyond its fields (PIPL Art. 17, 30; NDSMR Art. 21).</summary>
public sealed class PurposeNotice
{
    /// <summary>How the data is collected and processed.</summary>
    public required string Method { get; init; }

    /// <summary>Why sensitive data is necessary (required when the purpose touches sensitive data).</summary>
    public string? Necessity { get; init; }

    /// <summary>The impact on the individual's rights (required when the purpose touches sensitive data).</summary>
    public string? Impact { get; init; }
}

/// <summary>A purpose of processing: its legal basis, consent, roles, the fields it may collect and read, retention.</summary>
public sealed class PurposeDef
{
    public required string Key { get; init; }

    public required string Name { get; init; }

    public string? NameEn { get; init; }

    public required string Description { get; init; }

    public required LegalBasis LegalBasis { get; init; }

    public required ConsentRequirement Consent { get; init; }

    /// <summary>Part of the basic service: refusing it may block the service. Optional purposes may not (R05, R06, PIPL Art. 16).</summary>
    public bool Necessary { get; init; }

    /// <summary>The service this purpose belongs to (registration, appointment, consultation, prescription …).</summary>
    public string? Service { get; init; }

    public required IReadOnlySet<Role> WriteRoles { get; init; }

    public required IReadOnlySet<Role> ReadRoles { get; init; }

    /// <summary>Record type → declared catalog paths this purpose may collect (minimum necessary).</summary>
    public required IReadOnlyDictionary<string, IReadOnlySet<string>> Collect { get; init; }

    /// <summary>Record type → declared catalog paths this purpose may read. Defaults to <see cref="Collect"/>.</summary>
    public required IReadOnlyDictionary<string, IReadOnlySet<string>> Read { get; init; }

    public required RetentionPeriod Retention { get; init; }

    public AfterRetention AfterRetention { get; init; }

    /// <summary>
    /// The legal purpose that may still process restricted subjects' data (storage and the legal duty only, R19).
    /// Only a purpose whose basis is a legal duty may carry it.
    /// </summary>
    public bool RestrictedAccess { get; init; }

    public required PurposeNotice Notice { get; init; }

    /// <summary>Keys of <see cref="RecipientDef"/>s that receive data under this purpose.</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];

    public int Line { get; init; }

    public bool NeedsConsent => Consent != ConsentRequirement.None;
}

/// <summary>Masks one path of one record type for one role.</summary>
public sealed class MaskRule
{
    public required Role Role { get; init; }

    public required string Type { get; init; }

    public required string Path { get; init; }

    public required MaskSpec Mask { get; init; }

    public int Line { get; init; }
}

/// <summary>A party that receives personal information (R10, R11).</summary>
public sealed class RecipientDef
{
    public required string Key { get; init; }

    public required string Name { get; init; }

    /// <summary>entrusted-processor, controller, joint-controller, sdk, cloud.</summary>
    public required string Kind { get; init; }

    /// <summary>ISO 3166 region of the recipient.</summary>
    public required string Jurisdiction { get; init; }

    public required string Contact { get; init; }

    /// <summary>What the recipient receives, in the words of the notice (R10: the categories provided).</summary>
    public string? Receives { get; init; }

    public string? Description { get; init; }

    /// <summary>Controlled from abroad although registered in China: genetic data never goes to it without the filing (R39).</summary>
    public bool ForeignControlled { get; init; }

    /// <summary>How data reaches it through the egress gate: <c>api</c> (Cordon posts to <see cref="Endpoint"/>), <c>package</c> (encrypted to <see cref="PublicKey"/>), <c>sdk</c> (collected in the app; the gate sends nothing).</summary>
    public string Method { get; init; } = "api";

    /// <summary>The HTTPS endpoint Cordon delivers disclosures to (method <c>api</c>).</summary>
    public string? Endpoint { get; init; }

    /// <summary>SHA-256 of the endpoint certificate's public key (base64), pinned when set: the delivery trusts that key and nothing else.</summary>
    public string? TlsPin { get; init; }

    /// <summary>The recipient's public key (PEM, SubjectPublicKeyInfo; SM2 under the national suite, P-256 otherwise) for packages (method <c>package</c>).</summary>
    public string? PublicKey { get; init; }

    /// <summary>Record type → declared catalog paths the recipient may receive; nothing else leaves for it.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Fields { get; init; } = new Dictionary<string, IReadOnlySet<string>>();

    /// <summary>Its terms require de-identified data: what leaves for it goes through the de-identification engine first.</summary>
    public bool Deidentify { get; init; }

    /// <summary>Outside mainland China (its jurisdiction is not CN): sending it data is a cross-border transfer (R33).</summary>
    public bool Abroad => !string.Equals(Jurisdiction, "CN", StringComparison.Ordinal);

    public int Line { get; init; }
}

/// <summary>A retention period for a record type, overriding the purposes' periods for that type.</summary>
public sealed class RetentionRule
{
    public required string Type { get; init; }

    public required RetentionPeriod Period { get; init; }

    public AfterRetention After { get; init; }

    public int Line { get; init; }
}

/// <summary>How a person exercises one right (NDSMR Art. 21).</summary>
public sealed record RightChannel(string Right, string How);

/// <summary>The notice texts of the profile that are not derived from the catalog (R09).</summary>
public sealed class NoticeTexts
{
    public required string Title { get; init; }

    public required string Intro { get; init; }

    /// <summary>One entry per right: access, copy, portability, correction, deletion, restriction, withdrawal, cancellation, explanation, complaint.</summary>
    public required IReadOnlyList<RightChannel> Rights { get; init; }

    /// <summary>The dedicated rules for children under 14 (PIPL Art. 31).</summary>
    public required string ChildPolicy { get; init; }

    /// <summary>What happens to data once its retention ends.</summary>
    public required string AfterRetention { get; init; }

    public string? Effective { get; init; }
}

/// <summary>A validated compliance profile. Construct it only through <c>ProfileLoader</c>.</summary>
public sealed class Profile
{
    public required string FileName { get; init; }

    public required OperatorInfo Operator { get; init; }

    public required ProfileSettings Settings { get; init; }

    /// <summary>The code systems and drug catalog of the care rules (R52, R55, R56).</summary>
    public Cordon.Core.Care.CareSettings Care { get; init; } = Cordon.Core.Care.CareSettings.Default;

    public required DataCatalog Catalog { get; init; }

    public required IReadOnlyList<PurposeDef> Purposes { get; init; }

    public required IReadOnlyList<MaskRule> Masking { get; init; }

    public required IReadOnlyList<RecipientDef> Recipients { get; init; }

    public required IReadOnlyList<RetentionRule> RetentionRules { get; init; }

    /// <summary>Network and audit log retention; never below 183 days (R44).</summary>
    public required int AuditRetentionDays { get; init; }

    public required NoticeTexts Notice { get; init; }

    /// <summary>The YAML text the profile was loaded from (kept so a tenant's profile history can be stored).</summary>
    public required string SourceText { get; init; }

    public PurposeDef? FindPurpose(string key)
    {
        foreach (var p in Purposes)
        {
            if (string.Equals(p.Key, key, StringComparison.Ordinal))
            {
                return p;
            }
        }

        return null;
    }
}

/// <summary>One reason a profile was refused: file, line, column and what is wrong (with the rule when a rule decided it).</summary>
public sealed record ProfileError(string File, int Line, int Column, string Message, string? Rule = null)
{
    public override string ToString() => Rule is null
        ? $"{File}:{Line}:{Column}: {Message}"
        : $"{File}:{Line}:{Column}: {Message} [{Rule}]";
}

/// <summary>Either a profile or the reasons it was refused.</summary>
public sealed class ProfileLoadResult
{
    private ProfileLoadResult(Profile? profile, IReadOnlyList<ProfileError> errors)
    {
        Profile = profile;
        Errors = errors;
    }

    public Profile? Profile { get; }

    public IReadOnlyList<ProfileError> Errors { get; }

    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Profile))]
    public bool Succeeded => Profile is not null;

    public static ProfileLoadResult Success(Profile profile) => new(Guard.NotNull(profile), []);

    public static ProfileLoadResult Failure(IReadOnlyList<ProfileError> errors)
    {
        Guard.That(errors.Count > 0, "a failure has at least one error");
        return new(null, errors);
    }
}
