namespace Cordon.Server.Hosting;

/// <summary>How a Cordon server runs. Bound from the command line, environment (CORDON_*) and configuration.</summary>
public sealed class CordonServerOptions
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>The data directory: key file, SQLite database.</summary>
    public string DataDirectory { get; set; } = "cordon-data";

    /// <summary>A PostgreSQL URL or connection string; null for the embedded SQLite file.</summary>
    public string? Database { get; set; }

    public string Urls { get; set; } = DefaultUrls;

    /// <summary>Request bodies above this many bytes are refused with 413 <c>request.too-large</c>.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How often the audit chain is sealed by a signed checkpoint (when it has grown), written to the witness and the
    /// store. This is the window: entries written since the last witnessed checkpoint are the only ones that someone
    /// holding the database alone could remove without verification noticing.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where the local witness files are kept (default: <c>audit-witness</c> in the data directory).</summary>
    public string? WitnessDirectory { get; set; }

    /// <summary>An external witness: every checkpoint line is also POSTed here (an operator's log collector), retried until taken.</summary>
    public string? WitnessUrl { get; set; }

    /// <summary>The tenant used when a request names none (the public privacy notice, an external OIDC issuer).</summary>
    public string DefaultTenant { get; set; } = "default";

    /// <summary>An external OpenID Connect issuer. When set, tokens are validated against it instead of the tenant keys.</summary>
    public string? Authority { get; set; }

    public string Audience { get; set; } = "cordon";

    /// <summary>Require HTTPS for the external issuer's metadata (turn off only for an issuer on loopback).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The claim carrying the role when tokens come from an external issuer.</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>Log requests at information level (paths and status only, never bodies).</summary>
    public bool RequestLogging { get; set; }

    /// <summary>
    /// Let portability deliver to http:// and to loopback or private addresses. Off by default: a patient-named endpoint
    /// must be public https, so that a request cannot make the server call into the operator's own network.
    /// </summary>
    public bool PortabilityAllowInsecureTargets { get; set; }

    /// <summary>This node's name among the nodes sharing one store (default: host, process id and a random suffix).</summary>
    public string? NodeId { get; set; }

    /// <summary>How long a node holds a periodic job once it started it, at most: another node takes over after it lapses.</summary>
    public TimeSpan JobLease { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The network access log (R44): how many days segments are kept before the retention job prunes them; at least 183 (Cybersecurity Law Art. 21).</summary>
    public int AccessLogRetentionDays { get; set; } = AccessLogMinimumDays;

    /// <summary>The legal floor of <see cref="AccessLogRetentionDays"/>: six months.</summary>
    public const int AccessLogMinimumDays = 183;

    /// <summary>Write the network access log (on by default; off only to measure what it costs).</summary>
    public bool AccessLog { get; set; } = true;

    /// <summary>How often the retention job runs (zero: never; <c>cordon retention run</c> still works).</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>The operator's gateway per marketing channel (sms, push, email): each message is POSTed there as JSON.</summary>
    public Dictionary<string, string> MarketingWebhooks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often the outbox is polled for due messages (zero: never; <c>cordon campaign deliver</c> still works).</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delivery attempts per message before it is marked failed; the wait doubles after each (from <see cref="OutboxRetryDelay"/>).</summary>
    public int OutboxMaxAttempts { get; set; } = 5;

    public TimeSpan OutboxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The public address links in messages point to (this server as patients reach it), e.g. https://cordon.example.cn,
    /// for tenants whose profile names none (<c>operator.publicUrl</c>, which wins). Null: campaigns of such tenants
    /// are refused (<c>marketing.public-url-missing</c>) rather than sent with links nobody can open.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Failures of unauthenticated callers are counted per source over this window and chained once per window.</summary>
    public TimeSpan AnonymousFailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an unsubscribe link works.</summary>
    public TimeSpan UnsubscribeLinkLifetime { get; set; } = TimeSpan.FromDays(90);
}
