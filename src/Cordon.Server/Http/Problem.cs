using System.Text.Json;
using System.Text.Json.Serialization;
using Cordon.Core.Decisions;

namespace Cordon.Server.Http;

/// <summary>
/// An RFC 9457 problem with Cordon's members: <c>code</c> always, <c>rule</c> and <c>citation</c> when a compliance
/// rule decided, <c>errors</c> for validation. The detail never carries patient data.
/// </summary>
public sealed partial class Problem : IResult
{
    public const string ContentType = "application/problem+json";
    private const string TypeBase = "https://cordon.dev/problems/";

    public Problem(int status, string code, string title, string detail, string? rule = null, string? citation = null)
    {
        Status = status;
        Code = code;
        Title = title;
        Detail = detail;
        Rule = rule;
        Citation = citation;
    }

    public int Status { get; }

    public string Code { get; }

    public string Title { get; }

    public string Detail { get; }

    public string? Rule { get; }

    public string? Citation { get; }

    /// <summary>Field (or element path) → what is wrong with it.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>A use case's failure as a problem response: the one place a failure's kind becomes an HTTP status.</summary>
    public static Problem From(Core.Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var status = failure.Kind switch
        {
            Core.FailureKind.Malformed => 400,
            Core.FailureKind.NotFound => 404,
            Core.FailureKind.Conflict => 409,
            Core.FailureKind.Refused => 403,
            _ => 422,
        };
        return new Problem(status, failure.Code, failure.Title, failure.Detail, failure.Rule, failure.Citation) { Errors = failure.Errors };
    }

    public static Problem From(Refusal refusal, string? detail = null)
        => new(refusal.Status, refusal.Code, refusal.Title, detail ?? refusal.Detail, refusal.Rule, refusal.Citation);

    public static Problem Malformed(string detail) => new(400, "request.malformed", "Malformed request", detail);

    /// <summary>
    /// A parameter ASP.NET Core could not bind, from its message (<c>Failed to bind parameter "int? limit" from "abc".</c>,
    /// <c>Required parameter "string id" was not provided from query string.</c>): the parameter and what it takes. The
    /// value sent is never repeated.
    /// </summary>
    public static Problem? FromBinding(string message)
    {
        var failed = BindFailure().Match(message);
        if (failed.Success)
        {
            var name = failed.Groups["name"].Value;
            return new Problem(400, "request.invalid-parameter", "Invalid parameter", $"The parameter '{name}' takes {Takes(failed.Groups["type"].Value)}; change it and send again.") { Errors = new Dictionary<string, string[]> { [name] = [$"takes {Takes(failed.Groups["type"].Value)}"] } };
        }

        var missing = BindMissing().Match(message);
        if (missing.Success)
        {
            var name = missing.Groups["name"].Value;
            return new Problem(400, "request.invalid-parameter", "Missing parameter", $"The parameter '{name}' is required and takes {Takes(missing.Groups["type"].Value)}.") { Errors = new Dictionary<string, string[]> { [name] = ["required"] } };
        }

        return null;
    }

    private static string Takes(string type) => (type.StartsWith("Nullable<", StringComparison.Ordinal) ? type["Nullable<".Length..].TrimEnd('>') : type.TrimEnd('?')) switch
    {
        "int" or "long" or "Int32" or "Int64" => "a whole number (for example 50)",
        "bool" or "Boolean" => "true or false",
        "DateTimeOffset" or "DateTime" => "an ISO 8601 date-time such as 2026-12-01T08:00:00+08:00",
        "DateOnly" => "a date such as 2026-12-01",
        "Guid" => "a GUID",
        "double" or "decimal" => "a number",
        _ => "a value of type " + type.TrimEnd('?'),
    };

    [System.Text.RegularExpressions.GeneratedRegex("""^Failed to bind parameter "(?<type>[A-Za-z0-9_.?<>]+) (?<name>[A-Za-z0-9_]+)" from""", System.Text.RegularExpressions.RegexOptions.NonBacktracking)]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    [System.Text.RegularExpressions.GeneratedRegex("""^Required parameter "(?<type>[A-Za-z0-9_.?<>]+) (?<name>[A-Za-z0-9_]+)" was not provided""", System.Text.RegularExpressions.RegexOptions.NonBacktracking)]
    private static partial System.Text.RegularExpressions.Regex BindMissing();

    public static Problem TooLarge(long limit) => new(413, "request.too-large", "Request body too large", $"The body exceeds the limit of {limit} bytes.");

