using System.Text;
using System.Text.RegularExpressions;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Consent;
using Cordon.Core.Crypto;
using Cordon.Core.Decisions;
using Cordon.Core.Subjects;
using Cordon.Server.Decisions;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Personalisation;

/// <summary>A user tag to add: its text (sealed under the subject's key) and what produced it.</summary>
public sealed record TagRequest(string Text, string Source = "app");

public sealed record TagView(string Id, string Text, string Source, DateTimeOffset CreatedAt);

/// <summary>A subject's user tags, with the state of the personalisation switch (the consent they depend on).</summary>
public sealed record TagList(string SubjectId, string Personalization, IReadOnlyList<TagView> Tags);

public sealed record TagsDeleted(int Deleted);

/// <summary>
/// User tags (NDSMR Art. 42, Algorithm Provisions Art. 17; R13): interests derived for personalised recommendation.
/// They are made only while the subject consents to personalisation, listed to the subject, and deleted by the subject
/// at any time, one or all; the next campaign sees what is left. Switching personalisation off is a withdrawal of the
/// personalisation consent on the consent ledger, effective for the next request and the next campaign.
/// </summary>
public static partial class UserTagEndpoints
{
    /// <summary>The purpose personalised recommendation rests on.</summary>
    public const string PersonalisationPurpose = "marketing.personalization";

    /// <summary>
    /// Tags exist only for personalisation: when its consent is withdrawn they are deleted at once (PIPL Art. 47(3), R20),
    /// audited with the withdrawal they follow.
    /// </summary>
    public static async Task ForgetTagsOnWithdrawalAsync(Rights.Operation op, string subjectId, string purpose, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!string.Equals(purpose, PersonalisationPurpose, StringComparison.Ordinal) || (await op.Store.ListTagsAsync(op.Tenant.Id, subjectId, cancellationToken)).Count == 0)
        {
            return;
        }

