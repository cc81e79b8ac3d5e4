using System.Globalization;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Server.Decisions;
using Cordon.Server.Http;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Audit;

public sealed record AuditEntryResponse(
    long Id,
    int Lane,
    long Seq,
    DateTimeOffset Time,
    string Actor,
    string Role,
    string? Purpose,
    string Action,
    string? Subject,
    IReadOnlyList<string> RecordIds,
    string Outcome,
    string? Code,
    IReadOnlyList<string> Rules,
    string? ClientAddress,
    string? RequestId,
    IReadOnlyList<string> Flags,
    string? Justification,
    string Hash);

public sealed record AuditPage(IReadOnlyList<AuditEntryResponse> Entries, long? Next);

/// <summary>One broken range: entries <c>from</c> to <c>to</c> of a lane, what kind of damage, in words.</summary>
public sealed record BrokenRange(int Lane, long From, long To, string Kind, string Reason);

/// <summary>What the witness held: checkpoints, the newest one's time and entry count, and anything in it that does not hold together.</summary>
public sealed record WitnessReport(string? File, int Checkpoints, DateTimeOffset? Latest, long? LatestEntries, IReadOnlyList<string> Problems);

public sealed record VerifyResponse(
    bool Valid,
    long Entries,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] long? FirstBroken,
    int? Lane,
    string? Reason,
    IReadOnlyList<BrokenRange> Broken,
    long MoreBroken,
    WitnessReport Witness)
{
    public static VerifyResponse From(ChainVerification result, string? witnessFile)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new VerifyResponse(
            result.Valid,
            result.Entries,
            result.FirstBroken,
            result.BrokenLane,
            result.Reason ?? result.WitnessProblems.FirstOrDefault(),
            [.. result.Breaks.Select(b => new BrokenRange(b.Lane, b.From, b.To, KindKey(b.Kind), b.Reason))],
            result.MoreBreaks,
            new WitnessReport(witnessFile, result.WitnessedCheckpoints, result.LatestWitnessed?.Time, result.LatestWitnessed?.Heads.Sum(h => h.Seq), result.WitnessProblems));
    }

    public static string KindKey(ChainBreakKind kind) => kind switch
    {
        ChainBreakKind.Altered => "altered",
        ChainBreakKind.Missing => "missing",
        ChainBreakKind.Relinked => "relinked",
        ChainBreakKind.OutOfOrder => "out-of-order",
        ChainBreakKind.Resealed => "resealed",
        ChainBreakKind.BadSignature => "bad-signature",
        _ => "unreadable",
    };
}

