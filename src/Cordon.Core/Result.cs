using System.Diagnostics.CodeAnalysis;
using Cordon.Core.Decisions;

namespace Cordon.Core;

/// <summary>What kind of failure a use case met; the server maps each to its HTTP status in one place, the CLI to its exit code.</summary>
public enum FailureKind
{
    /// <summary>The input is well formed but a value is not acceptable (a field, a format).</summary>
    Invalid,

    /// <summary>The input cannot be read (not JSON, not text).</summary>
    Malformed,

    /// <summary>No such subject, record, campaign … in this tenant.</summary>
    NotFound,

    /// <summary>The state changed or conflicts (taken, already sent, busy).</summary>
    Conflict,

    /// <summary>A compliance rule refused it (the failure names the rule).</summary>
    Refused,
}

/// <summary>
/// Why a use case did not do what was asked, in domain terms: a kind, a problem code, plain words and, when a compliance
/// rule decided, the rule and its citation. Never patient data.
/// </summary>
public sealed record Failure(FailureKind Kind, string Code, string Title, string Detail, string? Rule = null, string? Citation = null)
{
    /// <summary>Field (or element path) → what is wrong with it.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>The use case already wrote the refusal's audit entry (with its own record, in one transaction): the caller must not audit it again.</summary>
    public bool Recorded { get; init; }

    public static Failure Invalid(IReadOnlyDictionary<string, string[]> errors, string? rule = null, string? citation = null)
        => new(FailureKind.Invalid, "validation.failed", "Validation failed", "One or more fields are invalid; see errors.", rule, citation) { Errors = errors };

    public static Failure Invalid(string field, string message, string? rule = null, string? citation = null)
        => Invalid(new Dictionary<string, string[]> { [field] = [message] }, rule, citation);

    public static Failure Malformed(string detail) => new(FailureKind.Malformed, "request.malformed", "Malformed request", detail);

    public static Failure NotFound(string what) => new(FailureKind.NotFound, "not-found", "Not found", $"No {what} with this id in this tenant.");

    public static Failure Conflict(string code, string detail) => new(FailureKind.Conflict, code, "Conflict", detail);

    /// <summary>A compliance refusal as a failure (its kind from the refusal's status: 409 a conflict, 422 invalid, else refused).</summary>
    public static Failure From(Refusal refusal, string? detail = null)
    {
        Guard.NotNull(refusal);
        var kind = refusal.Status switch
        {
            409 => FailureKind.Conflict,
            422 => FailureKind.Invalid,
            404 => FailureKind.NotFound,
            _ => FailureKind.Refused,
        };
        return new(kind, refusal.Code, refusal.Title, detail ?? refusal.Detail, refusal.Rule, refusal.Citation);
    }
}

/// <summary>A use case's outcome: a value, or the <see cref="Failure"/> that stopped it.</summary>
public readonly struct Result<T>
{
    private Result(T? value, Failure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public Failure? Failure { get; }

    [MemberNotNullWhen(true, nameof(Failure))]
    [MemberNotNullWhen(false, nameof(Value))]
    public bool Failed => Failure is not null;

    public static implicit operator Result<T>(T value) => new(Guard.NotNullValue(value), null);

    public static implicit operator Result<T>(Failure failure) => new(default, Guard.NotNull(failure));
}
