using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Cordon.Server.Http;

/// <summary>
/// A problem as a FHIR <c>OperationOutcome</c>, for clients that ask for <c>application/fhir+json</c>: one issue per
/// element that is wrong (its path in <c>expression</c>, what to change in <c>diagnostics</c>), or one issue with the
/// problem's detail; Cordon's problem code, and the rule where one decided, in <c>details.coding</c>.
/// </summary>
public static class FhirOutcome
{
    public const string ContentType = "application/fhir+json";
    public const string ProblemSystem = "https://cordon.dev/problems";
    public const string RuleSystem = "https://cordon.dev/rules";

    private static readonly FhirJsonSerializer Serializer = new();

    /// <summary>Whether the request's Accept header asks for FHIR JSON rather than a problem document.</summary>
    public static bool IsWanted(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var value in request.Headers.Accept)
        {
            if (value is not null && value.Contains(ContentType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static OperationOutcome From(Problem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var details = new CodeableConcept(ProblemSystem, problem.Code, problem.Title, problem.Title);
        if (problem.Rule is not null)
        {
            details.Coding.Add(new Coding(RuleSystem, problem.Rule, problem.Citation));
        }

        var type = TypeOf(problem);
        var outcome = new OperationOutcome();
        if (problem.Errors is { Count: > 0 } errors)
        {
            foreach (var (path, messages) in errors)
            {
                foreach (var message in messages)
                {
                    outcome.Issue.Add(new OperationOutcome.IssueComponent
                    {
                        Severity = OperationOutcome.IssueSeverity.Error,
                        Code = type,
                        Details = details,
                        Diagnostics = message,
                        Expression = [path],
                    });
                }
            }
        }
        else
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = type,
                Details = details,
                Diagnostics = problem.Detail,
            });
        }

        return outcome;
    }

    public static byte[] Serialize(OperationOutcome outcome) => Serializer.SerializeToBytes(outcome);

    private static OperationOutcome.IssueType TypeOf(Problem problem) => problem.Status switch
    {
        401 => OperationOutcome.IssueType.Login,
        403 => OperationOutcome.IssueType.Forbidden,
        404 => OperationOutcome.IssueType.NotFound,
        409 => OperationOutcome.IssueType.Conflict,
        413 => OperationOutcome.IssueType.TooLong,
        >= 500 => OperationOutcome.IssueType.Exception,
        _ when problem.Code == "fhir.invalid" => OperationOutcome.IssueType.Structure,
        _ when problem.Code.StartsWith("catalog.", StringComparison.Ordinal) => OperationOutcome.IssueType.NotSupported,
        _ when problem.Errors is { Count: > 0 } => OperationOutcome.IssueType.Invalid,
        _ => OperationOutcome.IssueType.Processing,
    };
}
