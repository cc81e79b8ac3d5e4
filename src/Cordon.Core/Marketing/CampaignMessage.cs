namespace Cordon.Core.Marketing;

/// <summary>The channels a campaign is delivered through (each to the operator's gateway for it).</summary>
public static class MarketingChannels
{
    public const string Sms = "sms";
    public const string Push = "push";
    public const string Email = "email";

    public static IReadOnlyList<string> All { get; } = [Sms, Push, Email];

    public static bool IsKnown(string? channel) => channel is not null && All.Contains(channel, StringComparer.Ordinal);
}

/// <summary>Who sends a campaign: the name and the contact every message must carry (Advertising Law Art. 43, R15).</summary>
public sealed record CampaignSender(string Name, string Contact);

/// <summary>A campaign's content: the personalised variant and the non-personalised one everyone else gets (R13).</summary>
public sealed record CampaignContent(string Personalised, string Plain);

/// <summary>Why a message may not be sent: a problem code, the rule, the field and plain words (with the offending phrases).</summary>
public sealed record MessageViolation(string Code, string Rule, string Field, string Message);

/// <summary>The outcome of checking a campaign's messages: every violation, and the advertising findings behind them.</summary>
public sealed record MessageCheck(IReadOnlyList<MessageViolation> Violations, IReadOnlyList<AdFinding> Findings, bool Medical)
{
    public bool Lawful => Violations.Count == 0;

    /// <summary>The violation the refusal is named after: sender and unsubscribe first (R15), then variants (R13), then content (R17).</summary>
    public MessageViolation? Primary => Violations.Count == 0 ? null : Violations[0];
}

/// <summary>
/// The rules every marketing message is checked against before it is queued: the sender's identity and contact and an
/// unsubscribe link in each variant (R15); personal data only in the personalised variant (R13); and, for medical, drug
/// and device advertising, no forbidden claims and an advertising-review approval number (R17).
/// </summary>
public static class MessageRules
{
    public const string Unsubscribe = "{unsubscribe}";
    public const string Nickname = "{nickname}";

    public const string SenderMissing = "marketing.sender-missing";
    public const string UnsubscribeMissing = "marketing.unsubscribe-missing";
    public const string PlainPersonalised = "marketing.plain-personalised";
    public const string ContentRefused = "marketing.content-refused";
    public const string ApprovalMissing = "marketing.approval-missing";

    public const int MaxLength = 2000;

    public static MessageCheck Check(CampaignSender? sender, CampaignContent content, string? approvalNumber, AdContentRules rules)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(rules);
        var violations = new List<MessageViolation>();
        var variants = new[] { ("content.personalised", content.Personalised ?? string.Empty), ("content.plain", content.Plain ?? string.Empty) };
        var name = sender?.Name?.Trim() ?? string.Empty;
        var contact = sender?.Contact?.Trim() ?? string.Empty;
        if (name.Length == 0 || contact.Length == 0)
        {
            violations.Add(new(SenderMissing, "R15", "sender", "Name the sender and a contact (telephone, address or e-mail) a recipient can reach."));
        }

        foreach (var (field, text) in variants)
        {
            if (text.Trim().Length == 0 || text.Length > MaxLength)
            {
                violations.Add(new(SenderMissing, "R15", field, $"Each variant is 1 to {MaxLength} characters and names the sender."));
                continue;
            }

            if (name.Length > 0 && contact.Length > 0 && (!text.Contains(name, StringComparison.Ordinal) || !text.Contains(contact, StringComparison.Ordinal)))
            {
                violations.Add(new(SenderMissing, "R15", field, "The message must show the sender's name and contact as given in sender."));
            }
        }

        foreach (var (field, text) in variants)
        {
            if (!text.Contains(Unsubscribe, StringComparison.Ordinal))
            {
                violations.Add(new(UnsubscribeMissing, "R15", field, $"The message must carry the one-click unsubscribe link: put {Unsubscribe} where it goes."));
            }
        }

        if ((content.Plain ?? string.Empty).Contains(Nickname, StringComparison.Ordinal))
        {
            violations.Add(new(PlainPersonalised, "R13", "content.plain", $"The non-personalised variant may not use {Nickname}."));
        }

        var findings = new List<AdFinding>();
        var medical = false;
        foreach (var (field, text) in variants)
        {
            var review = rules.Review(text);
            medical |= review.Medical;
            if (review.Findings.Count > 0)
            {
                findings.AddRange(review.Findings.Where(f => !findings.Contains(f)));
                violations.Add(new(ContentRefused, "R17", field, "Forbidden in medical, drug and device advertising: " + string.Join("; ", review.Findings.Select(f => $"“{f.Phrase}” ({f.Category})"))));
            }
        }

        if (medical)
        {
            if (!AdContentRules.IsPlausibleApprovalNumber(approvalNumber))
            {
                violations.Add(new(ApprovalMissing, "R17", "approvalNumber", "Medical, drug and device advertising needs its advertising-review approval number (e.g. 沪医广【2025】第0001号)."));
            }
            else
            {
                foreach (var (field, text) in variants)
                {
                    if (!text.Contains(approvalNumber!.Trim(), StringComparison.Ordinal))
                    {
                        violations.Add(new(ApprovalMissing, "R17", field, "Medical advertising shows its approval number in the message."));
                    }
                }
            }
        }

        // Sender and unsubscribe first, then the variants rule, then content: the refusal is named after the first.
        var order = new[] { SenderMissing, UnsubscribeMissing, PlainPersonalised, ContentRefused, ApprovalMissing };
        violations.Sort((a, b) => Array.IndexOf(order, a.Code).CompareTo(Array.IndexOf(order, b.Code)));
        return new MessageCheck(violations, findings, medical);
    }

    /// <summary>The text one recipient gets: the unsubscribe link put in, and the nickname (personalised variant only; empty when unknown).</summary>
    public static string Render(string template, string unsubscribeUrl, string? nickname)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Replace(Unsubscribe, unsubscribeUrl, StringComparison.Ordinal).Replace(Nickname, nickname ?? string.Empty, StringComparison.Ordinal);
    }
}
