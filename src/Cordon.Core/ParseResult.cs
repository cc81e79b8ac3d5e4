namespace Cordon.Core;

/// <summary>
/// The outcome of parsing untrusted text: a value, or a plain reason why the text is not one.
/// The reason never repeats the input, so it is safe to log or return to a client.
/// </summary>
public readonly struct ParseResult<T>
    where T : class
{
    private readonly T? _value;

    private ParseResult(T? value, string? error)
    {
        _value = value;
        Error = error;
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(ValueOrNull))]
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Error))]
    public bool Success => _value is not null;

    /// <summary>The parsed value; throws when parsing failed.</summary>
    public T Value => _value ?? throw new InvalidOperationException($"Parsing failed: {Error}");

    public T? ValueOrNull => _value;

    /// <summary>Why parsing failed (null on success). Never contains the input.</summary>
    public string? Error { get; }

    public static ParseResult<T> Ok(T value) => new(Guard.NotNull(value), null);

    public static ParseResult<T> Fail(string error) => new(null, Guard.NotEmpty(error));

    public bool TryGetValue([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? value)
    {
        value = _value;
        return value is not null;
    }

    public override string ToString() => Success ? "parsed" : $"failed: {Error}";
}
