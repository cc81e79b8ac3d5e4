using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cordon.Server.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Cordon.Server.Http;

/// <summary>Either a value or the problem that stopped it.</summary>
public readonly record struct Outcome<T>(T? Value, Problem? Problem)
{
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Problem))]
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Value))]
    public bool Failed => Problem is not null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Problem problem) => new(default, problem);
}

/// <summary>
/// Reads request bodies strictly: JSON content types only, a size limit enforced before and while reading, UTF-8
/// text only (no lone surrogates, no control characters in strings), no duplicate properties, no comments, bounded
/// depth. Errors name a position, never the content.
/// </summary>
public sealed class RequestBody(IOptions<CordonServerOptions> options)
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, AllowDuplicateProperties = false };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly long _limit = options.Value.MaxBodyBytes;

    public async Task<Outcome<byte[]>> ReadAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!IsJson(request.ContentType))
        {
            return Problem.UnsupportedMediaType(request.ContentType);
        }

        var body = await ReadBytesAsync(context);
        if (body.Failed)
        {
            return body;
        }

        if (body.Value.Length == 0)
        {
            return Problem.Malformed("The body is empty; send a JSON document.");
        }

        // Nothing is stored that could not be written back out as valid JSON: refused here, for every endpoint.
        return Core.Json.StrictJson.Check(body.Value) is { } bad
            ? Problem.Malformed($"The body is not text Cordon can store: {bad}.")
            : body;
    }

    /// <summary>
    /// Reads a UTF-8 text body of one of <paramref name="mediaTypes"/> (a YAML profile) under the same size limit as JSON
    /// bodies. Empty bodies and bytes that are not UTF-8 are refused.
    /// </summary>
    public async Task<Outcome<string>> ReadTextAsync(HttpContext context, params string[] mediaTypes)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mediaTypes);
        var contentType = context.Request.ContentType;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media)
            || (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            || !mediaTypes.Any(t => media.MediaType.Equals(t, StringComparison.OrdinalIgnoreCase)))
        {
            return new Problem(415, "request.unsupported-media-type", "Unsupported media type", $"Send UTF-8 text with Content-Type: {string.Join(" or ", mediaTypes)}; got '{Problem.Sanitize(contentType)}'.");
        }

        var body = await ReadBytesAsync(context);
        if (body.Failed)
        {
            return body.Problem;
        }

        if (body.Value.Length == 0)
        {
            return Problem.Malformed("The body is empty.");
        }

        try
        {
            return StrictUtf8.GetString(body.Value);
        }
        catch (DecoderFallbackException)
        {
            return Problem.Malformed("The body is not UTF-8 text.");
        }
    }

    private async Task<Outcome<byte[]>> ReadBytesAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > _limit)
        {
            return Problem.TooLarge(_limit);
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, _limit) + 1);
        var stream = request.Body;
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            int read;
            try
            {
                read = await stream.ReadAsync(memory, context.RequestAborted);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return Problem.TooLarge(_limit);
            }

            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > _limit)
            {
                return Problem.TooLarge(_limit);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses a JSON document; the caller disposes it.</summary>
    public static Outcome<JsonDocument> Parse(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Problem.Malformed($"The body is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}).");
        }
    }

    /// <summary>Deserializes a request DTO; unknown members, wrong types, missing required members and duplicates are refused.</summary>
    public static Outcome<T> Deserialize<T>(byte[] body, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize(body, typeInfo);
            return value is null ? Problem.Malformed("The body must be a JSON object, not null.") : value;
        }
        catch (JsonException ex)
        {
            var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "the body" : Problem.Sanitize(ex.Path);
            var why = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a member of this request"
                : ex.Message.Contains("missing required", StringComparison.Ordinal) ? "lacks a required member"
                : ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) ? "repeats a member"
                : "has the wrong type or is not valid JSON";
            return Problem.Malformed($"{where} {why} (line {(ex.LineNumber ?? 0) + 1}).");
        }
    }

    public async Task<Outcome<T>> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        var body = await ReadAsync(context);
        return body.Failed ? body.Problem : Deserialize(body.Value, typeInfo);
    }

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }

        var charsetOk = !media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
        return charsetOk && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Equals("application/fhir+json", StringComparison.OrdinalIgnoreCase));
    }
}
