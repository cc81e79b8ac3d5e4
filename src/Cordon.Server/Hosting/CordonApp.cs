using System.Text.Json;
using Cordon.Server.Audit;
using Cordon.Server.Auth;
using Cordon.Server.Care;
using Cordon.Server.Consent;
using Cordon.Server.Console;
using Cordon.Server.Decisions;
using Cordon.Server.Health;
using Cordon.Server.Http;
using Cordon.Server.Marketing;
using Cordon.Server.Notice;
using Cordon.Server.Personalisation;
using Cordon.Server.Records;
using Cordon.Server.Retention;
using Cordon.Server.Rights;
using Cordon.Server.Sharing;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Audit;
using Cordon.Storage.Keys;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.IdentityModel.Tokens;
using Microsoft.OpenApi;

namespace Cordon.Server.Hosting;

/// <summary>A running (or runnable) Cordon server: the web application and the store and keys it owns.</summary>
public sealed class CordonHost : IAsyncDisposable
{
    internal CordonHost(WebApplication app, ICordonStore store, TenantRegistry tenants, AuditWitness witness, CordonServerOptions options)
    {
        App = app;
        Store = store;
        Tenants = tenants;
        Witness = witness;
        Options = options;
    }

    /// <summary>The local witness every checkpoint is written to.</summary>
    public AuditWitness Witness { get; }

    public WebApplication App { get; }

    public ICordonStore Store { get; }

    public TenantRegistry Tenants { get; }

    public CordonServerOptions Options { get; }

    /// <summary>The addresses Kestrel listens on, once started.</summary>
    public IReadOnlyList<string> Addresses => [.. App.Urls];

    public Task StartAsync(CancellationToken cancellationToken = default) => App.StartAsync(cancellationToken);

    public Task RunAsync(CancellationToken cancellationToken = default) => App.RunAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync();
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
        await Store.DisposeAsync();
    }
}

