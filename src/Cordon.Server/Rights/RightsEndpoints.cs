using System.Globalization;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Rights;
using Cordon.Core.Subjects;
using Cordon.Server.Http;
using Cordon.Server.Subjects;
using Cordon.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cordon.Server.Rights;

/// <summary>
/// One-stop rights requests (PIPL Art. 44–50; NDSMR Art. 23–25): access, copy, portability, correction, deletion,
/// restriction, withdrawal, cancellation and explanation, each with a due date in working days, a status, a trail and
/// the evidence of what was done; and the operator's view of the queue, late requests first.
/// </summary>
public static class RightsEndpoints
{
    private static readonly Role[] Everyone = Enum.GetValues<Role>();
    private static readonly Role[] Operators = [Role.Dpo, Role.Admin];

    public static RouteGroupBuilder MapRightsRequests(this RouteGroupBuilder group)
    {
        group.MapPost("/", CreateAsync)
            .Audited("rights.request", Everyone)
            .WithSummary("Make a rights request: access, copy, portability, correction, deletion, restriction, withdrawal, cancellation, explanation")
            .WithDescription("Made with the subject's own token (relation self), a guardian's token for a subject under the guardian-consent age (guardian, R03), or a close relative's token for a deceased subject with proofReference (close-relative; access, copy, correction, deletion only, R24). Anyone else is refused (rights.requester-not-allowed, R22). The request is due in working days (R21/R22). Deletion and cancellation crypto-shred what no law keeps and restrict the rest (R19, R20); withdrawal stops consent-based processing and deletes what rested on it alone (R08); portability delivers a FHIR Bundle when the four conditions of NDSMR Art. 25 hold (R23).")
            .Accepts<CreateRightsRequest>("application/json");

        group.MapGet("/", ListAsync)
            .Audited("rights.list", Everyone)
            .WithSummary("List rights requests: one's own, or (dpo, admin) the tenant's queue")
            .WithDescription("Query: subject, status (open, completed, refused), late=true (open and past due).");

        group.MapGet("/{id}", GetAsync)
            .Audited("rights.read", Everyone)
            .WithSummary("Read a rights request with its result, refusal reasons and trail");

        group.MapGet("/{id}/export", ExportAsync)
            .Audited("rights.export", Role.Patient, Role.Guardian)
            .WithSummary("Download the data of a completed access, copy or portability request: ?format=json (default) or fhir")
            .WithDescription("Streams everything held about the subject, decrypted: records, consents and their history, disclosures, recipients, rights requests. format=fhir gives a FHIR R4 Bundle of type collection. Only the requester, within 30 days of completion.");

        group.MapPost("/{id}/resolve", ResolveAsync)
            .Audited("rights.resolve", Operators)
            .WithSummary("Close an open request: completed (with what was done) or refused (with the rule and the reasons, PIPL Art. 50)")
            .Accepts<ResolveRightsRequest>("application/json");

        group.MapPost("/{id}/verify-proof", VerifyProofAsync)
            .Audited("rights.verify-proof", Operators)
            .WithSummary("Confirm a close relative's proof of death and relationship, then carry out the request (R24)")
            .WithDescription("A close relative's request stays open until an operator has checked the recorded proof named by proofReference; only then is the deceased subject's data accessed, copied, corrected or deleted.");

        group.MapPost("/{id}/retry", RetryAsync)
            .Audited("rights.retry", Role.Patient, Role.Guardian, Role.Dpo, Role.Admin)
            .WithSummary("Retry an open portability delivery or erasure");
        return group;
    }

    public static RouteGroupBuilder MapCalendar(this RouteGroupBuilder group)
    {
        group.MapGet("/", GetCalendarAsync)
            .Audited("calendar.read", Role.Dpo, Role.Admin)
            .WithSummary("The working-day calendar rights-request deadlines are counted on");

        group.MapPut("/{year:int}", PutCalendarYearAsync)
            .Audited("calendar.update", Role.Dpo, Role.Admin)
            .WithSummary("Set one year's public holidays and exchanged working days (from the State Council's yearly notice)")
            .WithDescription("Each day: {date, working}. A non-working day is a public holiday; a working day must fall on a weekend (调休). Replaces that year's built-in list.")
            .Accepts<CalendarYearRequest>("application/json");
        return group;
    }

