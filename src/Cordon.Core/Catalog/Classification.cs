namespace Cordon.Core.Catalog;

/// <summary>GB/T 39725-2020 data level. L1 is public; L5 is for the treating clinician only.</summary>
public enum Level : byte
{
    L1 = 1,
    L2 = 2,
    L3 = 3,
    L4 = 4,
    L5 = 5,
}

/// <summary>GB/T 39725-2020's six categories of health data.</summary>
public enum DataCategory : byte
{
    PersonalAttribute,
    HealthStatus,
    MedicalApplication,
    MedicalPayment,
    HealthResources,
    PublicHealth,
}

/// <summary>PIPL Art. 28 sensitive personal information tags.</summary>
[Flags]
public enum SensitiveTags : ushort
{
    None = 0,
    MedicalHealth = 1,
    Biometric = 2,
    IdentityDocument = 4,
    Financial = 8,
    Location = 16,
    Minor = 32,
    Genetic = 64,
}

/// <summary>A value format that Cordon validates on write where the catalog says a field holds it.</summary>
public enum FieldFormat : byte
{
    None,
    /// <summary>Chinese resident identity card number, GB 11643-1999 (18 characters, ISO 7064 MOD 11-2 check digit).</summary>
    CnResidentId,
    /// <summary>Mainland China mobile number (11 digits starting 1[3-9], optional +86).</summary>
    CnMobile,
    Email,
    /// <summary>FHIR date: YYYY, YYYY-MM or YYYY-MM-DD.</summary>
    Date,
}

/// <summary>Whether a record type is a FHIR R4 resource or an operator-declared JSON type.</summary>
public enum RecordKind : byte
{
    Fhir,
    Declared,
}

/// <summary>A class of record that a law requires to be kept for a minimum period (see <see cref="Rules.LegalMinimums"/>).</summary>
public enum RetentionClass : byte
{
    None,
    /// <summary>Internet-diagnosis medical record: at least 15 years (R58).</summary>
    InternetDiagnosisRecord,
    /// <summary>Consultation process record (chat, audio, video): at least 3 years (R58).</summary>
    ConsultationProcess,
    /// <summary>Disclosure, entrusting and assessment records: at least 3 years (R10, R11, R25).</summary>
    DisclosureRecord,
    /// <summary>Network and security logs: at least 6 months, taken as 183 days (R44).</summary>
    NetworkLog,
}

public static class ClassificationNames
{
    public static string ToKey(this DataCategory category) => category switch
    {
        DataCategory.PersonalAttribute => "personal-attribute",
        DataCategory.HealthStatus => "health-status",
        DataCategory.MedicalApplication => "medical-application",
        DataCategory.MedicalPayment => "medical-payment",
        DataCategory.HealthResources => "health-resources",
        DataCategory.PublicHealth => "public-health",
        _ => throw new ArgumentOutOfRangeException(nameof(category)),
    };

    public static bool TryParseCategory(string? key, out DataCategory category)
    {
        foreach (var c in Enum.GetValues<DataCategory>())
        {
            if (string.Equals(c.ToKey(), key, StringComparison.Ordinal))
            {
                category = c;
                return true;
            }
        }

        category = default;
        return false;
    }

    public static string ToKey(this Level level) => level switch
    {
        Level.L1 => "L1",
        Level.L2 => "L2",
        Level.L3 => "L3",
        Level.L4 => "L4",
        Level.L5 => "L5",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    public static bool TryParseLevel(string? key, out Level level)
    {
        level = key switch
        {
            "L1" => Level.L1,
            "L2" => Level.L2,
            "L3" => Level.L3,
            "L4" => Level.L4,
            "L5" => Level.L5,
            _ => 0,
        };
        return level != 0;
    }

    private static readonly (SensitiveTags Tag, string Key)[] TagKeys =
    [
        (SensitiveTags.MedicalHealth, "medical-health"),
        (SensitiveTags.Biometric, "biometric"),
        (SensitiveTags.IdentityDocument, "identity-document"),
        (SensitiveTags.Financial, "financial"),
        (SensitiveTags.Location, "location"),
        (SensitiveTags.Minor, "minor"),
        (SensitiveTags.Genetic, "genetic"),
    ];

    public static bool TryParseTag(string? key, out SensitiveTags tag)
    {
        foreach (var (t, k) in TagKeys)
        {
            if (string.Equals(k, key, StringComparison.Ordinal))
            {
                tag = t;
                return true;
            }
        }

        tag = SensitiveTags.None;
        return false;
    }

    public static IReadOnlyList<string> ToKeys(this SensitiveTags tags)
    {
        var keys = new List<string>();
        foreach (var (t, k) in TagKeys)
        {
            if ((tags & t) != 0)
            {
                keys.Add(k);
            }
        }

        return keys;
    }

    public static string ToKey(this FieldFormat format) => format switch
    {
        FieldFormat.None => "none",
        FieldFormat.CnResidentId => "cn-resident-id",
        FieldFormat.CnMobile => "cn-mobile",
        FieldFormat.Email => "email",
        FieldFormat.Date => "date",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static bool TryParseFormat(string? key, out FieldFormat format)
    {
        foreach (var f in Enum.GetValues<FieldFormat>())
        {
            if (string.Equals(f.ToKey(), key, StringComparison.Ordinal))
            {
                format = f;
                return true;
            }
        }

        format = FieldFormat.None;
        return false;
    }

    public static string ToKey(this RetentionClass value) => value switch
    {
        RetentionClass.None => "none",
        RetentionClass.InternetDiagnosisRecord => "internet-diagnosis-record",
        RetentionClass.ConsultationProcess => "consultation-process",
        RetentionClass.DisclosureRecord => "disclosure-record",
        RetentionClass.NetworkLog => "network-log",
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    public static bool TryParseRetentionClass(string? key, out RetentionClass value)
    {
        foreach (var r in Enum.GetValues<RetentionClass>())
        {
            if (string.Equals(r.ToKey(), key, StringComparison.Ordinal))
            {
                value = r;
                return true;
            }
        }

        value = RetentionClass.None;
        return false;
    }
}
