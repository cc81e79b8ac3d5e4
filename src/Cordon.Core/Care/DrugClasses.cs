namespace Cordon.Core.Care;

/// <summary>The classes of drugs the law manages specially (Drug Administration Law 2019 Art. 61, 112).</summary>
public enum DrugClass : byte
{
    Narcotic,
    Psychotropic,
    MedicalToxic,
    Radioactive,
    PrecursorChemical,
    Vaccine,
    BloodProduct,
}

/// <summary>One entry of the controlled-drug catalog: a class, the codes (ATC prefixes or exact codes of a system) it covers, what they are, and the source.</summary>
public sealed record ControlledDrug(DrugClass Class, string System, IReadOnlyList<string> Codes, string Substances, string Source);

/// <summary>
/// The drug-class catalog: which code systems a prescription may name drugs in, and which codes are of a specially
/// managed class. The default list ships with Cordon (ATC, by the WHO's code prefixes); a profile adds entries and code
/// systems but never removes one — an operator cannot make a narcotic prescribable online. Codes match by prefix, so
/// <c>N02A</c> covers every opioid below it. A code outside the catalog's systems, or not of the system's shape, is
/// unknown: it cannot be shown not to be controlled, so it is refused.
/// </summary>
public sealed class DrugClasses
{
    /// <summary>The WHO Anatomical Therapeutic Chemical classification.</summary>
    public const string Atc = "http://www.whocc.no/atc";

    private const string NarcoticList = "麻醉药品品种目录（2013年版，国家食品药品监督管理总局等公告 2013年第230号）/ Catalogue of narcotic drugs (2013)";
    private const string PsychotropicList = "精神药品品种目录（2013年版）及其后增补公告 / Catalogue of psychotropic drugs (2013) and later additions";
    private const string ToxicList = "医疗用毒性药品管理办法（国务院令第23号，1988）附录 / Regulations on medical toxic drugs (1988), annex";
    private const string RadioactiveList = "放射性药品管理办法（国务院令第25号，1989，2022年修订）/ Regulations on radioactive drugs";
    private const string PrecursorList = "易制毒化学品管理条例（国务院令第445号）附表第一类药品类易制毒化学品 / Regulations on precursor chemicals, category 1 (drug precursors)";
    private const string DrugLaw = "药品管理法（2019）第六十一条 / Drug Administration Law 2019 Art. 61";

    /// <summary>The shipped list, ATC-coded. ATC groups are wider or narrower than the national lists in places; the list errs on refusing.</summary>
    public static IReadOnlyList<ControlledDrug> Defaults { get; } =
    [
        new(DrugClass.Narcotic, Atc, ["N01AH", "N02A", "R05DA", "N07BC", "A07DA"], "阿片类：吗啡、芬太尼、哌替啶、羟考酮、可待因、美沙酮、丁丙诺啡等 / opioids: morphine, fentanyl, pethidine, oxycodone, codeine, methadone, buprenorphine", NarcoticList),
        new(DrugClass.Psychotropic, Atc, ["N05BA", "N05CD", "N05CF", "N05CA", "N03AE", "N06BA", "N01AX03", "N01AX14", "N05CM02"], "苯二氮䓬类、唑吡坦等 Z 类、巴比妥类、哌甲酯、莫达非尼、氯胺酮等 / benzodiazepines, z-drugs, barbiturates, methylphenidate, modafinil, ketamine", PsychotropicList),
        new(DrugClass.MedicalToxic, Atc, ["L01XX27", "C01AA04", "C01AA07", "A03BA01", "S01FA01", "S01FA05", "S01EB01", "S01EB05", "V03AB19", "A04AD01"], "三氧化二砷、洋地黄毒苷、去乙酰毛花苷、阿托品、后马托品、毛果芸香碱、毒扁豆碱、东莨菪碱 / arsenic trioxide, digitoxin, deslanoside, atropine, homatropine, pilocarpine, physostigmine, scopolamine", ToxicList),
        new(DrugClass.Radioactive, Atc, ["V09", "V10"], "诊断与治疗用放射性药品 / diagnostic and therapeutic radiopharmaceuticals", RadioactiveList),
        new(DrugClass.PrecursorChemical, Atc, ["R03CA02", "R01BA02", "R01BA03", "G02AB03", "N02CA02"], "麻黄碱、伪麻黄碱、去甲麻黄碱、麦角新碱、麦角胺 / ephedrine, pseudoephedrine, norephedrine, ergometrine, ergotamine", PrecursorList),
        new(DrugClass.Vaccine, Atc, ["J07"], "疫苗 / vaccines", DrugLaw),
        new(DrugClass.BloodProduct, Atc, ["B05AA", "J06B", "B02BD"], "人血白蛋白、免疫球蛋白、凝血因子等血液制品 / albumin, immunoglobulins, coagulation factors", DrugLaw),
    ];

