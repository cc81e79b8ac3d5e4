using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Cordon.Core;

/// <summary>The one precondition helper: argument checks that throw for programming errors, never for user input.</summary>
public static class Guard
{
    public static T NotNull<T>([NotNull] T? value, [CallerArgumentExpression(nameof(value))] string? name = null)
        where T : class
        => value ?? throw new ArgumentNullException(name);

    /// <summary>A value of any type that must not be null (a result's value).</summary>
    public static T NotNullValue<T>([NotNull] T? value, [CallerArgumentExpression(nameof(value))] string? name = null)
        => value ?? throw new ArgumentNullException(name);

    public static string NotEmpty([NotNull] string? value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        return value;
    }

    public static void That([DoesNotReturnIf(false)] bool condition, string message, [CallerArgumentExpression(nameof(condition))] string? expression = null)
    {
        if (!condition)
        {
            throw new ArgumentException($"{message} ({expression})");
        }
    }
}
