using System.Globalization;
using Cordon.Core.Access;
using Cordon.Core.Identifiers;

namespace Cordon.Cli.Demo;

/// <summary>A synthetic person of the demo tenant. Everything is drawn from one seeded generator, so two runs agree.</summary>
internal sealed class DemoPerson
{
    public required int Index { get; init; }

    public required string ExternalId { get; init; }

    public required string Name { get; init; }

    /// <summary>The name in pinyin, for notes read by people who do not read Chinese.</summary>
    public required string Pinyin { get; init; }

    public required string Family { get; init; }

    public required string Given { get; init; }

    public required bool Male { get; init; }

    public required DateOnly BirthDate { get; init; }

    public required string ResidentId { get; init; }

    public required string Mobile { get; init; }

    /// <summary>The roster index of the guardian (children under the guardian-consent age).</summary>
    public int? Guardian { get; init; }

    /// <summary>Purposes granted (by the person, or by the guardian for a child).</summary>
    public List<string> Grants { get; } = [];

    /// <summary>Purposes granted and later withdrawn.</summary>
    public List<string> Withdrawals { get; } = [];

    /// <summary>The department of the person's consultations (null: no consultation).</summary>
    public DemoDepartment? Department { get; init; }

    public int Physician { get; init; } = -1;

    public int Nurse { get; init; } = -1;

    public int Pharmacist { get; init; } = -1;

    public int Appointments { get; init; }

    public int Consultations { get; init; }

    public bool Prescription { get; init; }

    /// <summary>Whether the demo writes this patient a prescription through the lifecycle (R54): a sample of those with a pharmacist in their care team, and always the first patient.</summary>
    public bool Prescribed => Prescription && Pharmacist >= 0 && (Index == 0 || Index % 6 == 0);

    public bool Child => Guardian is not null;
}

/// <summary>A member of staff: a clinician with an actor id for tokens and care teams.</summary>
internal sealed record DemoStaff(int Index, string Actor, Role Role, string Name, string Pinyin, bool Male, DateOnly BirthDate, string ResidentId, string Licence, int PracticeYears, DemoDepartment Department)
{
    public string ExternalId => "staff-" + Actor;
}

/// <summary>A department: its specialty code, what its patients suffer from, what is measured and prescribed.</summary>
internal sealed record DemoDepartment(string Code, string Name, string NameEn, IReadOnlyList<DemoCondition> Conditions, IReadOnlyList<DemoMeasure> Measures, bool Paediatric = false);

/// <summary>An ICD-10 diagnosis with the patient's words, the physician's reply and a typical medicine (ATC).</summary>
internal sealed record DemoCondition(string Icd, string Display, string Complaint, string Reply, string? Atc, string? Drug, string? Dosage);

/// <summary>A LOINC measurement with its unit and a plausible range.</summary>
internal sealed record DemoMeasure(string Loinc, string Display, string Text, string Unit, string UcumCode, double Low, double High, int Decimals, string Category);

/// <summary>Builds the demo's people: about 1,000 patients (children with a parent as guardian) and the clinical staff.</summary>
internal static class DemoRoster
{
    public const int Seed = 20_261_123;
    public const int PatientCount = 1000;

