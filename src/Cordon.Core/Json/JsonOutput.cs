using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Cordon.Core.Json;

/// <summary>
/// How Cordon writes the JSON that people and clients read (API responses, problems, exports, the command line's
/// <c>--json</c>): Chinese as Chinese (<c>"张伟"</c>, not <c>"\u5F20\u4F1F"</c>). The characters HTML gives a meaning
/// to (<c>&lt; &gt; &amp; ' "</c>) and control characters stay escaped, so the same text is safe where it lands in a
/// page; unlike <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>, nothing HTML-sensitive is let through.
/// </summary>
public static class JsonOutput
{
    /// <summary>Every Basic Multilingual Plane letter as itself; HTML-sensitive and control characters escaped.</summary>
    public static JavaScriptEncoder Encoder { get; } = JavaScriptEncoder.Create(UnicodeRanges.All);

    /// <summary>Writer options with <see cref="Encoder"/> (compact).</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = Encoder };
}