/// <summary>Builds the Cordon server: store, keys, tenants, authentication, endpoint groups, problems, OpenAPI.</summary>
public static partial class CordonApp
{
    /// <summary>Opens the data directory (creating it and its key file), the store, and builds the app.</summary>
    public static async Task<CordonHost> CreateAsync(CordonServerOptions options, TimeProvider? time = null, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        PrivateFiles.EnsureDataDirectory(options.DataDirectory);
        var keys = KeyFile.OpenOrCreate(KeyFile.PathIn(options.DataDirectory));
        var store = await CordonStores.OpenAsync(options.DataDirectory, options.Database, cancellationToken);
        try
        {
            var tenants = new TenantRegistry(keys);
            await tenants.LoadAsync(store, cancellationToken);
            var witness = AuditWitness.For(options.DataDirectory, options.WitnessDirectory);
            var app = Build(options, store, tenants, witness, time ?? TimeProvider.System, configure);
            return new CordonHost(app, store, tenants, witness, options);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    private static WebApplication Build(CordonServerOptions options, ICordonStore store, TenantRegistry tenants, AuditWitness witness, TimeProvider time, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", options.RequestLogging ? LogLevel.Information : LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        var services = builder.Services;
        if (options.AccessLogRetentionDays < CordonServerOptions.AccessLogMinimumDays)
        {
            throw new InvalidOperationException($"The access log is kept at least {CordonServerOptions.AccessLogMinimumDays} days (Cybersecurity Law Art. 21, R44), not {options.AccessLogRetentionDays}.");
        }

        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddSingleton(store);
        services.AddSingleton<IAccessLogStore>(store);
        services.AddSingleton<Security.AccessLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<Security.AccessLogWriter>());
        services.AddHostedService<Security.AccessLogRetentionService>();

        // Each facet of the store by itself, for the consumers that need only that one.
        services.AddSingleton<ITenantStore>(store);
        services.AddSingleton<IAuditLog>(store);
        services.AddSingleton<IRightsStore>(store);
        services.AddSingleton(tenants);
        services.AddSingleton(witness);
        services.AddSingleton(time);
        services.AddSingleton<RequestBody>();
        services.AddSingleton<ISharedState>(store);
        services.AddSingleton<JobLeases>();
        services.AddHostedService<CheckpointService>();
        services.AddSingleton<CalendarCache>();
        services.AddHostedService<SharedStateService>();
        services.AddHostedService<RetentionService>();
        services.AddSingleton(PortabilityClient.Create(options.PortabilityAllowInsecureTargets));
        services.AddSingleton(new RecipientDelivery(options.PortabilityAllowInsecureTargets));
        // A query parameter that does not bind (limit=abc) throws, so the problem can name the parameter and what it takes.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Encoder = Core.Json.JsonOutput.Encoder;

            // Each feature owns its JSON context; the host only lists them, for results and the OpenAPI schemas.
            foreach (var context in FeatureJson)
            {
                o.SerializerOptions.TypeInfoResolverChain.Add(context);
            }
        });
        services.AddSingleton<AnonymousFailures>();
        services.AddSingleton<ITokenRevocations>(store);
        services.AddSingleton<TokenRevocationList>();
        services.AddHostedService<TokenRevocationService>();
        services.AddHostedService<AnonymousFailureService>();
        services.AddSingleton<UnsubscribeLinks>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService<OutboxService>();
        services.AddAuthorization();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o => ConfigureJwt(o, options, tenants, TimeProvider.System));
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Cordon",
                    Version = "v1",
                    Description = "Privacy and compliance core for internet healthcare in China: encrypted vault, purpose-bound decisions, consent ledger, tamper-evident audit. Errors are application/problem+json with code, and rule and citation when a compliance rule decided. Send Authorization: Bearer <token> and, for subject data, X-Purpose.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT" };
                return Task.CompletedTask;
            });
            OpenApiConventions.Configure(o);
        });
        configure?.Invoke(builder);

        var app = builder.Build();
        if (options.AccessLog)
        {
            app.Use(Security.AccessLogWriter.Middleware(app.Services));
        }

        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = HandleExceptionAsync, SuppressDiagnosticsCallback = _ => true });
        app.UseStatusCodePages(StatusCodeProblemAsync);
        app.UseAuthentication();
        app.UseAuthorization();

        var v1 = app.MapGroup("/v1");
        v1.MapGroup("/subjects").WithTags("Subjects").MapSubjects().MapSubjectState().MapConsents().MapAutomatedDecisions().MapCareTeam().MapSubjectRecords().MapSubjectConsultations();
        v1.MapGroup("/records").WithTags("Records").MapRecords().MapRecordDeletion();
        v1.MapGroup("/decisions").WithTags("Decisions").MapDecisions();
        v1.MapGroup("/audit").WithTags("Audit").MapAudit();
        v1.MapGroup("/rights-requests").WithTags("Rights").MapRightsRequests();
        v1.MapGroup("/calendar").WithTags("Rights").MapCalendar();
        v1.MapGroup("/legal-holds").WithTags("Retention").MapLegalHolds();
        v1.MapGroup("/retention").WithTags("Retention").MapRetention();
        v1.MapGroup("/subjects").WithTags("Personalisation").MapUserTags();
        v1.MapGroup("/profile").WithTags("Profile").MapProfilePublishing();
        v1.MapGroup("/consent-renewals").WithTags("Consent").MapConsentRenewals();
        v1.MapGroup("/campaigns").WithTags("Marketing").MapCampaigns();
        v1.MapGroup("/token-revocations").WithTags("Security").MapTokenRevocations();
        v1.MapGroup("/me").WithTags("Security").MapMe();
        v1.MapGroup("/recipients").WithTags("Sharing").MapRecipients();
        v1.MapGroup("/assessments").WithTags("Sharing").MapAssessments();
        v1.MapGroup("/disclosures").WithTags("Sharing").MapDisclosures();
        v1.MapGroup("/crossborder").WithTags("Sharing").MapCrossBorder();
        v1.MapGroup("/practitioners").WithTags("Care").MapPractitioners();
        v1.MapGroup("/prescriptions").WithTags("Care").MapPrescriptions();
        Security.AccessLogEndpoints.MapAccessLog(v1.MapGroup("/access-log").WithTags("Security"));
        app.MapUnsubscribe();
        app.MapPrivacyNotice();
        app.MapHealth();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapApiReference();
        app.MapConsole();
        app.MapGet("/", () => Results.Redirect("/console/")).ExcludeFromDescription();
        return app;
    }

    /// <summary>Each feature's strict JSON context: the request and response contracts, and the OpenAPI schemas.</summary>
    internal static readonly System.Text.Json.Serialization.JsonSerializerContext[] FeatureJson =
    [
        ApiJson.Strict, Audit.AuditJson.Strict, Auth.AuthJson.Strict, Care.CareJson.Strict, Care.AutomatedDecisionJson.Strict, Consent.ConsentJson.Strict,
        Decisions.DecisionsJson.Strict, Marketing.MarketingJson.Strict, Personalisation.PersonalisationJson.Strict, SharingJson.Strict,
        Records.RecordsJson.Strict, Retention.RetentionJson.Strict, Rights.RightsApiJson.Strict, Subjects.SubjectsApiJson.Strict,
        Tenancy.TenancyJson.Strict, Security.SecurityJson.Strict,
    ];

    private static void ConfigureJwt(JwtBearerOptions o, CordonServerOptions options, TenantRegistry tenants, TimeProvider clock)
    {
        o.MapInboundClaims = false;

        // Nothing reads the raw token back from the authentication properties; storing it cost every request an allocation.
        o.SaveToken = false;
        if (!string.IsNullOrWhiteSpace(options.Authority))
        {
            o.Authority = options.Authority;
            o.Audience = options.Audience;
            o.RequireHttpsMetadata = options.RequireHttpsMetadata;
            o.TokenValidationParameters = new TokenValidationParameters { NameClaimType = "sub", RoleClaimType = options.RoleClaim };
        }
        else
        {
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = TokenIssuer.Issuer,
                ValidAudience = TokenIssuer.Audience,
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = "sub",
                RoleClaimType = Actor.RoleClaim,
                IssuerSigningKeyResolver = (_, _, kid, _) => tenants.Find(kid) is { } t ? [t.TokenSigningKey] : [],
            };

            // Tokens are checked against the system clock (as the validator does); a validated token is remembered until it expires.
            o.TokenHandlers.Clear();
            o.TokenHandlers.Add(new CachingTokenHandler(clock));
        }

        o.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                // A tenant's key signs only that tenant's tokens.
                if (string.IsNullOrWhiteSpace(options.Authority)
                    && context.SecurityToken is Microsoft.IdentityModel.JsonWebTokens.JsonWebToken jwt
                    && !string.Equals(jwt.Kid, context.Principal?.FindFirst(Actor.TenantClaim)?.Value, StringComparison.Ordinal))
                {
                    context.Fail("The token's tenant does not match its signing key.");
                    return Task.CompletedTask;
                }

                // Revoked tokens (one by its id, or all of an actor up to a time) are refused by every node.
                var principal = context.Principal;
                var tenant = principal?.FindFirst(Actor.TenantClaim)?.Value ?? options.DefaultTenant;
                var actor = principal?.FindFirst("sub")?.Value;
                if (actor is not null && context.HttpContext.RequestServices.GetRequiredService<TokenRevocationList>().IsRevoked(
                        tenant,
                        principal!.FindFirst("jti")?.Value,
                        actor,
                        context.SecurityToken is Microsoft.IdentityModel.JsonWebTokens.JsonWebToken { IssuedAt: var iat } && iat != DateTime.MinValue ? new DateTimeOffset(iat, TimeSpan.Zero) : null))
                {
                    context.Fail(new TokenRevokedException());
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var code = context.AuthenticateFailure switch
                {
                    null => "auth.no-token",
                    TokenRevokedException => "auth.token-revoked",
                    _ => "auth.invalid-token",
                };
                context.HttpContext.RequestServices.GetRequiredService<AnonymousFailures>().Record("auth.failed", code, context.HttpContext.Connection.RemoteIpAddress);
                if (context.AuthenticateFailure is TokenRevokedException)
                {
                    await new Problem(401, "auth.token-revoked", "Token revoked", "This bearer token was revoked; ask for a new one.").ExecuteAsync(context.HttpContext);
                    return;
                }

                var detail = context.AuthenticateFailure switch
                {
                    null => "Send Authorization: Bearer <token> (cordon token issues one).",
                    SecurityTokenExpiredException => "The bearer token has expired; ask for a new one (tokens are short-lived: an hour unless issued otherwise).",
                    _ => "The bearer token is not valid for this server.",
                };
                await Problem.Unauthenticated(detail).ExecuteAsync(context.HttpContext);
            },
        };
    }

    private static async Task HandleExceptionAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            var limit = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<CordonServerOptions>>().Value.MaxBodyBytes;
            await Problem.TooLarge(limit).ExecuteAsync(context);
            return;
        }

        if (error is BadHttpRequestException bad)
        {
            await (Problem.FromBinding(bad.Message) ?? new Problem(bad.StatusCode, "request.malformed", "Malformed request", "The HTTP request could not be read.")).ExecuteAsync(context);
            return;
        }

        // The store's domain errors, translated from the database's in one place (the write path), become problems here,
        // in one place, and are audited as the refusals they are.
        var storeProblem = error switch
        {
            Storage.SubjectKeyChangedException => Problem.SubjectChanged(),
            Storage.WriteConflictException => Problem.Conflict("conflict", "Another request changed the same thing at the same moment (on this or another node); nothing of this one was stored. Read the current state and try again."),
            _ => null,
        };
        if (storeProblem is not null)
        {
            if (context.Items.ContainsKey(Call.ItemKey) && Call.Resolve(context) is { Unauthenticated: false } call)
            {
                var subject = (error as Storage.SubjectKeyChangedException)?.SubjectId ?? call.AuditSubject;
                await call.Store.AppendAsync(call.Audit(Core.Audit.AuditOutcome.Deny, call.AuditPurpose, subject) with { Code = storeProblem.Code }, CancellationToken.None);
            }

            await storeProblem.ExecuteAsync(context);
            return;
        }

        if (error is JsonException)
        {
            await Problem.Malformed("The body is not valid JSON for this endpoint.").ExecuteAsync(context);
            return;
        }

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cordon.Server");
        if (error is not null)
        {
            LogUnhandled(logger, error.GetType().Name, context.TraceIdentifier, error);
        }

        await new Problem(500, "server.error", "Server error", $"Cordon could not complete the request; quote trace id {context.TraceIdentifier} to the operator.").ExecuteAsync(context);
    }

    private static async Task StatusCodeProblemAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (http.Response.HasStarted || http.Response.ContentLength > 0 || http.Response.ContentType is not null)
        {
            return;
        }

        var problem = http.Response.StatusCode switch
        {
            404 => new Problem(404, "not-found", "Not found", "No such endpoint; see /openapi/v1.json."),
            405 => new Problem(405, "request.method-not-allowed", "Method not allowed", "This endpoint does not accept this HTTP method."),
            415 => Problem.UnsupportedMediaType(http.Request.ContentType),
            401 => Problem.Unauthenticated("Send Authorization: Bearer <token>."),
            403 => new Problem(403, "access.forbidden", "Forbidden", "Not allowed."),
            _ => new Problem(http.Response.StatusCode, "request.failed", "Request failed", "The request failed."),
        };
        await problem.ExecuteAsync(http);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled {ExceptionType} in request {TraceId}")]
    private static partial void LogUnhandled(ILogger logger, string exceptionType, string traceId, Exception exception);
}
