namespace Cordon.Core.Access;

/// <summary>
/// An actor id is an identifier (a user id, staff number, service name or an OpenID Connect subject), not free text:
/// 1 to 128 characters, ASCII letters and digits and <c>. _ - : @ + | /</c>, starting with a letter or digit. Anything
/// else (a comma, a space, a quote, a control or non-ASCII character) is refused where an id enters.
/// </summary>
public static class ActorIds
{
    public const int MaxLength = 128;

    public const string Description = "1 to 128 characters: ASCII letters, digits and . _ - : @ + | /, starting with a letter or digit";

    public static bool IsValid([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or ':' or '@' or '+' or '|' or '/'))
            {
                return false;
            }
        }

        return true;
    }
}
