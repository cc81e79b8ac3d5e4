using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;

namespace Cordon.Server.Http;

/// <summary>
/// Typed success results. A handler declares what it answers in its return type
/// (<c>Task&lt;Results&lt;JsonOk&lt;T&gt;, Problem&gt;&gt;</c>), and the OpenAPI document reads the status and body
/// schema from there: no hand-written <c>.Produces&lt;T&gt;()</c> to drift from what the handler returns. Each body
/// is written with its feature's source-generated type info (the strict options), never by reflection.
/// </summary>
public static class Api
{
    /// <summary>200 with a JSON body.</summary>
    public static JsonOk<T> Ok<T>(T value, JsonTypeInfo<T> typeInfo) => new(value, typeInfo);

    /// <summary>201 with the new resource's address in <c>Location</c> (where it has one) and its JSON representation.</summary>
    public static JsonCreated<T> Created<T>(string? location, T value, JsonTypeInfo<T> typeInfo) => new(location, value, typeInfo);

    /// <summary>202: accepted for work that goes on after the response, with a JSON report.</summary>
    public static JsonAccepted<T> Accepted<T>(T value, JsonTypeInfo<T> typeInfo) => new(value, typeInfo);

    internal static void Produces<T>(EndpointBuilder builder, int status)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(T), ["application/json"]));
    }
}

/// <summary>200 with a JSON body of <typeparamref name="T"/>.</summary>
public sealed class JsonOk<T>(T value, JsonTypeInfo<T> typeInfo) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult<T>
{
    public T Value => value;

    public int? StatusCode => StatusCodes.Status200OK;

    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.Json(value, typeInfo).ExecuteAsync(httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Api.Produces<T>(builder, StatusCodes.Status200OK);
}

/// <summary>201 with <c>Location</c> and a JSON body of <typeparamref name="T"/>.</summary>
public sealed class JsonCreated<T>(string? location, T value, JsonTypeInfo<T> typeInfo) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult<T>
{
    public string? Location => location;

    public T Value => value;

    public int? StatusCode => StatusCodes.Status201Created;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (location is not null)
        {
            httpContext.Response.Headers.Location = location;
        }

        return TypedResults.Json(value, typeInfo, statusCode: StatusCodes.Status201Created).ExecuteAsync(httpContext);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Api.Produces<T>(builder, StatusCodes.Status201Created);
}

/// <summary>202 with a JSON body of <typeparamref name="T"/>.</summary>
public sealed class JsonAccepted<T>(T value, JsonTypeInfo<T> typeInfo) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult<T>
{
    public T Value => value;

    public int? StatusCode => StatusCodes.Status202Accepted;

    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.Json(value, typeInfo, statusCode: StatusCodes.Status202Accepted).ExecuteAsync(httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Api.Produces<T>(builder, StatusCodes.Status202Accepted);
}