    private static readonly (string Hanzi, string Pinyin, int Weight)[] Surnames =
    [
        ("王", "Wang", 72), ("李", "Li", 72), ("张", "Zhang", 68), ("刘", "Liu", 54), ("陈", "Chen", 46), ("杨", "Yang", 33), ("黄", "Huang", 24),
        ("赵", "Zhao", 22), ("吴", "Wu", 21), ("周", "Zhou", 20), ("徐", "Xu", 14), ("孙", "Sun", 13), ("马", "Ma", 12), ("朱", "Zhu", 12),
        ("胡", "Hu", 11), ("郭", "Guo", 11), ("何", "He", 10), ("高", "Gao", 10), ("林", "Lin", 10), ("罗", "Luo", 9), ("郑", "Zheng", 9),
        ("梁", "Liang", 8), ("谢", "Xie", 7), ("宋", "Song", 7), ("唐", "Tang", 6), ("许", "Xu", 6), ("韩", "Han", 6), ("冯", "Feng", 6),
        ("邓", "Deng", 6), ("曹", "Cao", 5), ("彭", "Peng", 5), ("曾", "Zeng", 5), ("肖", "Xiao", 5), ("田", "Tian", 4), ("董", "Dong", 4),
        ("袁", "Yuan", 4), ("潘", "Pan", 4), ("于", "Yu", 4), ("蒋", "Jiang", 4), ("蔡", "Cai", 4), ("余", "Yu", 4), ("杜", "Du", 4),
        ("叶", "Ye", 4), ("程", "Cheng", 4), ("苏", "Su", 3), ("魏", "Wei", 3), ("吕", "Lyu", 3), ("丁", "Ding", 3), ("任", "Ren", 3),
        ("沈", "Shen", 3), ("姚", "Yao", 3), ("卢", "Lu", 3), ("姜", "Jiang", 3), ("崔", "Cui", 3), ("钟", "Zhong", 3), ("谭", "Tan", 2),
        ("陆", "Lu", 2), ("汪", "Wang", 2), ("范", "Fan", 2), ("金", "Jin", 2), ("石", "Shi", 2), ("廖", "Liao", 2), ("贾", "Jia", 2),
        ("夏", "Xia", 2), ("韦", "Wei", 2), ("方", "Fang", 2), ("白", "Bai", 2), ("邹", "Zou", 2), ("孟", "Meng", 2), ("熊", "Xiong", 2),
        ("秦", "Qin", 2), ("邱", "Qiu", 2), ("江", "Jiang", 2), ("尹", "Yin", 2), ("薛", "Xue", 2), ("段", "Duan", 2), ("雷", "Lei", 2),
        ("侯", "Hou", 2), ("龙", "Long", 2), ("史", "Shi", 2), ("陶", "Tao", 2), ("黎", "Li", 2), ("贺", "He", 2), ("顾", "Gu", 2),
        ("毛", "Mao", 2), ("郝", "Hao", 2), ("龚", "Gong", 2), ("邵", "Shao", 2), ("万", "Wan", 2), ("钱", "Qian", 2), ("严", "Yan", 2),
    ];