/// <summary>The audit log and its verification, for the DPO, the security team and administrators.</summary>
public static partial class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder group)
    {
        group.MapGet("/", QueryAsync)
            .Audited("audit.read", Role.Dpo, Role.Security, Role.Admin)
            .WithSummary("Audit entries, filtered by subject, actor, action, outcome and time (from inclusive, to exclusive); oldest first paged with after, or newest first (order=desc) paged with before")
            .WithDescription("order: asc (oldest first, the default) or desc (newest first). next is the id to page on: pass it as after when oldest first, as before when newest first. action: an action such as record.read, or a feature's actions with a trailing dot (record.). outcome: permit, permit-masked, deny or done. Times are ISO 8601 with an offset (Beijing time is +08:00).");

        group.MapGet("/verify", VerifyAsync)
            .Audited("audit.verify", Role.Dpo, Role.Security, Role.Admin)
            .WithSummary("Verify the audit chain against its lane heads, checkpoints and witness: every broken range after any edit, deletion, reordering or truncation");
        return group;
    }

    private static async Task<Results<JsonOk<AuditPage>, Problem>> QueryAsync(Call call, string? subject, string? actor, string? from, string? to, long? after, int? limit, string? before, string? order, string? action, string? outcome)
    {
        var errors = new Dictionary<string, string[]>();
        var fromTime = ParseTime(from, "from", errors);
        var toTime = ParseTime(to, "to", errors);
        if (limit is < 1 or > 1000)
        {
            errors["limit"] = ["1 to 1000."];
        }

        long? beforeId = null;
        if (before is not null)
        {
            if (long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                beforeId = id;
            }
            else
            {
                errors["before"] = ["An entry id (a positive whole number): the next of the previous page, newest first."];
            }
        }

        var newestFirst = false;
        if (order is not null)
        {
            if (order is "asc" or "desc")
            {
                newestFirst = order == "desc";
            }
            else
            {
                errors["order"] = ["asc (oldest first, the default) or desc (newest first)."];
            }
        }

        if (action is not null && !ActionPattern().IsMatch(action))
        {
            errors["action"] = ["An audit action such as record.read or rights.resolve (lower-case letters, digits, '.' and '-', at most 64), or a feature's actions with a trailing dot (record.)."];
        }

        AuditOutcome? wantedOutcome = null;
        if (outcome is not null)
        {
            if (TryParseOutcome(outcome, out var parsed))
            {
                wantedOutcome = parsed;
            }
            else
            {
                errors["outcome"] = ["permit, permit-masked, deny or done."];
            }
        }

        // Identifiers are ids where they enter: the audit entry of this query names them.
        if (subject is not null && !Subjects.SubjectVault.IsWellFormedId(subject, "sub"))
        {
            errors["subject"] = ["A subject id (sub_…); find one by external id, ID number or mobile with POST /v1/subjects/search."];
        }

        if (actor is not null && !ActorIds.IsValid(actor))
        {
            errors["actor"] = [$"An actor id ({ActorIds.Description})."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        // A trailing dot asks for a feature's actions; the pattern admits no LIKE wildcard, so the prefix is taken as written.
        var prefix = action is not null && action.EndsWith('.') ? action : null;
        var query = new AuditQuery
        {
            SubjectId = subject,
            ActorId = actor,
            From = fromTime,
            To = toTime,
            After = after,
            Before = beforeId,
            NewestFirst = newestFirst,
            Action = prefix is null ? action : null,
            ActionPrefix = prefix,
            Outcome = wantedOutcome,
            Limit = limit ?? 100,
        };
        var entries = await call.Store.QueryAsync(call.Tenant.Id, query, call.Aborted);
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject), CancellationToken.None);
        var page = entries.Select(e => new AuditEntryResponse(
            e.Id,
            e.Lane,
            e.Seq,
            e.Draft.Time,
            e.Draft.ActorId,
            e.Draft.ActorRole,
            e.Draft.Purpose,
            e.Draft.Action,
            e.Draft.SubjectId,
            e.Draft.RecordIds,
            OutcomeKey(e.Draft.Outcome),
            e.Draft.Code,
            e.Draft.Rules,
            e.Draft.ClientAddress,
            e.Draft.RequestId,
            DecisionEndpoints.FlagNames(e.Draft.Flags),
            call.Tenant.Keys.OpenNote(e.Draft.SealedNote, e.Draft.RequestId),
            Convert.ToHexStringLower(e.Hash))).ToList();
        return Api.Ok(new AuditPage(page, page.Count == query.Limit ? page[^1].Id : null), AuditJson.Strict.AuditPage);
    }

    private static async Task<Results<JsonOk<VerifyResponse>, Problem>> VerifyAsync(Call call, Storage.Audit.AuditWitness witness)
    {
        var result = await AuditVerification.VerifyAsync(call.Tenant, call.Store, witness, call.Aborted);
        await call.Store.AppendAsync(call.Audit(result.Valid ? AuditOutcome.Permit : AuditOutcome.Deny, rules: ["R47"]) with { Code = result.Valid ? null : "audit.chain-broken" }, CancellationToken.None);
        // The witness's path on the server's disk is no business of an API client: the count of its checkpoints says it is there.
        return Api.Ok(VerifyResponse.From(result, witnessFile: null), AuditJson.Strict.VerifyResponse);
    }

    private static bool TryParseOutcome(string key, out AuditOutcome outcome)
    {
        foreach (var candidate in Enum.GetValues<AuditOutcome>())
        {
            if (string.Equals(OutcomeKey(candidate), key, StringComparison.Ordinal))
            {
                outcome = candidate;
                return true;
            }
        }

        outcome = default;
        return false;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9.-]{0,63}$")]
    private static partial System.Text.RegularExpressions.Regex ActionPattern();

    public static string OutcomeKey(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Permit => "permit",
        AuditOutcome.PermitMasked => "permit-masked",
        AuditOutcome.Deny => "deny",
        AuditOutcome.Done => "done",
        _ => "unknown",
    };

    private static DateTimeOffset? ParseTime(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        errors[name] = ["An ISO 8601 date or time."];
        return null;
    }
}
