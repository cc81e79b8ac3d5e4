using System.Text.Json;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Profiles;
using Cordon.Core.Rights;
using Cordon.Core.Rules;
using Cordon.Core.Subjects;
using Cordon.Server.Records;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Rights;

/// <summary>
/// Carries out a rights request once its requester is accepted: each kind does its work at once where the law lets a
/// machine do it (access, copy, portability, deletion, restriction, withdrawal, cancellation, explanation, and
/// corrections the requester may write), and stays open for a person where it needs one (a clinician correcting a
/// medical record, a delivery to retry). Every step is in the request's trail and in the audit chain.
/// </summary>
public static class RightsWorkflow
{
    public static async Task<RightsRequestRow> CarryOutAsync(Operation op, RightsRequestRow row, RightsDetails details, OpenSubject subject, PortabilityClient portability, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(details);
        ArgumentNullException.ThrowIfNull(subject);
        var (status, result, refusal, note) = row.Kind switch
        {
            RightsKind.Access or RightsKind.Copy => Completed(new RightsOutcome
            {
                Summary = [$"您的数据可在 {ExportPath(row.Id)} 下载（JSON 或 FHIR）。/ Your data is ready at {ExportPath(row.Id)} (JSON, or FHIR with ?format=fhir)."],
                Export = await SubjectExport.SummarizeAsync(op, subject, cancellationToken),
            }),
            RightsKind.Explanation => await ExplainAsync(op, subject, cancellationToken),
            RightsKind.Restriction => await RestrictAsync(op, row, subject, cancellationToken),
            RightsKind.Deletion => await EraseAsync(op, row, subject, details.Ask.Purposes, cancel: false, [], cancellationToken),
            RightsKind.Withdrawal => await WithdrawAsync(op, row, subject, details.Ask.Purposes, cancellationToken),
            RightsKind.Cancellation => await CancelAsync(op, row, subject, cancellationToken),
            RightsKind.Correction => await CorrectAsync(op, row, subject, details.Ask, cancellationToken),
            RightsKind.Portability => await DeliverAsync(op, row, subject, details.Ask.Destination, portability, cancellationToken),
            _ => throw new InvalidOperationException("unknown kind"),
        };
        return await SaveAsync(op, row, details with { Result = result ?? details.Result, Refusal = refusal }, status, note, cancellationToken);
    }

    /// <summary>Stores a status change with a trail entry and its audit entry.</summary>
    public static async Task<RightsRequestRow> SaveAsync(Operation op, RightsRequestRow row, RightsDetails details, RightsStatus status, string note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(details);
        var trail = details.Trail.Append(new TrailEntry(op.Now, status.ToKey(), op.ActorId, note)).ToList();
        var updated = row with
        {
            Status = status,
            UpdatedAt = op.Now,
            ClosedAt = status == RightsStatus.Open ? null : op.Now,
            Sealed = Seal(op, row.Id, details with { Trail = trail }),
        };
        var rules = details.Refusal?.Rule is { } rule ? new[] { rule } : RulesOf(row.Kind);
        var outcome = status == RightsStatus.Refused ? AuditOutcome.Deny : AuditOutcome.Done;
        await op.Store.PutRightsRequestAsync(updated, op.Audit("rights." + status.ToKey(), outcome, row.SubjectId, [row.Id], rules, code: details.Refusal?.Code), cancellationToken);
        return updated;
    }

    public static byte[] Seal(Operation op, string requestId, RightsDetails details)
    {
        ArgumentNullException.ThrowIfNull(op);
        return op.Tenant.Keys.SealNote(JsonSerializer.Serialize(details, RightsJson.Default.RightsDetails), requestId);
    }