    private static readonly (string Hanzi, string Pinyin)[] MaleGiven =
    [
        ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("杰", "jie"), ("涛", "tao"),
        ("明", "ming"), ("超", "chao"), ("刚", "gang"), ("平", "ping"), ("辉", "hui"), ("鹏", "peng"), ("华", "hua"), ("飞", "fei"),
        ("鑫", "xin"), ("波", "bo"), ("斌", "bin"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"), ("健", "jian"), ("俊", "jun"),
        ("帆", "fan"), ("帅", "shuai"), ("旭", "xu"), ("宁", "ning"), ("龙", "long"), ("林", "lin"), ("晨", "chen"), ("博", "bo"),
        ("文", "wen"), ("志", "zhi"), ("建", "jian"), ("国", "guo"), ("峰", "feng"), ("毅", "yi"), ("嘉", "jia"), ("子", "zi"),
        ("轩", "xuan"), ("然", "ran"), ("睿", "rui"), ("泽", "ze"), ("航", "hang"),
    ];

    private static readonly (string Hanzi, string Pinyin)[] FemaleGiven =
    [
        ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"), ("娟", "juan"), ("霞", "xia"),
        ("燕", "yan"), ("玲", "ling"), ("婷", "ting"), ("雪", "xue"), ("慧", "hui"), ("莹", "ying"), ("倩", "qian"), ("琳", "lin"),
        ("颖", "ying"), ("欣", "xin"), ("佳", "jia"), ("悦", "yue"), ("晶", "jing"), ("璐", "lu"), ("萍", "ping"), ("红", "hong"),
        ("梅", "mei"), ("兰", "lan"), ("秀", "xiu"), ("英", "ying"), ("月", "yue"), ("雨", "yu"), ("思", "si"), ("诗", "shi"),
        ("琪", "qi"), ("涵", "han"), ("萱", "xuan"), ("怡", "yi"), ("桐", "tong"), ("可", "ke"), ("馨", "xin"), ("妍", "yan"),
    ];

    // GB/T 2260 county-level codes of the larger cities (area codes of the first issue of an ID number).
    private static readonly string[] AreaCodes =
    [
        "110101", "110102", "110105", "110106", "110108", "110114", "120101", "120104", "130102", "130104", "140105", "150102",
        "210102", "210202", "220102", "230102", "310101", "310104", "310105", "310112", "310115", "320102", "320106", "320505",
        "330102", "330106", "330110", "340104", "350203", "350102", "360102", "370102", "370202", "410105", "420106", "420111",
        "430104", "440103", "440104", "440106", "440305", "440306", "450103", "460106", "500103", "500106", "510104", "510107",
        "520102", "530102", "610113", "620102", "630104", "640104", "650102",
    ];

    private static readonly string[] MobilePrefixes =
    [
        "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
        "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199",
    ];

    public static IReadOnlyList<DemoDepartment> Departments { get; } =
    [
        new("394579002", "心血管内科", "Cardiology",
            [
                new("I10", "原发性高血压", "医生您好，我最近早上量血压在150/95左右，头有点胀，需要调整用药吗？", "建议继续服用氨氯地平，低盐饮食，每天早晚测量血压并记录，两周后复诊。", "C08CA01", "苯磺酸氨氯地平片 5mg", "每日一次，每次一片，早餐后服用"),
                new("I25.1", "动脉粥样硬化性心脏病", "医生，我活动后偶尔胸闷，休息几分钟能缓解，之前做过冠脉CT。", "请坚持服用阿司匹林，避免剧烈运动；如胸痛持续超过15分钟请立即到急诊就诊。", "B01AC06", "阿司匹林肠溶片 100mg", "每日一次，每次一片"),
            ],
            [
                new("8480-6", "Systolic blood pressure", "收缩压", "mmHg", "mm[Hg]", 112, 162, 0, "vital-signs"),
                new("8462-4", "Diastolic blood pressure", "舒张压", "mmHg", "mm[Hg]", 68, 102, 0, "vital-signs"),
                new("8867-4", "Heart rate", "心率", "次/分", "/min", 58, 96, 0, "vital-signs"),
            ]),
        new("394583002", "内分泌科", "Endocrinology",
            [
                new("E11.9", "2型糖尿病", "医生您好，我空腹血糖最近在8左右，饭后有时超过12，药一直在吃。", "二甲双胍继续服用，注意控制主食量，三个月后复查糖化血红蛋白。", "A10BA02", "盐酸二甲双胍片 0.5g", "每日两次，每次一片，餐中服用"),
                new("E78.5", "高脂血症", "体检发现低密度脂蛋白偏高，需要吃药吗？", "建议服用阿托伐他汀并调整饮食，一个月后复查血脂和肝功能。", "C10AA05", "阿托伐他汀钙片 20mg", "每晚一次，每次一片"),
                new("E03.9", "甲状腺功能减退症", "最近总觉得乏力、怕冷，上次查甲功TSH偏高。", "左甲状腺素钠片按时空腹服用，六周后复查甲功。", "H03AA01", "左甲状腺素钠片 50μg", "每日一次，早餐前半小时空腹服用"),
            ],
            [
                new("1558-6", "Fasting glucose [Moles/volume] in Serum or Plasma", "空腹血糖", "mmol/L", "mmol/L", 4.6, 10.8, 1, "laboratory"),
                new("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "糖化血红蛋白", "%", "%", 5.2, 9.6, 1, "laboratory"),
                new("29463-7", "Body weight", "体重", "kg", "kg", 48, 96, 1, "vital-signs"),
            ]),
        new("418112009", "呼吸内科", "Pulmonary medicine",
            [
                new("J45.9", "支气管哮喘", "医生，换季以后夜里咳嗽加重，偶尔喘不上气。", "规律使用吸入剂，随身携带急救药，避免接触过敏原。", "R03AK06", "沙美特罗替卡松吸入粉雾剂 50/250μg", "每日两次，每次一吸"),
                new("J44.9", "慢性阻塞性肺疾病", "最近爬两层楼就气短，痰比以前多。", "继续使用噻托溴铵，坚持呼吸功能锻炼；如出现发热、痰色变黄请及时就诊。", "R03BB04", "噻托溴铵粉吸入剂 18μg", "每日一次，每次一吸"),
            ],
            [
                new("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "血氧饱和度", "%", "%", 90, 99, 0, "vital-signs"),
                new("9279-1", "Respiratory rate", "呼吸频率", "次/分", "/min", 14, 24, 0, "vital-signs"),
            ]),
        new("394584008", "消化内科", "Gastroenterology",
            [
                new("K21.9", "胃食管反流病", "吃完饭后经常反酸、烧心，晚上躺下更明显。", "奥美拉唑早餐前服用，睡前三小时不要进食，抬高床头。", "A02BC01", "奥美拉唑肠溶胶囊 20mg", "每日一次，早餐前服用"),
                new("K29.5", "慢性胃炎", "胃口不好，上腹部隐隐作痛，已经一个多月了。", "规律饮食，忌辛辣；服药两周后症状不缓解建议预约胃镜。", "A02BC01", "奥美拉唑肠溶胶囊 20mg", "每日一次，早餐前服用"),
            ],
            [
                new("718-7", "Hemoglobin [Mass/volume] in Blood", "血红蛋白", "g/L", "g/L", 112, 162, 0, "laboratory"),
            ]),
        new("394537008", "儿科", "Paediatrics",
            [
                new("J06.9", "急性上呼吸道感染", "孩子昨天开始发烧，最高38.5度，有点流鼻涕和咳嗽。", "多喝水，体温超过38.5度可用退热药；如精神差、持续高热超过三天请到医院就诊。", null, null, null),
                new("J20.9", "急性支气管炎", "孩子咳嗽一周了，夜里咳得厉害，不发烧。", "注意室内湿度，咳嗽加重或出现喘息请线下就诊听诊。", null, null, null),
            ],
            [
                new("8310-5", "Body temperature", "体温", "℃", "Cel", 36.4, 39.2, 1, "vital-signs"),
                new("29463-7", "Body weight", "体重", "kg", "kg", 9, 45, 1, "vital-signs"),
            ],
            Paediatric: true),
        new("394582007", "皮肤科", "Dermatology",
            [
                new("L20.9", "特应性皮炎", "手肘和膝盖后面的皮疹反复发作，晚上痒得睡不着。", "保湿是基础，外用药膏每日两次，避免热水烫洗。", "D07AC01", "丁酸氢化可的松乳膏", "每日两次，薄涂患处"),
                new("L40.0", "寻常型银屑病", "头皮和小腿有红色斑块，上面有白色鳞屑。", "继续外用药物，注意保湿，避免搔抓；必要时复诊评估系统治疗。", "D05AX02", "卡泊三醇软膏", "每日两次，薄涂患处"),
            ],
            [
                new("29463-7", "Body weight", "体重", "kg", "kg", 48, 92, 1, "vital-signs"),
            ]),
        new("394587001", "精神心理科", "Psychiatry",
            [
                new("F32.9", "抑郁发作", "最近两个月情绪很低落，对什么都提不起兴趣，晚上睡不着。", "舍曲林从小剂量开始，按时服用，不要自行停药；如有伤害自己的想法请立即联系医生或拨打心理援助热线。", "N06AB06", "盐酸舍曲林片 50mg", "每日一次，每次一片，早餐后服用"),
                new("F41.1", "广泛性焦虑障碍", "总是莫名紧张、心慌，担心很多事情，影响工作。", "艾司西酞普兰按时服用，配合规律作息与放松训练，两周后复诊评估。", "N06AB10", "草酸艾司西酞普兰片 10mg", "每日一次，每次一片"),
            ],
            [
                new("8867-4", "Heart rate", "心率", "次/分", "/min", 62, 104, 0, "vital-signs"),
            ]),
        new("419772000", "全科医学科", "Family practice",
            [
                new("M54.5", "腰痛", "久坐后腰疼，弯腰时更明显，没有外伤。", "避免久坐，每小时起身活动；疼痛明显时可短期服用布洛芬。", "M01AE01", "布洛芬缓释胶囊 0.3g", "需要时服用，每日不超过两次"),
                new("G43.9", "偏头痛", "每个月会有几次单侧头痛，伴有恶心，怕光。", "记录头痛日记，规律作息；发作时尽早服药。", "N02CC01", "琥珀酸舒马普坦片 50mg", "发作时服用一片"),
            ],
            [
                new("8310-5", "Body temperature", "体温", "℃", "Cel", 36.2, 37.4, 1, "vital-signs"),
                new("8480-6", "Systolic blood pressure", "收缩压", "mmHg", "mm[Hg]", 108, 140, 0, "vital-signs"),
            ]),
    ];

    /// <summary>The staff and the patients. Patient 0 is an adult with every feature; the first child's guardian is known.</summary>
    public static (IReadOnlyList<DemoStaff> Staff, IReadOnlyList<DemoPerson> Patients) Build(DateOnly today)
    {
        var random = new Random(Seed);
        var staff = BuildStaff(random, today);
        var patients = new List<DemoPerson>(PatientCount);
        var guardians = new List<int>();
        for (var i = 0; i < PatientCount; i++)
        {
            var roll = random.NextDouble();
            var child = i > 0 && roll < 0.09 && guardians.Count > 0;
            var teen = !child && i > 0 && roll < 0.13;
            var age = i == 0 ? 38 : child ? random.Next(0, 14) : teen ? random.Next(14, 18) : Skewed(random, 18, 86);
            var birth = today.AddYears(-age).AddDays(-random.Next(1, 365));
            int? guardian = child ? guardians[random.Next(guardians.Count)] : null;
            var male = i == 0 || random.Next(2) == 0;
            var family = guardian is { } g ? patients[g].Family : PickSurname(random);
            var (given, givenPinyin) = GivenName(random, male);
            var surname = Surnames.First(s => s.Hanzi == family);
            var department = PickDepartment(random, i, child, age);
            var consults = department is null ? 0 : i == 0 ? 2 : random.Next(1, 3);
            var prescription = department is not null && (i == 0 || (!department.Paediatric && random.NextDouble() < 0.7));
            var person = new DemoPerson
            {
                Index = i,
                ExternalId = string.Create(CultureInfo.InvariantCulture, $"demo-p{i + 1:D4}"),
                Name = family + given,
                Pinyin = $"{surname.Pinyin} {char.ToUpperInvariant(givenPinyin[0])}{givenPinyin[1..]}",
                Family = family,
                Given = given,
                Male = male,
                BirthDate = birth,
                ResidentId = ResidentId(random, birth, male),
                Mobile = Mobile(random),
                Guardian = guardian,
                Department = department,
                Physician = department is null ? -1 : PickStaff(random, staff, Role.Physician, department),
                Nurse = department is not null && (i == 0 || random.NextDouble() < 0.4) ? PickStaff(random, staff, Role.Nurse, null) : -1,
                Pharmacist = prescription && (i == 0 || random.NextDouble() < 0.5) ? PickStaff(random, staff, Role.Pharmacist, null) : -1,
                Appointments = i == 0 ? 2 : random.Next(1, 4),
                Consultations = consults,
                Prescription = prescription,
            };
            Consents(random, person);
            patients.Add(person);
            if (!child && age is >= 25 and <= 55)
            {
                guardians.Add(i);
            }
        }

        return (staff, patients);
    }

    private static void Consents(Random random, DemoPerson person)
    {
        person.Grants.AddRange(["appointment", "consultation", "test-results"]);
        if (!person.Child)
        {
            person.Grants.Insert(0, "account");
        }

        if (person.Prescription)
        {
            person.Grants.Add("prescription");
        }

        if (person.Child)
        {
            return;
        }

        if (person.Index == 0 || random.NextDouble() < 0.45)
        {
            person.Grants.Add("marketing.push");
            if (person.Index != 0 && random.NextDouble() < 0.3)
            {
                person.Withdrawals.Add("marketing.push");
            }
        }

        if (random.NextDouble() < 0.25)
        {
            person.Grants.Add("marketing.personalization");
        }

        if (random.NextDouble() < 0.2)
        {
            person.Grants.Add("health-advice");
            if (random.NextDouble() < 0.25)
            {
                person.Withdrawals.Add("health-advice");
            }
        }

        if (person.Index == 0 || random.NextDouble() < 0.12)
        {
            person.Grants.Add("research.deidentified");
        }
    }

    private static List<DemoStaff> BuildStaff(Random random, DateOnly today)
    {
        var staff = new List<DemoStaff>();
        var actors = new HashSet<string>(StringComparer.Ordinal);
        void Add(Role role, string prefix, DemoDepartment department)
        {
            var male = random.Next(2) == 0;
            var surname = Surnames[random.Next(Surnames.Length)];
            var (given, givenPinyin) = GivenName(random, male);
            var actor = $"{prefix}-{surname.Pinyin.ToLowerInvariant()}-{givenPinyin}";
            for (var n = 2; !actors.Add(actor); n++)
            {
                actor = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{surname.Pinyin.ToLowerInvariant()}-{givenPinyin}{n}");
            }

            var age = random.Next(28, 60);
            var birth = today.AddYears(-age).AddDays(-random.Next(1, 365));
            var licence = string.Create(CultureInfo.InvariantCulture, $"1101{random.Next(10, 99)}{random.Next(100_000_000, 999_999_999)}");
            staff.Add(new DemoStaff(staff.Count, actor, role, surname.Hanzi + given, $"{surname.Pinyin} {char.ToUpperInvariant(givenPinyin[0])}{givenPinyin[1..]}", male, birth, ResidentId(random, birth, male), licence, Math.Max(3, age - 27), department));
        }

        foreach (var department in Departments)
        {
            Add(Role.Physician, "dr", department);
            Add(Role.Physician, "dr", department);
            if (department.Code is "394579002" or "394583002" or "394537008")
            {
                Add(Role.Physician, "dr", department);
            }
        }

        for (var i = 0; i < 10; i++)
        {
            Add(Role.Nurse, "nurse", Departments[i % Departments.Count]);
        }

        for (var i = 0; i < 5; i++)
        {
            Add(Role.Pharmacist, "pharm", Departments[^1]);
        }

        return staff;
    }

    private static DemoDepartment? PickDepartment(Random random, int index, bool child, int age)
    {
        if (index == 0)
        {
            return Departments[1];
        }

        if (random.NextDouble() > 0.72)
        {
            return null;
        }

        if (child)
        {
            return Departments.Single(d => d.Paediatric);
        }

        // Mental-health consultations (L5) are a few percent of adults.
        if (age >= 18 && random.NextDouble() < 0.04)
        {
            return Departments.Single(d => d.Code == "394587001");
        }

        var adult = Departments.Where(d => !d.Paediatric && d.Code != "394587001").ToList();
        return adult[random.Next(adult.Count)];
    }

    private static int PickStaff(Random random, List<DemoStaff> staff, Role role, DemoDepartment? department)
    {
        var candidates = staff.Where(s => s.Role == role && (department is null || s.Department == department)).ToList();
        return candidates[random.Next(candidates.Count)].Index;
    }

    private static int Skewed(Random random, int min, int max)
    {
        // Internet-hospital users lean middle-aged: the mean of two draws.
        var a = random.Next(min, max);
        var b = random.Next(min, max);
        return (a + b) / 2;
    }

    private static string PickSurname(Random random)
    {
        var total = Surnames.Sum(s => s.Weight);
        var pick = random.Next(total);
        foreach (var (hanzi, _, weight) in Surnames)
        {
            if (pick < weight)
            {
                return hanzi;
            }

            pick -= weight;
        }

        return Surnames[0].Hanzi;
    }

    private static (string Hanzi, string Pinyin) GivenName(Random random, bool male)
    {
        var pool = male ? MaleGiven : FemaleGiven;
        var first = pool[random.Next(pool.Length)];
        if (random.NextDouble() < 0.35)
        {
            return first;
        }

        var second = pool[random.Next(pool.Length)];
        return (first.Hanzi + second.Hanzi, first.Pinyin + second.Pinyin);
    }

    private static string ResidentId(Random random, DateOnly birth, bool male)
    {
        var area = AreaCodes[random.Next(AreaCodes.Length)];
        var sequence = (random.Next(0, 500) * 2) + (male ? 1 : 0);
        return ChineseResidentId.Create(area, birth, sequence).Value;
    }

    private static string Mobile(Random random)
        => MobilePrefixes[random.Next(MobilePrefixes.Length)] + random.Next(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture);
}
