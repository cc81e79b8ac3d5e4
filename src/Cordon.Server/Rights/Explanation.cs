using Cordon.Core.Consent;
using Cordon.Core.Profiles;
using Cordon.Core.Retention;
using Cordon.Server.Subjects;

namespace Cordon.Server.Rights;

public sealed record HeldType(string Type, int Records, int Restricted, IReadOnlyList<string> Purposes);

public sealed record PurposeExplained(
    string Purpose,
    string Name,
    string? NameEn,
    string LegalBasis,
    string Consent,
    string ConsentState,
    int Records,
    string Retention,
    DateTimeOffset? HeldUntil,
    string AfterRetention,
    IReadOnlyList<string> Recipients,
    bool Automated,
    string Method);

/// <summary>A disclosure of the subject's data through the egress gate: to whom, when, under which purpose, how many records.</summary>
public sealed record DisclosureExplained(DateTimeOffset Time, string Recipient, string RecipientName, string Purpose, int Records, bool Abroad, bool Deidentified);

public sealed record Explanation(
    string SubjectId,
    DateTimeOffset GeneratedAt,
    string Operator,
    string Contact,
    string Dpo,
    IReadOnlyList<HeldType> Held,
    IReadOnlyList<PurposeExplained> Purposes,
    IReadOnlyList<string> Summary,
    IReadOnlyDictionary<string, string> Rights,
    IReadOnlyList<DisclosureExplained>? Disclosures = null,
    Care.AutomatedDecisionsSummary? AutomatedDecisions = null);