    public static RightsDetails Open(Operation op, RightsRequestRow row)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(row);
        var json = op.Tenant.Keys.OpenNote(row.Sealed, row.Id) ?? throw new System.Security.Cryptography.CryptographicException("A rights request's details do not open.");
        return JsonSerializer.Deserialize(json, RightsJson.Default.RightsDetails) ?? throw new JsonException("empty details");
    }

    public static IReadOnlyList<string> RulesOf(RightsKind kind) => kind switch
    {
        RightsKind.Portability => ["R23"],
        RightsKind.Withdrawal => ["R08", "R20"],
        RightsKind.Cancellation => ["R21", "R20"],
        RightsKind.Deletion => ["R22", "R20"],
        RightsKind.Restriction => ["R22", "R19"],
        _ => ["R22"],
    };

    public static string ExportPath(string requestId) => $"/v1/rights-requests/{requestId}/export";

    private static (RightsStatus, RightsOutcome?, RefusalView?, string) Completed(RightsOutcome outcome, string note = "completed")
        => (RightsStatus.Completed, outcome, null, note);

    private static (RightsStatus, RightsOutcome?, RefusalView?, string) Refused(string code, string rule, params string[] reasons)
        => (RightsStatus.Refused, null, new RefusalView(code, rule, RuleBook.Get(rule).Citation, reasons), "refused: " + string.Join("; ", reasons));

    private static async Task<(RightsStatus, RightsOutcome?, RefusalView?, string)> ExplainAsync(Operation op, OpenSubject subject, CancellationToken cancellationToken)
    {
        var explanation = await SubjectExplainer.ExplainAsync(op, subject, cancellationToken);
        return Completed(new RightsOutcome { Summary = explanation.Summary, Explanation = explanation });
    }

    private static async Task<(RightsStatus, RightsOutcome?, RefusalView?, string)> RestrictAsync(Operation op, RightsRequestRow row, OpenSubject subject, CancellationToken cancellationToken)
    {
        if (subject.Row.State == SubjectState.Cancelled)
        {
            return Completed(new RightsOutcome { Summary = ["账号已注销，数据已处于限制处理状态。/ The account is cancelled; its data is already restricted."] });
        }

        if (subject.Row.State != SubjectState.Restricted)
        {
            await op.Store.SetSubjectStateAsync(op.Tenant.Id, subject.Id, SubjectState.Restricted, op.Now, op.Audit("subject.state", AuditOutcome.Done, subject.Id, [row.Id], ["R19"]), cancellationToken);
        }

        return Completed(new RightsOutcome
        {
            Summary = ["您的数据已限制处理：仅作存储和安全保护，除法定义务外不再用于任何目的（R19）。/ Your data is restricted: we only store and protect it, and use it for no purpose but a legal duty (R19)."],
        });
    }

    private static async Task<(RightsStatus, RightsOutcome?, RefusalView?, string)> EraseAsync(Operation op, RightsRequestRow row, OpenSubject subject, IReadOnlyList<string>? purposes, bool cancel, IReadOnlyList<string> withdrawn, CancellationToken cancellationToken)
    {
        var scope = purposes is null ? null : (IReadOnlySet<string>)purposes.ToHashSet(StringComparer.Ordinal);
        var erased = await SubjectEraser.EraseAsync(op, subject.Id, scope, cancel, "rights.erase", row.Id, RulesOf(row.Kind), cancellationToken);
        if (erased.Failed)
        {
            return (RightsStatus.Open, null, null, "erasure did not run: " + erased.Failure.Detail);
        }

        var report = erased.Value;
        return Completed(new RightsOutcome
        {
            Summary = Describe(report, cancel, withdrawn),
            Deleted = report.Deleted,
            Kept = report.Kept,
            Withdrawn = withdrawn.Count == 0 ? null : withdrawn,
        });
    }

    /// <summary>The result in plain words: what was deleted, what is kept, why and until when.</summary>
    public static IReadOnlyList<string> Describe(ErasureReport report, bool cancelled, IReadOnlyList<string> withdrawn)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(withdrawn);
        var lines = new List<string>();
        if (withdrawn.Count > 0)
        {
            lines.Add($"已撤回同意：{string.Join("、", withdrawn)}；基于这些同意的处理已停止。/ Consent withdrawn for {string.Join(", ", withdrawn)}; processing based on it has stopped.");
        }

        if (cancelled)
        {
            lines.Add("您的账号已注销，无法再登录或被检索。/ Your account is cancelled; it can no longer sign in or be found.");
        }

        lines.Add(report.DeletedCount == 0
            ? "没有可删除的记录。/ There was nothing we may delete."
            : $"已删除 {report.DeletedCount} 条记录（{string.Join("、", report.Deleted.Select(d => $"{d.Type} {d.Count}"))}），其密钥已销毁，备份中的副本也无法再读取。/ Deleted {report.DeletedCount} records ({string.Join(", ", report.Deleted.Select(d => $"{d.Type} {d.Count}"))}); their key is destroyed, so copies in backups can no longer be read.");
        foreach (var kept in report.Kept)
        {
            var until = kept.Until is { } u ? u.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "the hold is released / 保全解除";
            var why = kept.Reason == "legal-hold" ? "a legal hold / 法律保全" : $"{kept.Citation} ({kept.Rule})";
            lines.Add($"保留 {kept.Count} 条 {kept.Type}，依据 {why}，保存至 {until}，期间仅作存储和安全保护。/ Kept {kept.Count} {kept.Type} because of {why}, until {until}; only stored and protected until then.");
        }

        return lines;
    }

    private static Task<IReadOnlyList<string>> WithdrawConsentsAsync(Operation op, RightsRequestRow row, OpenSubject subject, IReadOnlyList<string>? purposes, CancellationToken cancellationToken)
        => WithdrawConsentsAsync(op, subject.Id, purposes, row.Relation == RequesterRelation.Guardian ? ConsentGiver.Guardian : ConsentGiver.Self, "rights-request", row.Id, cancellationToken);

    /// <summary>
    /// Withdraws every active consent of the subject (or those of <paramref name="purposes"/>), one ledger event each,
    /// effective for the very next request (R08); returns the purposes withdrawn.
    /// </summary>
    public static async Task<IReadOnlyList<string>> WithdrawConsentsAsync(Operation op, string subjectId, IReadOnlyList<string>? purposes, ConsentGiver giver, string channel, string? reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        var history = await op.Store.GetHistoryAsync(op.Tenant.Id, subjectId, cancellationToken);
        var granted = ConsentLedger.Current(history, op.Tenant.Policy.PurposeFingerprint)
            .Where(c => c.Recipient is null && c.Status is ConsentStatus.Granted or ConsentStatus.GrantedByGuardian or ConsentStatus.NeedsRenewal)
            .Where(c => purposes is null || purposes.Contains(c.Purpose, StringComparer.Ordinal))
            .Select(c => c.Purpose)
            .ToList();
        foreach (var purpose in granted)
        {
            var e = new ConsentEvent
            {
                Id = SubjectVault.NewId("con"),
                Tenant = op.Tenant.Id,
                SubjectId = subjectId,
                Purpose = purpose,
                Action = ConsentAction.Withdraw,
                GivenBy = giver,
                NoticeVersion = op.Tenant.NoticeVersion,
                PurposeFingerprint = op.Tenant.Policy.PurposeFingerprint(purpose) ?? string.Empty,
                Channel = channel,
                ActorId = op.ActorId,
                Time = op.Now,
            };
            await op.Store.AppendAsync(e, op.Audit("consent.withdraw", AuditOutcome.Done, subjectId, reference is null ? [e.Id] : [e.Id, reference], ["R08"], purpose), cancellationToken);
            await Personalisation.UserTagEndpoints.ForgetTagsOnWithdrawalAsync(op, subjectId, purpose, e.Id, cancellationToken);
        }

        return granted;
    }

    private static async Task<(RightsStatus, RightsOutcome?, RefusalView?, string)> WithdrawAsync(Operation op, RightsRequestRow row, OpenSubject subject, IReadOnlyList<string>? purposes, CancellationToken cancellationToken)
    {
        var withdrawn = await WithdrawConsentsAsync(op, row, subject, purposes, cancellationToken);

        // PIPL Art. 47(3): what rested on the withdrawn consent alone is deleted, proactively. The scope is every
        // consent-based purpose asked for whose consent now stands withdrawn — not only those withdrawn just now, so a
        // retry after an interrupted erasure still deletes.
        var history = await op.Store.GetHistoryAsync(op.Tenant.Id, subject.Id, cancellationToken);
        var nowWithdrawn = ConsentLedger.Current(history, op.Tenant.Policy.PurposeFingerprint)
            .Where(c => c.Recipient is null && c.Status == ConsentStatus.Withdrawn)
            .Select(c => c.Purpose)
            .ToHashSet(StringComparer.Ordinal);
        var consentOnly = op.Tenant.Profile.Purposes
            .Where(p => p.LegalBasis == LegalBasis.Consent && nowWithdrawn.Contains(p.Key) && (purposes is null || purposes.Contains(p.Key, StringComparer.Ordinal)))
            .Select(p => p.Key)
            .ToList();
        if (consentOnly.Count == 0)
        {
            return Completed(new RightsOutcome
            {
                Summary = withdrawn.Count == 0
                    ? ["没有可撤回的有效同意。/ There was no active consent to withdraw."]
                    : [$"已撤回同意：{string.Join("、", withdrawn)}；基于这些同意的处理已停止。/ Consent withdrawn for {string.Join(", ", withdrawn)}; processing based on it has stopped."],
                Withdrawn = withdrawn,
            });
        }

        return await EraseAsync(op, row, subject, consentOnly, cancel: false, withdrawn, cancellationToken);
    }

    private static async Task<(RightsStatus, RightsOutcome?, RefusalView?, string)> CancelAsync(Operation op, RightsRequestRow row, OpenSubject subject, CancellationToken cancellationToken)
    {
        var withdrawn = await WithdrawConsentsAsync(op, row, subject, null, cancellationToken);
        return await EraseAsync(op, row, subject, null, cancel: true, withdrawn, cancellationToken);
    }

    private static async Task<(RightsStatus, RightsOutcome?, RefusalView?, string)> CorrectAsync(Operation op, RightsRequestRow row, OpenSubject subject, RightsAsk ask, CancellationToken cancellationToken)
    {
        var current = ask.RecordId is null ? null : await op.Store.GetRecordAsync(op.Tenant.Id, ask.RecordId, cancellationToken);
        if (current is null || current.SubjectId != subject.Id || ask.ProposedCorrection is null)
        {
            return Refused("rights.record-not-found", "R22", "The record to correct is not one of this subject's records.");
        }

        if (current.Restricted)
        {
            return Refused("access.subject-restricted", "R19", "The record is kept only because a law requires it; it is not processed further, corrections included.");
        }

        var role = row.RequesterRole == "guardian" ? Role.Guardian : Role.Patient;
        var purposeDef = op.Tenant.Profile.FindPurpose(current.Purpose);
        if (purposeDef is null || !purposeDef.WriteRoles.Contains(role))
        {
            // A medical record is corrected by the clinicians who wrote it: the request waits for them (and is visible if late).
            return (RightsStatus.Open, new RightsOutcome { Summary = ["更正申请已转交医生审核。/ Your correction was passed to the clinicians for review."] }, null, "waiting for a clinician to review the correction");
        }

        op.Tenant.Policy.TryGetPurpose(current.Purpose, out var purposeIndex);
        var json = subject.Cipher.Open(ProposalBinding(op, row, subject), Convert.FromBase64String(ask.ProposedCorrection));
        var prepared = RecordWriter.Prepare(op.Tenant, purposeIndex, json, op.Today);
        if (prepared.Failed || prepared.Value.Type.Definition.Name != current.Type)
        {
            return Refused("validation.failed", "R22", prepared.Failed ? prepared.Failure.Detail : $"A correction keeps the record's type ({current.Type}).");
        }

        // Decided as every write is: the requester, the subject's state, consent and the record's level.
        var requester = new Auth.Actor(op.Tenant.Id, row.RequesterId, role, subject.Id, false);
        var facts = await Decisions.SubjectFacts.LoadAsync(subject, op.Store, op.Tenant.Policy, purposeIndex, requester, op.Today, cancellationToken);
        var admission = RecordAdmission.Admit(op.Tenant, op.AuditContext, requester, facts, purposeIndex, prepared.Value, "record.correct", current.Id, current.Version + 1, current.CreatedAt);
        if (!admission.Admitted)
        {
            return Refused(admission.Refusal!.Code, admission.Refusal.Rule ?? "R22", admission.Refusal.Detail);
        }

        // The care rules hold for a correction a patient asks for as for any other (a prescription, a consultation).
        var care = await Care.CareGate.CheckAsync(op.Tenant, op.Store, requester, subject, purposeIndex, prepared.Value, op.Today, current.Id, cancellationToken);
        if (care.Failed)
        {
            return Refused(care.Failure.Code, care.Failure.Rule ?? "R22", care.Failure.Detail);
        }

        var newRow = admission.Row;
        var audit = admission.Audit with { RecordIds = [current.Id, row.Id], Rules = ["R22", .. admission.Audit.Rules] };
        var status = await op.Store.PutRecordVersionAsync(newRow, current.Version, admission.Lookups, audit, cancellationToken);
        if (status != WriteStatus.Done)
        {
            return (RightsStatus.Open, null, null, "the record changed meanwhile; the correction waits for review");
        }

        return Completed(new RightsOutcome
        {
            Summary = [$"已更正记录 {current.Id}（第 {newRow.Version} 版）；旧版本仅供审计查阅。/ Record {current.Id} is corrected (version {newRow.Version}); the old version is kept for the audit only."],
            CorrectedRecordId = current.Id,
            CorrectedVersion = newRow.Version,
        });
    }

    /// <summary>A proposed correction is sealed under the subject's own key, so an erasure shreds it with the rest.</summary>
    public static Core.Crypto.RecordBinding ProposalBinding(Operation op, RightsRequestRow row, OpenSubject subject)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(subject);
        return new(op.Tenant.Id, subject.Id, row.Id, "correction", 1);
    }

    private static async Task<(RightsStatus, RightsOutcome?, RefusalView?, string)> DeliverAsync(Operation op, RightsRequestRow row, OpenSubject subject, PortabilityDestination? destination, PortabilityClient portability, CancellationToken cancellationToken)
    {
        // NDSMR Art. 25: (1) identity verified, (2) data given by consent or on a contract, (3) technically feasible, (4) no harm to others.
        if (row.Relation == RequesterRelation.CloseRelative)
        {
            return Refused("rights.kind-not-allowed", "R24", "Portability is the subject's own right (or a guardian's for a child); close relatives may access, copy, correct and delete.");
        }

        if (destination is null)
        {
            return Refused("rights.portability-conditions", "R23", "Name the processor to receive the data (destination.name, destination.endpoint).");
        }

        var eligible = Eligible(op.Tenant.Profile);
        var facts = await op.Store.ListRecordFactsAsync(op.Tenant.Id, subject.Id, cancellationToken);
        if (!facts.Any(f => eligible(f.Type, f.Purpose)))
        {
            return Refused("rights.portability-conditions", "R23", "None of the data held was given by consent or collected on a contract with the subject (condition 2 of NDSMR Art. 25).");
        }

        var target = await portability.CheckAsync(destination.Endpoint, cancellationToken);
        if (target is null)
        {
            return Refused("rights.portability-conditions", "R23", "The destination is not a public https endpoint, so the transfer is not technically feasible as asked (condition 3 of NDSMR Art. 25).");
        }

        using var bundle = new MemoryStream();
        var summary = await SubjectExport.WriteAsync(op, subject, ExportFormat.Fhir, bundle, row.Id, null, cancellationToken, r => eligible(r.Type, r.Purpose));
        var delivered = await portability.DeliverAsync(target, bundle.ToArray(), cancellationToken);
        await op.Store.AppendAsync(op.Audit("disclosure.portability", delivered.Ok ? AuditOutcome.Done : AuditOutcome.Deny, subject.Id, [row.Id], ["R23"]), cancellationToken);
        if (!delivered.Ok)
        {
            return (RightsStatus.Open, null, null, $"delivery to {target.Host} failed ({delivered.Detail}); it can be retried");
        }

        return Completed(new RightsOutcome
        {
            Summary = [$"已将 {summary.Records} 条记录以 FHIR 格式传输至 {destination.Name}。未包含他人的个人信息（如医生资料）。/ Sent {summary.Records} records as a FHIR Bundle to {destination.Name}; other people's information (such as practitioners') was left out."],
            Export = summary,
            DeliveredTo = destination.Name,
        });
    }

    /// <summary>What portability carries: records given by consent or on a contract, never other people's (practitioners').</summary>
    public static Func<string, string, bool> Eligible(Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return (type, purpose) => type != "Practitioner"
            && profile.FindPurpose(purpose)?.LegalBasis is LegalBasis.Consent or LegalBasis.Contract;
    }
}
