using System.Globalization;
using Cordon.Core.Catalog;
using Cordon.Core.Rules;

namespace Cordon.Core.Profiles;

/// <summary>The checks across a profile's sections that compliance rules decide. Each error names its rule.</summary>
internal static class ProfileRules
{
    public static void Check(ProfileDraft d, ProfileErrors errors)
    {
        CheckStorageRegion(d, errors);
        CheckAuditRetention(d, errors);
        foreach (var purpose in d.Purposes)
        {
            CheckBasisAndConsent(purpose, errors);
            CheckSensitive(d, purpose, errors);
            CheckRetention(d, purpose, errors);
            CheckOperatorMayOffer(d, purpose, errors);
            CheckRecipients(d, purpose, errors);
            CheckMarketing(purpose, errors);
        }

        foreach (var rule in d.Retention)
        {
            var type = d.Types[rule.Rule.Type];
            if (LegalMinimums.For(type.RetentionClass) is { } minimum && rule.Rule.Period < minimum.Period)
            {
                errors.Add(rule.PeriodNode, $"retention rule for {type.Name}: {rule.Rule.Period} is less than the {minimum.Period} the law requires for {type.RetentionClass.ToKey()} data ({Cite(minimum.Rule)})", minimum.Rule);
            }
        }
    }

    private static void CheckStorageRegion(ProfileDraft d, ProfileErrors errors)
    {
        var o = d.Operator;
        if (o.Type is OperatorType.MedicalInstitution or OperatorType.InternetHospital
            && o.StorageRegion is { } region && region != "CN" && o.StorageRegionNode is { } node)
        {
            errors.Add(node, $"storageRegion '{region}': an operator of type {o.Type.Value.ToKey()} stores its data in China (CN), with no overseas servers, hosting or leasing ({Cite("R38")})", "R38");
        }
    }

    private static void CheckAuditRetention(ProfileDraft d, ProfileErrors errors)
    {
        if (d.AuditRetentionDays is { } days && days < LegalMinimums.AuditLogDays && d.AuditRetentionNode is { } node)
        {
            errors.Add(node, string.Create(CultureInfo.InvariantCulture, $"auditRetentionDays {days} is less than the {LegalMinimums.AuditLogDays} days (six months) network and audit logs are kept ({Cite("R44")})"), "R44");
        }
    }

    private static void CheckBasisAndConsent(PurposeDraft p, ProfileErrors errors)
    {
        if (p is { LegalBasis: LegalBasis.Consent, Consent: ConsentRequirement.None })
        {
            errors.Add(p.ConsentNode!, $"purpose '{p.Key}': consent 'none' contradicts the legal basis 'consent' ({Cite("R01")})", "R01");
        }

        if (p.RestrictedAccess && p.LegalBasis is { } basis && basis != LegalBasis.LegalDuty)
        {
            errors.Add(p.RestrictedAccessNode!, $"purpose '{p.Key}': only a purpose whose legal basis is legal-duty may process the data of restricted subjects; its basis is '{basis.ToKey()}' ({Cite("R19")})", "R19");
        }
    }

    private static void CheckSensitive(ProfileDraft d, PurposeDraft p, ProfileErrors errors)
    {
        var why = SensitiveReason(d, p);
        if (why is null)
        {
            return;
        }

        if (p.Consent is { } consent && consent is not (ConsentRequirement.Separate or ConsentRequirement.Written)
            && p.LegalBasis is { } basis && basis is not (LegalBasis.LegalDuty or LegalBasis.HealthEmergency))
        {
            errors.Add(
                p.ConsentNode!,
                $"purpose '{p.Key}' handles sensitive personal information ({why}) with consent '{consent.ToKey()}'; it needs separate (or written) consent unless its legal basis is legal-duty or health-emergency ({Cite("R02")})",
                "R02");
        }

        if (p.Method is not null && (p.Necessity is null || p.Impact is null))
        {
            var missing = p.Necessity is null && p.Impact is null ? "'necessity' and 'impact'" : p.Necessity is null ? "'necessity'" : "'impact'";
            errors.Add(p.NoticeNode!, $"purpose '{p.Key}' handles sensitive personal information ({why}); its notice needs {missing}: why the data is necessary and how processing affects the person ({Cite("R09")}; PIPL Art. 30)", "R09");
        }
    }

