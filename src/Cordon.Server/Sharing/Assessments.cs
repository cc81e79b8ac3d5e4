using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Audit;
using Cordon.Core.Sharing;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Sharing;

/// <summary>
/// Personal-information protection impact assessments (PIPIA, PIPL Art. 55, 56; R25): recorded with what they cover, the
/// risks and measures, who approved them and when; kept at least three years (nothing in Cordon deletes them). The egress
/// gate refuses a disclosure that no approved assessment covers (<c>assessment.required</c>).
/// </summary>
public static class Assessments
{
    /// <summary>How long an assessment's record is kept at least (PIPL Art. 56).</summary>
    public const int KeepYears = 3;

    public static async Task<Result<AssessmentView>> RecordAsync(Operation op, AssessmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Title) || request.Title.Length > 300)
        {
            errors["title"] = ["1 to 300 characters."];
        }

        if (request.Covers is not { Count: > 0 } || request.Covers.Any(c => !AssessmentScopes.All.Contains(c, StringComparer.Ordinal)))
        {
            errors["covers"] = [$"One or more of {string.Join(", ", AssessmentScopes.All)}."];
        }

        if (request.Risks is not { Count: > 0 } || request.Risks.Any(string.IsNullOrWhiteSpace))
        {
            errors["risks"] = ["The risks the assessment found, at least one (PIPL Art. 56(2))."];
        }

        if (request.Measures is not { Count: > 0 } || request.Measures.Any(string.IsNullOrWhiteSpace))
        {
            errors["measures"] = ["The protective measures taken, at least one (PIPL Art. 56(3))."];
        }

        if (string.IsNullOrWhiteSpace(request.ApprovedBy) || request.ApprovedBy.Length > 200)
        {
            errors["approvedBy"] = ["The person who approved it, 1 to 200 characters."];
        }

        if (request.ApprovedOn > op.Today)
        {
            errors["approvedOn"] = ["Not in the future: an assessment is recorded once approved."];
        }

        if (request.ValidUntil is { } until && until < request.ApprovedOn)
        {
            errors["validUntil"] = ["On or after approvedOn."];
        }

        var purposes = op.Tenant.Profile.Purposes.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        if (request.Purposes?.FirstOrDefault(p => !purposes.Contains(p)) is { } purpose)
        {
            errors["purposes"] = [$"'{purpose}' is not a purpose of the profile ({string.Join(", ", purposes)})."];
        }

        var recipients = op.Tenant.Profile.Recipients.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        if (request.Recipients?.FirstOrDefault(r => !recipients.Contains(r)) is { } recipient)
        {
            errors["recipients"] = [$"'{recipient}' is not in the register ({string.Join(", ", recipients)})."];
        }

        if (errors.Count > 0)
        {
            return Failure.Invalid(errors, "R25");
        }

        var assessment = new ImpactAssessment(SubjectVault.NewId("pia"), request.Title.Trim(), request.Covers!, request.Purposes ?? [], request.Recipients ?? [],
            request.Risks!, request.Measures!, request.ApprovedBy.Trim(), request.ApprovedOn, request.ValidUntil);
        var row = new AssessmentRow { Tenant = op.Tenant.Id, Id = assessment.Id, RecordedAt = op.Now, RecordedBy = op.ActorId, Body = JsonSerializer.Serialize(assessment, SharingJson.Strict.ImpactAssessment) };
        await op.Store.PutAssessmentAsync(row, op.Audit("assessment.create", AuditOutcome.Done, null, [row.Id], ["R25"]), cancellationToken);
        return View(row, assessment);
    }

    public static async Task<IReadOnlyList<AssessmentView>> ListAsync(ISharingStore store, string tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rows = await store.ListAssessmentsAsync(tenant, cancellationToken);
        return [.. rows.Select(r => View(r, Parse(r)))];
    }

    public static IReadOnlyList<ImpactAssessment> Parse(IReadOnlyList<AssessmentRow> rows) => [.. Guard.NotNull(rows).Select(Parse)];

    private static ImpactAssessment Parse(AssessmentRow row)
        => JsonSerializer.Deserialize(row.Body, SharingJson.Strict.ImpactAssessment) ?? throw new InvalidDataException("An assessment record is empty.");

    private static AssessmentView View(AssessmentRow row, ImpactAssessment assessment)
    {
        var recorded = DateOnly.FromDateTime(row.RecordedAt.UtcDateTime.AddHours(8));
        var end = assessment.ValidUntil is { } until && until > recorded ? until : recorded;
        return new AssessmentView(row.Id, assessment, row.RecordedAt, row.RecordedBy, end.AddYears(KeepYears));
    }
}
