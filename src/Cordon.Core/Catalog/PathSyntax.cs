namespace Cordon.Core.Catalog;

internal enum SegmentKind : byte
{
    /// <summary>A JSON property name.</summary>
    Exact,

    /// <summary><c>value[x]</c>: any property named by the prefix and an upper-case letter (<c>valueQuantity</c>).</summary>
    Choice,

    /// <summary>A final <c>*</c>: every descendant.</summary>
    Wildcard,
}

internal readonly record struct PathSegment(string Name, SegmentKind Kind);

/// <summary>The syntax of catalog paths: dot-joined property names, <c>name[x]</c> choice segments, an optional final <c>*</c>.</summary>
internal static class PathSyntax
{
    public const string Discriminator = "resourceType";

    public static bool TryParse(string? path, out PathSegment[] segments, out string? error)
    {
        segments = [];
        if (string.IsNullOrEmpty(path))
        {
            error = "a path is not empty";
            return false;
        }

        var parts = path.Split('.');
        var result = new PathSegment[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part == "*")
            {
                if (i != parts.Length - 1 || i == 0)
                {
                    error = "'*' may only end a path, after at least one property name (name.*)";
                    return false;
                }

                result[i] = new PathSegment("*", SegmentKind.Wildcard);
                continue;
            }

            var kind = SegmentKind.Exact;
            var name = part;
            if (part.EndsWith("[x]", StringComparison.Ordinal))
            {
                kind = SegmentKind.Choice;
                name = part[..^3];
            }

            if (!IsName(name))
            {
                error = $"'{part}' is not a property name (letters, digits and '_', starting with a letter or '_'; 'name[x]' for a choice)";
                return false;
            }

            result[i] = new PathSegment(name, kind);
        }

        if (result[0] is { Kind: SegmentKind.Exact, Name: Discriminator } && result.Length == 1)
        {
            error = "resourceType is the type discriminator and is never classified";
            return false;
        }

        segments = result;
        error = null;
        return true;
    }

    private static bool IsName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a JSON property name is matched by a choice segment's prefix (<c>value</c> matches <c>valueQuantity</c>, not <c>value</c> or <c>values</c>).</summary>
    public static bool MatchesChoice(ReadOnlySpan<char> propertyName, string prefix)
        => propertyName.Length > prefix.Length
            && propertyName.StartsWith(prefix, StringComparison.Ordinal)
            && char.IsAsciiLetterUpper(propertyName[prefix.Length]);

    /// <inheritdoc cref="MatchesChoice(ReadOnlySpan{char}, string)"/>
    public static bool MatchesChoice(ReadOnlySpan<byte> propertyName, ReadOnlySpan<byte> prefix)
        => propertyName.Length > prefix.Length
            && propertyName.StartsWith(prefix)
            && char.IsAsciiLetterUpper((char)propertyName[prefix.Length]);
}