    /// <summary>The first sensitive field or escalation a purpose collects or reads, described for a message; null when there is none.</summary>
    private static string? SensitiveReason(ProfileDraft d, PurposeDraft p)
    {
        foreach (var selection in p.Touched)
        {
            var type = d.Types[selection.Type];
            foreach (var field in type.Fields)
            {
                if (field.IsSensitive && selection.Paths.Contains(field.Path))
                {
                    return $"{type.Name}.{field.Path}: {string.Join(", ", field.Tags.ToKeys())}";
                }
            }

            if (selection.Paths.Count > 0 && type.SensitiveEscalation is { } escalation)
            {
                return $"{type.Name} may be escalated to {escalation.Level.ToKey()}: {escalation.Reason}";
            }
        }

        return null;
    }

    private static void CheckRetention(ProfileDraft d, PurposeDraft p, ProfileErrors errors)
    {
        if (p.Retention is not { } retention)
        {
            return;
        }

        var shortfalls = p.Collect
            .Select(s => d.Types[s.Type])
            .Where(t => LegalMinimums.For(t.RetentionClass) is { } m && retention < m.Period)
            .GroupBy(t => LegalMinimums.For(t.RetentionClass)!.Value)
            .OrderByDescending(g => g.Key.Period);
        foreach (var group in shortfalls)
        {
            var (period, rule) = group.Key;
            var classes = string.Join(", ", group.Select(t => t.RetentionClass.ToKey()).Distinct());
            errors.Add(
                p.RetentionNode!,
                $"purpose '{p.Key}' keeps data {retention}, less than the {period} the law requires for the {classes} data it collects ({string.Join(", ", group.Select(t => t.Name))}) ({Cite(rule)})",
                rule);
        }
    }

    private static void CheckOperatorMayOffer(ProfileDraft d, PurposeDraft p, ProfileErrors errors)
    {
        if (d.Operator.Type != OperatorType.HealthInformationService)
        {
            return;
        }

        foreach (var selection in p.Touched)
        {
            if (d.Types[selection.Type].MedicalRecord && selection.Paths.Count > 0)
            {
                errors.Add(selection.TypeNode, $"purpose '{p.Key}' processes {selection.Type}, a medical-record type; a health-information service is not a medical institution and may not store or process medical records ({Cite("R59")})", "R59");
            }
        }

        if (p.Service is { } service && ProfileNames.DiagnosisServices.Contains(service))
        {
            errors.Add(p.ServiceNode!, $"purpose '{p.Key}' offers '{service}', a diagnosis or treatment service; a health-information service may give health information and advice but may not diagnose or treat ({Cite("R59")})", "R59");
        }
    }

    private static void CheckRecipients(ProfileDraft d, PurposeDraft p, ProfileErrors errors)
    {
        if (p.Consent is not { } consent || p.LegalBasis is not { } basis || basis == LegalBasis.LegalDuty
            || consent is ConsentRequirement.Separate or ConsentRequirement.Written)
        {
            return;
        }

        foreach (var (key, node) in p.Recipients)
        {
            var recipient = d.Recipients[key].Definition;
            if (recipient.Kind == "public")
            {
                errors.Add(node, $"purpose '{p.Key}' discloses data publicly through '{key}'; public disclosure needs separate consent ({Cite("R12")})", "R12");
            }
            else if (ProfileNames.ControllerKinds.Contains(recipient.Kind))
            {
                errors.Add(node, $"purpose '{p.Key}' provides data to '{key}', a {recipient.Kind}; providing personal information to another processor needs separate consent ({Cite("R10")})", "R10");
            }
            else if (recipient.Jurisdiction != "CN")
            {
                errors.Add(node, $"purpose '{p.Key}' sends data to '{key}' in {recipient.Jurisdiction}; a transfer out of China needs separate consent ({Cite("R33")})", "R33");
            }
        }
    }

    private static void CheckMarketing(PurposeDraft p, ProfileErrors errors)
    {
        if (p.Service != ProfileNames.MarketingService)
        {
            return;
        }

        if (p.Consent is { } consent && consent is not (ConsentRequirement.Separate or ConsentRequirement.Written))
        {
            errors.Add(p.ConsentNode!, $"purpose '{p.Key}' is marketing; marketing needs the person's separate consent, with consent '{consent.ToKey()}' it may not run ({Cite("R60")})", "R60");
        }

        if (p.Necessary)
        {
            errors.Add(p.NecessaryNode!, $"purpose '{p.Key}' is marketing and cannot be necessary: refusing it must not block the basic service ({Cite("R06")})", "R06");
        }
    }

    private static string Cite(string rule) => $"{rule}, {RuleBook.Get(rule).Citation}";
}