    public static Problem UnsupportedMediaType(string? got)
    {
        // JSON in another charset is a charset mistake, not a media-type one: say so.
        if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(got, out var media) && media.Charset.HasValue
            && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.MediaType.Equals("application/fhir+json", StringComparison.OrdinalIgnoreCase)))
        {
            return new(415, "request.unsupported-charset", "Unsupported charset", $"Cordon reads JSON in UTF-8 only (RFC 8259): send charset=utf-8 or no charset parameter; got charset '{Sanitize(media.Charset.Value)}'.");
        }

        return new(415, "request.unsupported-media-type", "Unsupported media type", $"Send JSON with Content-Type: application/json (or application/fhir+json); got '{Sanitize(got)}'.");
    }

    public static Problem Validation(IReadOnlyDictionary<string, string[]> errors, string? rule = null, string? citation = null)
        => new(422, "validation.failed", "Validation failed", "One or more fields are invalid; see errors.", rule, citation) { Errors = errors };

    public static Problem Validation(string field, string message, string? rule = null, string? citation = null)
        => Validation(new Dictionary<string, string[]> { [field] = [message] }, rule, citation);

    public static Problem NotFound(string what) => new(404, "not-found", "Not found", $"No {what} with this id in this tenant.");

    public static Problem PurposeMissing() => new(400, "purpose.missing", "Purpose missing", "Every read or write of subject data names its purpose in the X-Purpose header.", "R01", "PIPL Art. 6, 13");

    /// <summary>An unknown purpose: the detail lists the profile's purposes and the nearest one to what was sent.</summary>
    public static Problem PurposeUnknown(string purpose, IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        var nearest = Core.Text.Nearest.To(purpose, known);
        var hint = nearest is null ? string.Empty : $" Did you mean '{nearest}'?";
        return new(
            400, "purpose.unknown", "Unknown purpose",
            $"The profile declares no purpose '{Sanitize(purpose)}'.{hint} Its purposes: {string.Join(", ", known.Order(StringComparer.Ordinal))} (see GET /v1/privacy-notice).",
            "R01", "PIPL Art. 6, 13");
    }

    public static Problem Unauthenticated(string detail) => new(401, "auth.unauthenticated", "Authentication required", detail);

    public static Problem Conflict(string code, string detail) => new(409, code, "Conflict", detail);

    /// <summary>A write raced an erasure (or re-keying) of its subject; nothing was stored.</summary>
    public static Problem SubjectChanged() => Conflict("subject.changed", "The subject's data was erased or re-keyed while this was written; nothing was stored. Read the subject again.");

    /// <summary>Echoes caller input safely: short, printable, nothing that could be a whole identifier.</summary>
    public static string Sanitize(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var chars = value.Length > 64 ? value[..64] : value;
        return string.Concat(chars.Select(c => char.IsControl(c) ? '?' : c)) + (value.Length > 64 ? "…" : string.Empty);
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = Status;
        if (FhirOutcome.IsWanted(httpContext.Request))
        {
            response.ContentType = FhirOutcome.ContentType;
            await response.Body.WriteAsync(FhirOutcome.Serialize(FhirOutcome.From(this)), httpContext.RequestAborted);
            return;
        }

        response.ContentType = ContentType;
        var body = new ProblemBody(
            TypeBase + Code,
            Title,
            Status,
            DetailFor(httpContext),
            Code,
            Rule,
            Citation,
            httpContext.TraceIdentifier,
            Errors);
        await JsonSerializer.SerializeAsync(response.Body, body, ProblemJson.Output.ProblemBody, httpContext.RequestAborted);
    }

    /// <summary>
    /// A not-found names the tenant it looked in (a token of another tenant is the usual cause), and an id that is no
    /// subject id at all (an external id, an ID number) points to the search instead. The id itself is never echoed.
    /// </summary>
    private string DetailFor(HttpContext http)
    {
        if (Status != 404 || Code != "not-found")
        {
            return Detail;
        }

        var detail = Detail;
        if (http.Items.TryGetValue(Call.ItemKey, out var item) && item is Call { Unauthenticated: false } call)
        {
            detail = detail.Replace("in this tenant", $"in tenant '{call.Tenant.Id}' (the token's tenant)", StringComparison.Ordinal);
        }

        if (detail.StartsWith("No subject ", StringComparison.Ordinal) && http.GetRouteValue("id") is string id && !Subjects.SubjectVault.IsWellFormedId(id, "sub"))
        {
            detail += " The id in the path is not a Cordon subject id (sub_…): to find a subject by the operator's external id, ID number or mobile, use POST /v1/subjects/search (the value goes in the body, never in a URL).";
        }

        return detail;
    }

    internal sealed record ProblemBody(
        string Type,
        string Title,
        int Status,
        string Detail,
        string Code,
        string? Rule,
        string? Citation,
        string TraceId,
        IReadOnlyDictionary<string, string[]>? Errors);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Problem.ProblemBody))]
internal sealed partial class ProblemJson : JsonSerializerContext
{
    /// <summary>The problem body as sent: Chinese in a detail as Chinese (source-generated options cannot name an encoder).</summary>
    public static ProblemJson Output { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = Core.Json.JsonOutput.Encoder,
    });
}
