using System.Text.Json.Nodes;
using Cordon.Server.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Cordon.Server.Hosting;

/// <summary>
/// Completes the OpenAPI document from endpoint metadata: the bearer requirement and roles, the X-Purpose and
/// X-Justification headers of record endpoints, the problem responses every endpoint can give, and (through
/// <see cref="OpenApiOperations"/>) each operation's id and request example.
/// </summary>
internal static class OpenApiConventions
{
    private static readonly (string Status, string Description)[] ProblemResponses =
    [
        ("400", "request.malformed, purpose.missing, purpose.unknown"),
        ("401", "auth.unauthenticated"),
        ("403", "a compliance refusal: code, rule and citation (consent.missing, access.*, minimization.*, tenant.service-not-allowed)"),
        ("404", "not-found"),
        ("413", "request.too-large"),
        ("415", "request.unsupported-media-type"),
        ("422", "validation.failed, catalog.unknown-type, catalog.unclassified-field"),
    ];

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas["Problem"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "RFC 9457 problem details with Cordon's members.",
                Required = new HashSet<string> { "type", "title", "status", "code", "traceId" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                    ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "stable problem code, e.g. consent.missing" },
                    ["rule"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "the rule R01…R60 that decided, when one did" },
                    ["citation"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "the law behind the rule" },
                    ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["errors"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "field or element path → messages" },
                },
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var roles = metadata.OfType<AllowedRoles>().FirstOrDefault();
            var action = metadata.OfType<AuditAction>().FirstOrDefault();
            if (roles is null || action is null)
            {
                return Task.CompletedTask;
            }

            var document = context.Document;
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            operation.Description = $"{operation.Description}\n\nRoles: {string.Join(", ", roles.Roles.Select(r => Core.Access.RoleNames.ToKey(r)).Order(StringComparer.Ordinal))}. Audit action: `{action.Name}`.".Trim();
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions["x-cordon-audit-action"] = new JsonNodeExtension(JsonValue.Create(action.Name));
            if (metadata.OfType<PurposeRequired>().Any())
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = Call.PurposeHeader,
                    In = ParameterLocation.Header,
                    Required = true,
                    Description = "The purpose of processing, a purpose key of the profile (e.g. consultation).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = Call.JustificationHeader,
                    In = ParameterLocation.Header,
                    Description = "Break-glass or level-5 justification; percent-encoded UTF-8. Sealed into the audit entry.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }

            operation.Responses ??= new OpenApiResponses();
            foreach (var (status, description) in ProblemResponses)
            {
                operation.Responses.TryAdd(status, new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference("Problem", document) },
                    },
                });
            }

            return Task.CompletedTask;
        });
        OpenApiOperations.Configure(options);
    }
}