    private static async Task<Results<JsonCreated<RightsRequestView>, Problem>> CreateAsync(Call call, RequestBody body, CalendarCache calendars, PortabilityClient portability)
    {
        var read = await body.ReadAsync(call.Http, RightsApiJson.Strict.CreateRightsRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var request = read.Value;
        var errors = new Dictionary<string, string[]>();
        if (!RightsNames.TryParseKind(request.Kind, out var kind))
        {
            errors["kind"] = [$"One of {string.Join(", ", RightsNames.KindKeys)}."];
        }

        var relation = call.Actor.Role == Role.Guardian ? RequesterRelation.Guardian : RequesterRelation.Self;
        if (request.Relation is not null && !RightsNames.TryParseRelation(request.Relation, out relation))
        {
            errors["relation"] = ["self, guardian or close-relative."];
        }

        if (request.ProofReference is not null && !SubjectEndpoints.IsCleanText(request.ProofReference, 200))
        {
            errors["proofReference"] = ["1 to 200 printable characters: the reference of the recorded proof of death and relationship."];
        }

        if (request.Reason is not null && !SubjectEndpoints.IsCleanText(request.Reason, 500))
        {
            errors["reason"] = ["Up to 500 printable characters."];
        }

        if (request.Purposes is { } purposes && (purposes.Count is 0 or > 50 || purposes.Any(p => call.Tenant.Profile.FindPurpose(p) is null)))
        {
            errors["purposes"] = ["Purposes declared in the privacy notice (at least one, at most 50); leave out for all."];
        }

        if (errors.Count == 0)
        {
            ValidateKindFields(kind, request, errors);
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, request.SubjectId, call.Aborted);
        if (subject is null || (subject.Row.State == SubjectState.Cancelled && kind != RightsKind.Explanation))
        {
            return Problem.NotFound("subject");
        }

        var op = Operation.From(call);
        var calendar = await calendars.GetAsync(call.Tenant.Id, call.Aborted);
        var received = await RightsIntake.ReceiveAsync(op, new Requester(call.Actor.Role, call.Actor.SubjectId), kind, relation, request, subject, calendar, portability, call.Aborted);
        if (received.Failed)
        {
            return Problem.From(received.Failure);
        }

        return Api.Created($"/v1/rights-requests/{received.Value.Id}", View(op, received.Value, calendar), RightsApiJson.Strict.RightsRequestView);
    }

    private static void ValidateKindFields(RightsKind kind, CreateRightsRequest request, Dictionary<string, string[]> errors)
    {
        if (kind == RightsKind.Correction)
        {
            if (!SubjectVault.IsWellFormedId(request.RecordId, "rec"))
            {
                errors["recordId"] = ["The id of the record to correct."];
            }

            if (request.Resource is not { ValueKind: System.Text.Json.JsonValueKind.Object })
            {
                errors["resource"] = ["The corrected record: a FHIR resource or declared record, as a JSON object."];
            }
        }
        else if (request.RecordId is not null || request.Resource is not null)
        {
            errors["recordId"] = ["Only a correction names a record and a resource."];
        }

        if (kind == RightsKind.Portability)
        {
            if (request.Destination is null || !SubjectEndpoints.IsCleanText(request.Destination.Name, 200) || !SubjectEndpoints.IsCleanText(request.Destination.Endpoint, 2000))
            {
                errors["destination"] = ["The receiving processor: {name, endpoint} with an https endpoint."];
            }
        }
        else if (request.Destination is not null)
        {
            errors["destination"] = ["Only portability names a destination."];
        }

        if (request.Purposes is not null && kind is not (RightsKind.Deletion or RightsKind.Withdrawal))
        {
            errors["purposes"] = ["Only deletion and withdrawal are narrowed to purposes."];
        }
    }

    private static async Task<Results<JsonOk<RightsRequestList>, Problem>> ListAsync(Call call, CalendarCache calendars, string? subject, string? status, bool? late)
    {
        if (subject is not null && !SubjectVault.IsWellFormedId(subject, "sub"))
        {
            return Problem.Validation("subject", "A subject id (sub_…); find one with POST /v1/subjects/search.");
        }

        RightsStatus? wanted = null;
        if (status is not null)
        {
            if (!RightsNames.TryParseStatus(status, out var parsed))
            {
                return Problem.Validation("status", "open, completed or refused.");
            }

            wanted = parsed;
        }

        var op = Operation.From(call);
        var isOperator = call.Actor.Role is Role.Dpo or Role.Admin;
        if (!isOperator && call.Actor.Role is not (Role.Patient or Role.Guardian))
        {
            return Problem.From(Cordon.Core.Decisions.Refusals.RoleNotAllowed);
        }

        var query = new RightsRequestQuery
        {
            SubjectId = isOperator ? subject : subject ?? call.Actor.SubjectId,
            Status = wanted,
            OpenAndDueBefore = late == true ? call.Today : null,
            Limit = 500,
        };
        var rows = await call.Store.ListRightsRequestsAsync(call.Tenant.Id, query, call.Aborted);
        if (!isOperator)
        {
            rows = [.. rows.Where(r => r.RequesterId == call.Actor.Id)];
        }

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: query.SubjectId, records: [.. rows.Select(r => r.Id)]), CancellationToken.None);
        var calendar = await calendars.GetAsync(call.Tenant.Id, call.Aborted);
        return Api.Ok(new RightsRequestList([.. rows.Select(r => View(op, r, calendar))]), RightsApiJson.Strict.RightsRequestList);
    }

    private static async Task<Results<JsonOk<RightsRequestView>, Problem>> GetAsync(string id, Call call, CalendarCache calendars)
    {
        var row = await FindVisibleAsync(call, id);
        if (row is null)
        {
            return Problem.NotFound("rights request");
        }

        call.About(row.SubjectId);

        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: row.SubjectId, records: [row.Id]), CancellationToken.None);
        return Api.Ok(View(Operation.From(call), row, await calendars.GetAsync(call.Tenant.Id, call.Aborted)), RightsApiJson.Strict.RightsRequestView);
    }

    private static async Task<IResult> ExportAsync(string id, string? format, Call call)
    {
        var row = await FindVisibleAsync(call, id);
        if (row is null || row.RequesterId != call.Actor.Id)
        {
            return Problem.NotFound("rights request");
        }

        call.About(row.SubjectId);

        if (row.Kind is not (RightsKind.Access or RightsKind.Copy or RightsKind.Portability) || row.Status != RightsStatus.Completed || row.ClosedAt < call.Now.AddDays(-30))
        {
            return Problem.Conflict("rights.export-unavailable", "Only a completed access, copy or portability request can be downloaded, for 30 days after it completed.");
        }

        var fhir = string.Equals(format, "fhir", StringComparison.Ordinal);
        if (format is not null && !fhir && format != "json")
        {
            return Problem.Validation("format", "json or fhir.");
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, row.SubjectId, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id);

        // The export is audited before a byte of it leaves.
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit, subject: subject.Id, records: [row.Id], rules: ["R22"]), CancellationToken.None);
        var http = call.Http;
        http.Response.ContentType = fhir ? SubjectExport.FhirContentType + "; charset=utf-8" : "application/json; charset=utf-8";
        if (row.Kind == RightsKind.Copy)
        {
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{subject.Id}{(fhir ? ".fhir" : string.Empty)}.json\"";
        }

        var op = Operation.From(call);
        var portabilityOnly = row.Kind == RightsKind.Portability ? RightsWorkflow.Eligible(call.Tenant.Profile) : null;
        await SubjectExport.WriteAsync(op, subject, fhir ? ExportFormat.Fhir : ExportFormat.Json, http.Response.Body, row.Id, null, call.Aborted, portabilityOnly is null ? null : r => portabilityOnly(r.Type, r.Purpose));
        return Results.Empty;
    }

    private static async Task<Results<JsonOk<RightsRequestView>, Problem>> ResolveAsync(string id, Call call, RequestBody body, CalendarCache calendars)
    {
        var read = await body.ReadAsync(call.Http, RightsApiJson.Strict.ResolveRightsRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var request = read.Value;
        var errors = new Dictionary<string, string[]>();
        if (request.Outcome is not ("completed" or "refused"))
        {
            errors["outcome"] = ["completed or refused."];
        }

        if (!SubjectEndpoints.IsCleanText(request.Note, 1000))
        {
            errors["note"] = ["What was done, or why it is refused: 1 to 1000 printable characters."];
        }

        if (request.Outcome == "refused" && (request.Rule is null || !Core.Rules.RuleBook.Rules.Any(r => r.Id == request.Rule)))
        {
            errors["rule"] = ["A refusal names the rule (R01…R60) that allows it (PIPL Art. 50)."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var row = SubjectVault.IsWellFormedId(id, "rr") ? await call.Store.GetRightsRequestAsync(call.Tenant.Id, id, call.Aborted) : null;
        if (row is null)
        {
            return Problem.NotFound("rights request");
        }

        call.About(row.SubjectId);

        if (row.Status != RightsStatus.Open)
        {
            return Problem.Conflict("rights.closed", "The request is already closed.");
        }

        var op = Operation.From(call);
        var details = RightsWorkflow.Open(op, row);
        var completed = request.Outcome == "completed";
        details = completed
            ? details with { Result = (details.Result ?? new RightsOutcome()) with { Summary = [.. (details.Result?.Summary ?? []), request.Note] } }
            : details with { Refusal = new RefusalView("rights.refused", request.Rule, Core.Rules.RuleBook.Get(request.Rule!).Citation, [request.Note]) };
        row = await RightsWorkflow.SaveAsync(op, row, details, completed ? RightsStatus.Completed : RightsStatus.Refused, request.Note, call.Aborted);
        return Api.Ok(View(op, row, await calendars.GetAsync(call.Tenant.Id, CancellationToken.None)), RightsApiJson.Strict.RightsRequestView);
    }

    private static async Task<Results<JsonOk<RightsRequestView>, Problem>> RetryAsync(string id, Call call, PortabilityClient portability, CalendarCache calendars)
    {
        var row = await FindVisibleAsync(call, id);
        if (row is null || (call.Actor.Role.IsSubjectSide() && row.RequesterId != call.Actor.Id))
        {
            return Problem.NotFound("rights request");
        }

        call.About(row.SubjectId);

        if (row.Relation == RequesterRelation.CloseRelative && RightsWorkflow.Open(Operation.From(call), row).ProofVerifiedBy is null)
        {
            return Problem.From(RequesterRules.ProofNotVerified);
        }

        if (row.Status != RightsStatus.Open || row.Kind is not (RightsKind.Portability or RightsKind.Deletion or RightsKind.Withdrawal or RightsKind.Cancellation))
        {
            return Problem.Conflict("rights.not-retryable", "Only an open portability, deletion, withdrawal or cancellation request can be retried.");
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, row.SubjectId, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id);

        var op = Operation.From(call);
        row = await RightsWorkflow.CarryOutAsync(op, row, RightsWorkflow.Open(op, row), subject, portability, CancellationToken.None);
        return Api.Ok(View(op, row, await calendars.GetAsync(call.Tenant.Id, CancellationToken.None)), RightsApiJson.Strict.RightsRequestView);
    }

    private static async Task<Results<JsonOk<RightsRequestView>, Problem>> VerifyProofAsync(string id, Call call, PortabilityClient portability, CalendarCache calendars)
    {
        var row = SubjectVault.IsWellFormedId(id, "rr") ? await call.Store.GetRightsRequestAsync(call.Tenant.Id, id, call.Aborted) : null;
        if (row is null)
        {
            return Problem.NotFound("rights request");
        }

        call.About(row.SubjectId);

        var op = Operation.From(call);
        var details = RightsWorkflow.Open(op, row);
        if (row.Relation != RequesterRelation.CloseRelative || row.Status != RightsStatus.Open || details.ProofVerifiedBy is not null)
        {
            return Problem.Conflict("rights.nothing-to-verify", "Only an open close relative's request whose proof is not yet verified can be verified.");
        }

        using var subject = await SubjectVault.OpenAsync(call.Tenant, call.Store, row.SubjectId, call.Aborted);
        if (subject is null)
        {
            return Problem.NotFound("subject");
        }

        call.About(subject.Id);

        details = details with
        {
            ProofVerifiedBy = call.Actor.Id,
            Trail = [.. details.Trail, new TrailEntry(call.Now, "open", call.Actor.Id, "proof of death and relationship verified (R24)")],
        };
        row = await RightsWorkflow.CarryOutAsync(op, row, details, subject, portability, CancellationToken.None);
        return Api.Ok(View(op, row, await calendars.GetAsync(call.Tenant.Id, CancellationToken.None)), RightsApiJson.Strict.RightsRequestView);
    }

    private static async Task<Results<JsonOk<CalendarView>, Problem>> GetCalendarAsync(Call call, CalendarCache calendars)
    {
        var calendar = await calendars.GetAsync(call.Tenant.Id, call.Aborted);
        var operatorYears = (await call.Store.GetCalendarAsync(call.Tenant.Id, call.Aborted)).Select(d => d.Date.Year).Distinct().Order().ToList();
        await call.Store.AppendAsync(call.Audit(AuditOutcome.Permit), CancellationToken.None);
        return Api.Ok(CalendarOf(calendar, operatorYears), RightsApiJson.Strict.CalendarView);
    }

    private static async Task<Results<JsonOk<CalendarView>, Problem>> PutCalendarYearAsync(int year, Call call, RequestBody body, CalendarCache calendars)
    {
        var read = await body.ReadAsync(call.Http, RightsApiJson.Strict.CalendarYearRequest);
        if (read.Failed)
        {
            return read.Problem;
        }

        var days = new List<CalendarDay>();
        var problems = new List<string>();
        if (year is < 2000 or > 2100)
        {
            problems.Add("The year is between 2000 and 2100.");
        }

        foreach (var day in read.Value.Days ?? [])
        {
            if (!DateOnly.TryParseExact(day.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) || date.Year != year)
            {
                problems.Add($"'{Clip(day.Date)}' is not a date YYYY-MM-DD in {year}.");
                continue;
            }

            if (day.Working && date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                problems.Add($"{day.Date} is a weekday: only a weekend day can be made a working day.");
                continue;
            }

            days.Add(new CalendarDay(date, day.Working));
        }

        if (days.Select(d => d.Date).Distinct().Count() != days.Count)
        {
            problems.Add("A date is listed twice.");
        }

        if (problems.Count > 0 || days.Count > 366)
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["days"] = problems.Count > 0 ? [.. problems] : ["At most 366 days."] });
        }

        await call.Store.PutCalendarYearAsync(call.Tenant.Id, year, days, call.Audit(AuditOutcome.Done, rules: ["R22"]), call.Aborted);
        calendars.Invalidate(call.Tenant.Id);
        var calendar = await calendars.GetAsync(call.Tenant.Id, call.Aborted);
        var operatorYears = (await call.Store.GetCalendarAsync(call.Tenant.Id, call.Aborted)).Select(d => d.Date.Year).Distinct().Order().ToList();
        return Api.Ok(CalendarOf(calendar, operatorYears), RightsApiJson.Strict.CalendarView);
    }

    private static string Clip(string? value) => value is null ? string.Empty : value.Length > 20 ? value[..20] : value;

    private static CalendarView CalendarOf(WorkingCalendar calendar, IReadOnlyList<int> operatorYears)
        => new(operatorYears, [2025, 2026], [.. calendar.Days.Select(d => new CalendarDayView(d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Working))]);

    /// <summary>A request the caller may see: an operator sees all; a patient or guardian only those they made.</summary>
    private static async Task<RightsRequestRow?> FindVisibleAsync(Call call, string id)
    {
        var row = SubjectVault.IsWellFormedId(id, "rr") ? await call.Store.GetRightsRequestAsync(call.Tenant.Id, id, call.Aborted) : null;
        if (row is null)
        {
            return null;
        }

        return call.Actor.Role is Role.Dpo or Role.Admin || row.RequesterId == call.Actor.Id ? row : null;
    }

    /// <summary>
    /// The request as the API shows it. An open request's <c>workingDaysLeft</c> counts the working days from today
    /// (Beijing) to its due date: 0 when due today, negative when late (by that many working days).
    /// </summary>
    internal static RightsRequestView View(Operation op, RightsRequestRow row, WorkingCalendar calendar)
    {
        var details = RightsWorkflow.Open(op, row);
        var late = row.Status == RightsStatus.Open && op.Today > row.DueOn;
        int? daysLeft = row.Status == RightsStatus.Open ? calendar.WorkingDaysBetween(op.Today, row.DueOn) : null;
        var links = row.Kind is RightsKind.Access or RightsKind.Copy or RightsKind.Portability && row.Status == RightsStatus.Completed
            ? new Dictionary<string, string> { ["export"] = RightsWorkflow.ExportPath(row.Id), ["fhir"] = RightsWorkflow.ExportPath(row.Id) + "?format=fhir" }
            : null;
        return new RightsRequestView(
            row.Id, row.SubjectId, row.Kind.ToKey(), row.Status.ToKey(), row.Relation.ToKey(), row.RequesterId, row.CreatedAt,
            row.DueOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), late, daysLeft, row.ClosedAt, details.Result, details.Refusal, details.Trail, links,
            // The operator who verifies a close relative's proof needs its reference; nobody else is shown it.
            op.ActorRole is "dpo" or "admin" ? details.Ask.ProofReference : null);
    }
}