    /// <summary>What may not be prescribed online (R55; Internet Diagnosis Measures 2018 Art. 19: 麻醉药品、精神药品等特殊管理药品).</summary>
    public static readonly IReadOnlySet<DrugClass> NotPrescribableOnline = new HashSet<DrugClass>
    {
        DrugClass.Narcotic, DrugClass.Psychotropic, DrugClass.MedicalToxic, DrugClass.Radioactive, DrugClass.PrecursorChemical,
    };

    /// <summary>What may not be sold online (R56; Drug Administration Law 2019 Art. 61).</summary>
    public static readonly IReadOnlySet<DrugClass> NotSoldOnline = new HashSet<DrugClass>
    {
        DrugClass.Vaccine, DrugClass.BloodProduct, DrugClass.Narcotic, DrugClass.Psychotropic, DrugClass.MedicalToxic, DrugClass.Radioactive, DrugClass.PrecursorChemical,
    };

    public DrugClasses(IEnumerable<ControlledDrug> entries, IEnumerable<string> systems)
    {
        Entries = [.. Guard.NotNull(entries)];
        Systems = new HashSet<string>(Guard.NotNull(systems), StringComparer.Ordinal);
    }

    /// <summary>The shipped catalog: ATC only.</summary>
    public static DrugClasses Default { get; } = new(Defaults, [Atc]);

    public IReadOnlyList<ControlledDrug> Entries { get; }

    /// <summary>The code systems a prescription may name drugs in.</summary>
    public IReadOnlySet<string> Systems { get; }

    /// <summary>The defaults with a profile's additions.</summary>
    public static DrugClasses With(IEnumerable<ControlledDrug> added, IEnumerable<string> systems)
        => new(Defaults.Concat(added), new[] { Atc }.Concat(systems).Distinct(StringComparer.Ordinal));

    /// <summary>Whether a code can be read at all: of a catalogued system and, for ATC, a full level-5 code (a letter, two digits, two letters, two digits).</summary>
    public bool IsKnown(Code drug)
    {
        if (!Systems.Contains(drug.System))
        {
            return false;
        }

        return drug.System != Atc || IsAtcShape(drug.Value);
    }

    /// <summary>The specially managed class of a drug code, or null.</summary>
    public DrugClass? ClassOf(Code drug)
    {
        foreach (var entry in Entries)
        {
            if (!string.Equals(entry.System, drug.System, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var code in entry.Codes)
            {
                if (drug.Value.StartsWith(code, StringComparison.Ordinal))
                {
                    return entry.Class;
                }
            }
        }

        return null;
    }

    /// <summary>A full ATC code (level 5, e.g. <c>A10BA02</c>): a prescription names a substance, not a group.</summary>
    public static bool IsAtcShape(string code)
        => code.Length == 7
           && char.IsAsciiLetterUpper(code[0]) && char.IsAsciiDigit(code[1]) && char.IsAsciiDigit(code[2])
           && char.IsAsciiLetterUpper(code[3]) && char.IsAsciiLetterUpper(code[4]) && char.IsAsciiDigit(code[5]) && char.IsAsciiDigit(code[6]);

    public static string KeyOf(DrugClass drugClass) => drugClass switch
    {
        DrugClass.Narcotic => "narcotic",
        DrugClass.Psychotropic => "psychotropic",
        DrugClass.MedicalToxic => "medical-toxic",
        DrugClass.Radioactive => "radioactive",
        DrugClass.PrecursorChemical => "precursor-chemical",
        DrugClass.Vaccine => "vaccine",
        _ => "blood-product",
    };

    public static bool TryParse(string key, out DrugClass drugClass)
    {
        foreach (var c in Enum.GetValues<DrugClass>())
        {
            if (KeyOf(c) == key)
            {
                drugClass = c;
                return true;
            }
        }

        drugClass = default;
        return false;
    }
}