/// <summary>
/// The explanation of PIPL Art. 48, built from the profile and from what is actually held about the subject: which
/// records, for which purpose, on which legal basis, for how long, who receives them, whether automated decisions use them.
/// </summary>
public static class SubjectExplainer
{
    public static async Task<Explanation> ExplainAsync(Operation op, OpenSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(subject);
        var profile = op.Tenant.Profile;
        var retention = new RetentionPolicy(profile);
        var facts = await op.Store.ListRecordFactsAsync(op.Tenant.Id, subject.Id, cancellationToken);
        var restrictedIds = new HashSet<string>(StringComparer.Ordinal);
        (DateTimeOffset, string)? after = null;
        while (true)
        {
            // Restriction is a column of the row; page through the rows without opening them.
            var page = await op.Store.ListRecordsPageAsync(op.Tenant.Id, subject.Id, after, 2000, cancellationToken);
            foreach (var row in page.Where(r => r.Restricted))
            {
                restrictedIds.Add(row.Id);
            }

            if (page.Count < 2000)
            {
                break;
            }

            after = (page[^1].CreatedAt, page[^1].Id);
        }

        var history = await op.Store.GetHistoryAsync(op.Tenant.Id, subject.Id, cancellationToken);
        // The purpose's own consent; consents to a recipient (for sharing) are a dimension of their own.
        var current = ConsentLedger.Current(history, op.Tenant.Policy.PurposeFingerprint).Where(c => c.Recipient is null).ToDictionary(c => c.Purpose, StringComparer.Ordinal);

        var held = facts.GroupBy(f => f.Type, StringComparer.Ordinal)
            .Select(g => new HeldType(g.Key, g.Count(), g.Count(f => restrictedIds.Contains(f.Id)), [.. g.Select(f => f.Purpose).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]))
            .OrderBy(h => h.Type, StringComparer.Ordinal)
            .ToList();

        // The automated decisions made about the subject, and whether they refused them (R14; PIPL Art. 24, 48).
        var automated = await Care.AutomatedDecisionLedger.SummarizeAsync(op.Store, op.Tenant, subject.Id, cancellationToken);
        var automatedPurposes = automated.Decisions.Select(d => d.Purpose).ToHashSet(StringComparer.Ordinal);

        var purposes = new List<PurposeExplained>();
        foreach (var p in profile.Purposes)
        {
            var records = facts.Where(f => f.Purpose == p.Key).ToList();
            var consentState = current.TryGetValue(p.Key, out var c) ? c.Status.ToKey() : p.NeedsConsent ? "none" : "not-required";
            if (records.Count == 0 && !current.ContainsKey(p.Key))
            {
                continue;
            }

            DateTimeOffset? until = records.Count == 0 ? null : records.Max(f => retention.Expiry(f.Type, f.Purpose, f.CreatedAt));
            var recipients = p.Recipients.Select(k => profile.Recipients.FirstOrDefault(r => r.Key == k)?.Name ?? k).ToList();
            purposes.Add(new PurposeExplained(
                p.Key, p.Name, p.NameEn, p.LegalBasis.ToKey(), p.Consent.ToKey(), consentState, records.Count, p.Retention.ToString(), until,
                p.AfterRetention == AfterRetention.Anonymise ? "anonymise" : "delete", recipients,
                Automated: p.Key.Contains("personali", StringComparison.Ordinal) || automatedPurposes.Contains(p.Key), p.Notice.Method));
        }

        var summary = new List<string>
        {
            $"我们持有您的 {facts.Count} 条记录，涉及 {held.Count} 类数据、{purposes.Count(p => p.Records > 0)} 项处理目的。/ We hold {facts.Count} records about you, of {held.Count} kinds, under {purposes.Count(p => p.Records > 0)} purposes.",
        };
        if (restrictedIds.Count > 0)
        {
            summary.Add($"其中 {restrictedIds.Count} 条仅因法律要求保存，除存储和安全保护外不作其他处理（R19）。/ {restrictedIds.Count} of them are kept only because a law requires it; we only store and protect them (R19).");
        }

        foreach (var p in purposes.Where(p => p.Records > 0))
        {
            var who = p.Recipients.Count == 0 ? "no one outside us / 不向外部提供" : string.Join(", ", p.Recipients);
            summary.Add($"{p.Name} / {p.NameEn ?? p.Purpose}: {p.Records} records, basis {p.LegalBasis}, kept until {p.HeldUntil:yyyy-MM-dd} then {p.AfterRetention}d; received by {who}.");
        }

        // What actually went to others (R10; PIPL Art. 48): the disclosures the gate delivered, not only who may receive.
        var disclosures = (await op.Store.ListDisclosuresAsync(op.Tenant.Id, null, subject.Id, 1000, cancellationToken))
            .Where(d => d.Status == Storage.DisclosureStatus.Delivered)
            .Select(d => new DisclosureExplained(d.CreatedAt, d.Recipient, profile.Recipients.FirstOrDefault(r => r.Key == d.Recipient)?.Name ?? d.Recipient, d.Purpose, d.Records, d.Abroad, d.Deidentified))
            .ToList();
        if (disclosures.Count > 0)
        {
            summary.Add($"您的信息已 {disclosures.Count} 次提供给他人：{string.Join("、", disclosures.Select(d => d.RecipientName).Distinct(StringComparer.Ordinal))}。/ Your information was provided to others {disclosures.Count} time(s): {string.Join(", ", disclosures.Select(d => d.Recipient).Distinct(StringComparer.Ordinal))}.");
        }

        if (automated.Decisions.Count > 0 || automated.Refused)
        {
            summary.Add(automated.Refused
                ? $"自动化决策：{automated.Decisions.Count} 项；您已于 {automated.RefusedSince:yyyy-MM-dd} 拒绝仅通过自动化决策方式作出的决定，这些结果不再用于您（R14）。/ Automated decisions: {automated.Decisions.Count}; you refused decisions made solely by automated means on {automated.RefusedSince:yyyy-MM-dd}, and they are no longer used for you (R14)."
                : $"自动化决策：{automated.Decisions.Count} 项，您可以要求说明，并拒绝仅通过自动化决策方式作出的决定（R14）。/ Automated decisions: {automated.Decisions.Count}; you may ask for an explanation and refuse decisions made solely by automated means (R14).");
        }

        var rights = profile.Notice.Rights.ToDictionary(r => r.Right, r => r.How, StringComparer.Ordinal);
        return new Explanation(subject.Id, op.Now, profile.Operator.Name, profile.Operator.Email, profile.Operator.DpoEmail, held, purposes, summary, rights, disclosures, automated);
    }
}