        await op.Store.DeleteTagsAsync(op.Tenant.Id, subjectId, null, op.Audit("tags.delete", Core.Audit.AuditOutcome.Done, subjectId, [reference], ["R13", "R20"], purpose), cancellationToken);
    }

    private const string TagType = "UserTag";
    private const int MaxTagLength = 64;

    private static readonly Refusal NotDeclared = Refusal.Of(
        "consent.missing", 403, "Personalisation not declared",
        $"The profile declares no '{PersonalisationPurpose}' purpose, so no subject can consent to personalisation and no user tags are made.",
        "R13");

    public static RouteGroupBuilder MapUserTags(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}/tags", ListAsync)
            .Audited("tag.read", Role.Patient, Role.Guardian, Role.App, Role.Dpo)
            .WithSummary("List a subject's user tags")
            .WithDescription("The tags derived for personalised recommendation, decrypted, with the state of the personalisation consent (R13, NDSMR Art. 42).");

        group.MapPost("/{id}/tags", AddAsync)
            .Audited("tag.create", Role.App)
            .WithSummary("Add a user tag")
            .WithDescription("Only while the subject has an active marketing.personalization consent (refused with consent.missing otherwise). The text is sealed under the subject's data key.")
            .Accepts<TagRequest>("application/json");

        group.MapDelete("/{id}/tags", DeleteAllAsync)
            .Audited("tag.delete", Role.Patient, Role.Guardian, Role.App)
            .WithSummary("Delete all of a subject's user tags")
            .WithDescription("By the subject, the guardian or the app on their behalf (R13, NDSMR Art. 42). Effective for the next campaign.");

        group.MapDelete("/{id}/tags/{tagId}", DeleteOneAsync)
            .Audited("tag.delete", Role.Patient, Role.Guardian, Role.App)
            .WithSummary("Delete one user tag");
        return group;
    }

    private static async Task<Results<JsonOk<TagList>, Problem>> ListAsync(string id, Call call)
    {
        var opened = await SubjectOfCall.OpenAsync(call, id, MayAct, PersonalisationPurpose);
        if (opened.Failed)
        {
            return opened.Problem;
        }

        using var subject = opened.Value;
        var rows = await call.Store.ListTagsAsync(call.Tenant.Id, subject.Id, call.Aborted);
        var tags = new List<TagView>(rows.Count);
        foreach (var row in rows)
        {
            // A tag sealed under a data key that erasure has since replaced no longer opens: it is gone.
            if (RecordCipher.ReadHeader(row.Sealed).DataKeyVersion == subject.Cipher.DataKeyVersion)
            {
                tags.Add(new TagView(row.Id, Encoding.UTF8.GetString(subject.Cipher.Open(Binding(call, subject.Id, row.Id), row.Sealed)), row.Source, row.CreatedAt));
            }
        }

        var state = await PersonalisationStateAsync(call, subject);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, PersonalisationPurpose, subject.Id, records: [.. tags.Select(t => t.Id)], rules: ["R13"], flags: GuardianFlag(call)), CancellationToken.None);
        return Api.Ok(new TagList(subject.Id, state.ToKey(), tags), PersonalisationJson.Strict.TagList);
    }

    private static async Task<Results<JsonCreated<TagView>, Problem>> AddAsync(string id, Call call, RequestBody body)
    {
        var read = await body.ReadAsync(call.Http, PersonalisationJson.Strict.TagRequest);
        if (read.Failed)
        {
            return await call.RefuseAsync(read.Problem, PersonalisationPurpose, SubjectVault.IsWellFormedId(id, "sub") ? id : null);
        }

        var request = read.Value;
        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, id, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id, PersonalisationPurpose);

        var text = request.Text.Trim();
        var errors = new Dictionary<string, string[]>();
        if (text.Length is 0 or > MaxTagLength || text.Any(char.IsControl))
        {
            errors["text"] = [$"1 to {MaxTagLength} printable characters."];
        }

        if (!SourcePattern().IsMatch(request.Source))
        {
            errors["source"] = ["A short key: lower-case letters, digits, '.' or '-', at most 32."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        if (subject.Row.State != SubjectState.Active)
        {
            return Problem.From(Refusals.SubjectRestricted);
        }

        var purpose = call.Tenant.Profile.FindPurpose(PersonalisationPurpose);
        if (purpose is null)
        {
            return Problem.From(NotDeclared);
        }

        var child = subject.AgeOn(call.Today) < call.Tenant.Profile.Settings.GuardianConsentBelowAge;
        var status = await PersonalisationStateAsync(call, subject);
        if (AccessPolicy.ConsentRefusal(purpose, status, child) is { } refusal)
        {
            return Problem.From(refusal);
        }

        var tagId = SubjectVault.NewId("tag");
        var row = new SubjectTagRow(call.Tenant.Id, subject.Id, tagId, request.Source, call.Now, subject.Cipher.Seal(Binding(call, subject.Id, tagId), Encoding.UTF8.GetBytes(text)));
        await call.Store.PutTagAsync(row, call.Audit(AuditOutcome.Done, PersonalisationPurpose, subject.Id, records: [tagId], rules: ["R13"]), call.Aborted);
        return Api.Created($"/v1/subjects/{subject.Id}/tags", new TagView(tagId, text, request.Source, call.Now), PersonalisationJson.Strict.TagView);
    }

    private static Task<Results<JsonOk<TagsDeleted>, Problem>> DeleteAllAsync(string id, Call call) => DeleteAsync(id, null, call);

    private static Task<Results<JsonOk<TagsDeleted>, Problem>> DeleteOneAsync(string id, string tagId, Call call) => DeleteAsync(id, tagId, call);

    private static async Task<Results<JsonOk<TagsDeleted>, Problem>> DeleteAsync(string id, string? tagId, Call call)
    {
        var opened = await SubjectOfCall.OpenAsync(call, id, MayAct, PersonalisationPurpose);
        if (opened.Failed)
        {
            return opened.Problem;
        }

        using var subject = opened.Value;
        if (tagId is not null)
        {
            var tags = await call.Store.ListTagsAsync(call.Tenant.Id, subject.Id, call.Aborted);
            if (!tags.Any(t => string.Equals(t.Id, tagId, StringComparison.Ordinal)))
            {
                return Problem.NotFound("tag");
            }
        }

        var deleted = await call.Store.DeleteTagsAsync(
            call.Tenant.Id,
            subject.Id,
            tagId,
            call.Audit(AuditOutcome.Done, PersonalisationPurpose, subject.Id, records: tagId is null ? [] : [tagId], rules: ["R13"], flags: GuardianFlag(call)),
            call.Aborted);
        return Api.Ok(new TagsDeleted(deleted), PersonalisationJson.Strict.TagsDeleted);
    }

    /// <summary>A patient acts on their own tags, a guardian on the ward's; the app and the DPO on any subject's.</summary>
    private static bool MayAct(Call call, OpenSubject subject) => call.Actor.Role switch
    {
        Role.Patient => SubjectFacts.LinkOf(call.Actor, subject) == SubjectLink.Self,
        Role.Guardian => SubjectFacts.LinkOf(call.Actor, subject) == SubjectLink.Guardian,
        _ => true,
    };

    private static AuditFlags GuardianFlag(Call call) => call.Actor.Role == Role.Guardian ? AuditFlags.Guardian : AuditFlags.None;

    private static async Task<ConsentStatus> PersonalisationStateAsync(Call call, OpenSubject subject)
    {
        var latest = await call.Store.GetLatestConsentAsync(call.Tenant.Id, subject.Id, PersonalisationPurpose, null, call.Aborted);
        return latest is null ? ConsentStatus.None : ConsentLedger.StatusOf(latest, call.Tenant.Policy.PurposeFingerprint(PersonalisationPurpose));
    }

    private static RecordBinding Binding(Call call, string subject, string tagId) => new(call.Tenant.Id, subject, tagId, TagType, 1);

    [GeneratedRegex("^[a-z0-9.-]{1,32}$")]
    private static partial Regex SourcePattern();
}
