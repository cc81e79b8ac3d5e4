using Cordon.Core.Profiles;

namespace Cordon.Core.Tests.Profiles;

/// <summary>A small valid profile and helpers to break it one line at a time.</summary>
internal static class ProfileFixture
{
    public const string FileName = "test-profile.yaml";

    public const string Valid = """
        schema: cordon/profile@1
        operator:
          name: 测试医院
          type: internet-hospital
          address: 北京市
          phone: "010-1000"
          email: privacy@test.cn
          dpo: { name: 张敏, email: dpo@test.cn }
          storageRegion: CN
          cryptoSuite: standard
        auditRetentionDays: 183
        catalog:
          Patient:
            kind: fhir
            fields:
              - { path: name.text, category: personal-attribute, level: L4 }
              - { path: identifier.value, when: { system: "urn:cordon:sid:cn-resident-id" }, category: personal-attribute, level: L4, tags: [identity-document], format: cn-resident-id, index: cn-resident-id }
              - { path: identifier.value, category: personal-attribute, level: L3 }
              - { path: identifier.system, category: personal-attribute, level: L1 }
              - { path: gender, category: personal-attribute, level: L3 }
          Condition:
            kind: fhir
            clinical: true
            medicalRecord: true
            retentionClass: internet-diagnosis-record
            fields:
              - { path: code.coding.code, category: health-status, level: L4, tags: [medical-health] }
              - { path: code.text, category: health-status, level: L4, tags: [medical-health] }
            escalations:
              - { path: code.coding.code, codes: ["86406008"], pattern: "^B2[0-4]", level: L5, tags: [medical-health], reason: HIV }
          Account:
            kind: declared
            fields:
              - { path: mobile, category: personal-attribute, level: L3, format: cn-mobile, index: cn-mobile }
              - { path: nickname, category: personal-attribute, level: L2 }
          AccessLog:
            kind: declared
            retentionClass: network-log
            fields:
              - { path: ip, category: personal-attribute, level: L3 }
        purposes:
          account:
            name: 账号
            description: 注册与登录
            legalBasis: contract
            consent: general
            necessary: true
            service: account
            roles: { write: [app], read: [app, patient] }
            collect: { Account: ["*"] }
            retention: 3y
            recipients: [sms]
            notice: { method: 短信验证码 }
          consultation:
            name: 问诊
            description: 在线复诊
            legalBasis: contract
            consent: separate
            necessary: true
            service: consultation
            roles: { write: [app, physician], read: [app, physician, patient] }
            collect: { Condition: ["*"] }
            read: { Condition: ["*"], Patient: [name.text, gender] }
            retention: 15y
            restrictedAccess: false
            notice: { method: 图文问诊, necessity: 诊疗所需, impact: 敏感信息 }
          marketing.push:
            name: 推送
            description: 营销消息
            legalBasis: consent
            consent: separate
            necessary: false
            service: marketing
            roles: { write: [], read: [marketing] }
            collect: {}
            read: { Account: [mobile] }
            retention: 1y
            notice: { method: 短信 }
          security.logging:
            name: 日志
            description: 安全日志
            legalBasis: legal-duty
            consent: none
            necessary: true
            service: security
            roles: { write: [app], read: [security] }
            collect: { AccessLog: ["*"] }
            retention: 183d
            notice: { method: 自动记录 }
        masking:
          support:
            Patient: { identifier.value: "keep-ends(6,4)" }
        recipients:
          sms: { name: 短信服务商, kind: entrusted-processor, jurisdiction: CN, contact: sms@test.cn, receives: 手机号 }
        retention:
          - { type: AccessLog, period: 1y, after: delete }
        notice:
          title: 隐私政策
          intro: 说明
          rights: { access: a, copy: b, portability: c, correction: d, deletion: e, restriction: f, withdrawal: g, cancellation: h, explanation: i, complaint: j }
          childPolicy: 儿童个人信息规则
          afterRetention: 到期删除
          effective: "2026-12-01"
        """;

    public static ProfileLoadResult Load(string yaml) => ProfileLoader.Load(yaml, FileName);

    /// <summary>The valid profile with <paramref name="original"/> (which occurs exactly once) replaced.</summary>
    public static string With(string original, string replacement) => Replace(Valid, original, replacement);

    public static string Replace(string text, string original, string replacement)
    {
        var first = text.IndexOf(original, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{original}' is not in the profile");
        Assert.True(text.IndexOf(original, first + 1, StringComparison.Ordinal) < 0, $"'{original}' occurs more than once");
        return string.Concat(text.AsSpan(0, first), replacement, text.AsSpan(first + original.Length));
    }

    /// <summary>The 1-based line of the first line containing <paramref name="fragment"/>.</summary>
    public static int LineOf(string text, string fragment)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(fragment, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        throw new InvalidOperationException($"'{fragment}' is not in the text");
    }

    /// <summary>The 1-based line that is exactly <paramref name="line"/>.</summary>
    public static int LineOfWhole(string text, string line)
    {
        var lines = text.Split('\n');
        var index = Array.FindIndex(lines, l => l.TrimEnd('\r') == line);
        Assert.True(index >= 0, $"no line '{line}'");
        return index + 1;
    }

    /// <summary>Asserts the load failed with an error on <paramref name="line"/> whose message contains <paramref name="fragment"/> and whose rule is <paramref name="rule"/>; returns it.</summary>
    public static ProfileError AssertRefused(ProfileLoadResult result, int line, string fragment, string? rule)
    {
        Assert.False(result.Succeeded);
        Assert.Null(result.Profile);
        var match = result.Errors.FirstOrDefault(e => e.Line == line && e.Message.Contains(fragment, StringComparison.Ordinal));
        Assert.True(match is not null, $"no error on line {line} containing '{fragment}'; errors:{Environment.NewLine}{string.Join(Environment.NewLine, result.Errors)}");
        Assert.Equal(rule, match.Rule);
        Assert.Equal(FileName, match.File);
        Assert.True(match.Column >= 1);
        return match;
    }
}
