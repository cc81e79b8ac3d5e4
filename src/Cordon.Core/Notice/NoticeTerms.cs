using System.Globalization;
using Cordon.Core.Catalog;
using Cordon.Core.Profiles;

namespace Cordon.Core.Notice;

/// <summary>A term of the notice in Chinese with its English alongside.</summary>
public sealed record BilingualText(string Zh, string En)
{
    public override string ToString() => $"{Zh} / {En}";
}

/// <summary>The bilingual names the notice uses for the profile's keys.</summary>
public static class NoticeTerms
{
    public static BilingualText LegalBasis(LegalBasis basis) => basis switch
    {
        Profiles.LegalBasis.Consent => new("取得您的同意", "Your consent"),
        Profiles.LegalBasis.Contract => new("为订立、履行您作为一方当事人的合同所必需", "Necessary for a contract with you"),
        Profiles.LegalBasis.LegalDuty => new("为履行法定职责或者法定义务所必需", "Necessary for a legal duty or obligation"),
        Profiles.LegalBasis.HealthEmergency => new("为应对突发公共卫生事件或紧急情况下保护生命健康所必需", "Necessary in a public-health emergency or to protect life and health"),
        Profiles.LegalBasis.News => new("为公共利益实施新闻报道、舆论监督", "News reporting and public supervision in the public interest"),
        Profiles.LegalBasis.PublicInformation => new("处理已合法公开的个人信息", "Information already lawfully made public"),
        _ => new("法律、行政法规规定的其他情形", "Other cases provided by law"),
    };

    /// <summary>Where PIPL Art. 13 allows the basis, in words (no rule id): the patient page cites the law, not the engine.</summary>
    public static BilingualText LegalBasisCitation(LegalBasis basis) => basis switch
    {
        Profiles.LegalBasis.Consent => new("《个人信息保护法》第十三条第一款第一项", "PIPL Art. 13(1)(i)"),
        Profiles.LegalBasis.Contract => new("《个人信息保护法》第十三条第一款第二项", "PIPL Art. 13(1)(ii)"),
        Profiles.LegalBasis.LegalDuty => new("《个人信息保护法》第十三条第一款第三项", "PIPL Art. 13(1)(iii)"),
        Profiles.LegalBasis.HealthEmergency => new("《个人信息保护法》第十三条第一款第四项", "PIPL Art. 13(1)(iv)"),
        Profiles.LegalBasis.News => new("《个人信息保护法》第十三条第一款第五项", "PIPL Art. 13(1)(v)"),
        Profiles.LegalBasis.PublicInformation => new("《个人信息保护法》第十三条第一款第六项", "PIPL Art. 13(1)(vi)"),
        _ => new("《个人信息保护法》第十三条第一款第七项", "PIPL Art. 13(1)(vii)"),
    };

    /// <summary>The consent a purpose needs, said to the person who gives it.</summary>
    public static BilingualText ConsentForPatient(ConsentRequirement consent) => consent switch
    {
        ConsentRequirement.None => new("无需您的同意", "Your consent is not needed"),
        ConsentRequirement.General => new("需要您的同意，您可以随时撤回", "Needs your consent; you may withdraw it at any time"),
        ConsentRequirement.Separate => new("需要您单独同意，您可以随时撤回", "Needs your separate consent; you may withdraw it at any time"),
        _ => new("需要您的书面同意，您可以随时撤回", "Needs your written consent; you may withdraw it at any time"),
    };

    /// <summary>Where data is stored, for a person: mainland China in words, any other region by its code.</summary>
    public static BilingualText Region(string region) => region switch
    {
        "CN" => new("中华人民共和国境内", "Mainland China"),
        _ => new(region, region),
    };

    public static BilingualText Consent(ConsentRequirement consent) => consent switch
    {
        ConsentRequirement.None => new("无需同意", "No consent needed"),
        ConsentRequirement.General => new("一般同意", "Consent"),
        ConsentRequirement.Separate => new("单独同意", "Separate consent"),
        _ => new("书面同意", "Written consent"),
    };

    public static BilingualText Category(DataCategory category) => category switch
    {
        DataCategory.PersonalAttribute => new("个人属性数据", "Personal attributes"),
        DataCategory.HealthStatus => new("健康状况数据", "Health status"),
        DataCategory.MedicalApplication => new("医疗应用数据", "Medical care"),
        DataCategory.MedicalPayment => new("医疗支付数据", "Medical payment"),
        DataCategory.HealthResources => new("卫生资源数据", "Health resources"),
        _ => new("公共卫生数据", "Public health"),
    };

    public static BilingualText Tag(string key) => key switch
    {
        "medical-health" => new("医疗健康", "medical and health"),
        "biometric" => new("生物识别", "biometric"),
        "identity-document" => new("身份证件", "identity document"),
        "financial" => new("金融账户", "financial account"),
        "location" => new("行踪轨迹", "location"),
        "minor" => new("不满十四周岁未成年人", "child under 14"),
        "genetic" => new("基因", "genetic"),
        _ => new(key, key),
    };

    public static BilingualText Right(string key) => key switch
    {
        "access" => new("查阅", "Access"),
        "copy" => new("复制", "Copy"),
        "portability" => new("转移", "Portability"),
        "correction" => new("更正、补充", "Correction"),
        "deletion" => new("删除", "Deletion"),
        "restriction" => new("限制处理", "Restriction"),
        "withdrawal" => new("撤回同意", "Withdrawing consent"),
        "cancellation" => new("注销账号", "Cancelling your account"),
        "explanation" => new("要求解释说明", "Explanation"),
        "complaint" => new("投诉举报", "Complaints"),
        _ => new(key, key),
    };

    public static BilingualText After(AfterRetention after) => after switch
    {
        AfterRetention.Delete => new("删除", "deleted"),
        _ => new("匿名化", "anonymised"),
    };

    public static BilingualText OperatorType(OperatorType type) => type switch
    {
        Profiles.OperatorType.MedicalInstitution => new("医疗机构", "Medical institution"),
        Profiles.OperatorType.InternetHospital => new("互联网医院", "Internet hospital"),
        _ => new("互联网健康信息服务提供者", "Health-information service"),
    };

    public static BilingualText RecipientKind(string kind) => kind switch
    {
        "entrusted-processor" => new("受托处理者", "Entrusted processor"),
        "controller" => new("其他个人信息处理者", "Independent controller"),
        "joint-controller" => new("共同处理者", "Joint controller"),
        "sdk" => new("第三方 SDK", "Third-party SDK"),
        "cloud" => new("云服务提供者", "Cloud provider"),
        "public" => new("公开", "The public"),
        _ => new(kind, kind),
    };

    public static BilingualText Necessary(bool necessary) => necessary
        ? new("基本服务所必需", "Needed for the basic service")
        : new("可选，拒绝不影响基本服务", "Optional; refusing does not affect the basic service");

    public static BilingualText Period(RetentionPeriod period)
    {
        var zh = new List<string>(3);
        var en = new List<string>(3);
        Add(period.Years, "年", "year");
        Add(period.Months, "个月", "month");
        Add(period.Days, "天", "day");
        return new(string.Join(' ', zh), string.Join(' ', en));

        void Add(int n, string zhUnit, string enUnit)
        {
            if (n == 0)
            {
                return;
            }

            zh.Add(string.Create(CultureInfo.InvariantCulture, $"{n} {zhUnit}"));
            en.Add(string.Create(CultureInfo.InvariantCulture, $"{n} {enUnit}{(n == 1 ? string.Empty : "s")}"));
        }
    }
}
