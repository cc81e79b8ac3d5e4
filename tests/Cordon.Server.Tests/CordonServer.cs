using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Core.Identifiers;
using Cordon.Server.Auth;
using Cordon.Server.Hosting;
using Cordon.Server.Tenancy;
using Cordon.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Cordon.Server.Tests;

/// <summary>
/// A real Cordon server for one test class: a fresh data directory, the default profile, Kestrel on a free
/// loopback port, and an HttpClient. Cordon's clock is a <see cref="FakeTimeProvider"/> the test can move.
/// Every log line is captured so tests can prove patient data never reaches one.
/// </summary>
public sealed class CordonServer : IAsyncDisposable
{
    public const string Tenant = "default";
    private static int _externalIds;

    private CordonServer(CordonHost host, string directory, FakeTimeProvider time, CapturedLogs logs, string? postgres)
    {
        Host = host;
        Directory = directory;
        Time = time;
        Logs = logs;
        Postgres = postgres;
        Http = new HttpClient { BaseAddress = new Uri(host.Addresses[0]) };
    }

    public CordonHost Host { get; }

    public string Directory { get; }

    public FakeTimeProvider Time { get; }

    public CapturedLogs Logs { get; }

    public string? Postgres { get; }

    public HttpClient Http { get; }

    public TenantContext TenantContext => Host.Tenants.Find(Tenant)!;

    public string NoticeVersion => TenantContext.NoticeVersion;

    public static async Task<CordonServer> StartAsync(bool postgres = false, long maxBodyBytes = 1024 * 1024, bool nationalSuite = false, Action<CordonServerOptions>? configure = null, Func<string, string>? editProfile = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("cordon-server-").FullName;
        string? database = null;
        if (postgres)
        {
            database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        }

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CordonServerOptions { DataDirectory = directory, Database = database, Urls = "http://127.0.0.1:0", MaxBodyBytes = maxBodyBytes, CheckpointInterval = TimeSpan.FromHours(1), AnonymousFailureWindow = TimeSpan.FromHours(1), RetentionInterval = TimeSpan.Zero, PortabilityAllowInsecureTargets = true };
        configure?.Invoke(options);
        var profile = BuiltInProfiles.Load();
        if (nationalSuite || editProfile is not null)
        {
            var text = BuiltInProfiles.Text(BuiltInProfiles.Default);
            text = nationalSuite ? text.Replace("cryptoSuite: standard", "cryptoSuite: national", StringComparison.Ordinal) : text;
            text = editProfile is null ? text : editProfile(text);
            var loaded = Core.Profiles.ProfileLoader.Load(text, "national.yaml");
            Assert.True(loaded.Succeeded, string.Join("; ", loaded.Errors));
            profile = loaded.Profile;
        }

        await DataDirectory.InitializeAsync(directory, database, Tenant, profile, time.GetUtcNow(), CancellationToken.None);
        var logs = new CapturedLogs();
        var host = await CordonApp.CreateAsync(options, time, builder => builder.Logging.AddProvider(logs));
        await host.StartAsync();
        return new CordonServer(host, directory, time, logs, database);
    }

    public string Token(Role role, string actor, string? subject = null, bool automated = false)
        => TokenIssuer.Issue(new TokenRequest(Tenant, actor, role, subject, Automated: automated), Host.Tenants.Keys.Find(Tenant)!.TokenKey, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

    /// <summary>An eligible practitioner's register entry: verified, licensed, registered here, <paramref name="years"/> of independent practice, consented to online practice.</summary>
    public Dictionary<string, object?> PractitionerBody(Role role, string actor, int years = 8)
    {
        var today = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime.AddHours(8));
        return new Dictionary<string, object?>
        {
            ["id"] = actor,
            ["role"] = role.ToKey(),
            ["name"] = "测试医师",
            ["realName"] = new { status = "verified", method = "id-card-and-face", verifiedOn = today.AddDays(-30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) },
            ["licence"] = role == Role.Physician ? "110101000000001" : "n-2019-0001",
            ["registration"] = new { kind = "this-institution", institution = "示例互联网医院", registeredOn = today.AddYears(-years).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) },
            ["independentPracticeSince"] = today.AddYears(-years).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["onlinePracticeConsentedOn"] = today.AddDays(-10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// Registers an eligible practitioner (R53), unless a test of the class already did, and returns their token: a
    /// clinician acting in an online consultation or prescription must be one.
    /// </summary>
    public async Task<string> PractitionerTokenAsync(Role role, string actor)
    {
        var (response, json) = await SendAsync(HttpMethod.Post, "/v1/practitioners", Admin, json: PractitionerBody(role, actor));
        var registered = response.StatusCode == System.Net.HttpStatusCode.Created
            || (response.StatusCode == System.Net.HttpStatusCode.Conflict && json?["code"]?.GetValue<string>() == "practitioner.exists");
        Assert.True(registered, json?.ToJsonString());
        return Token(role, actor);
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string? token, string? purpose = null, object? json = null, string? justification = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (purpose is not null)
        {
            request.Headers.Add("X-Purpose", purpose);
        }

        if (justification is not null)
        {
            request.Headers.Add("X-Justification", Uri.EscapeDataString(justification));
        }

        if (json is not null)
        {
            var text = json as string ?? JsonSerializer.Serialize(json);
            request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }

        return request;
    }

    public async Task<(HttpResponseMessage Response, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? token, string? purpose = null, object? json = null, string? justification = null)
    {
        using var request = Request(method, path, token, purpose, json, justification);
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public string App => Token(Role.App, "app-backend");

    public string Admin => Token(Role.Admin, "ops-admin");

    public string Dpo => Token(Role.Dpo, "dpo-wang");

    /// <summary>Registers an adult (or a child with a guardian) and returns the subject id.</summary>
    public async Task<string> CreateSubjectAsync(string birthDate = "1985-06-01", string? guardian = null, string? displayName = null)
    {
        var body = new Dictionary<string, object?> { ["externalId"] = $"user-{Interlocked.Increment(ref _externalIds)}-{Guid.NewGuid():N}", ["birthDate"] = birthDate };
        if (guardian is not null)
        {
            body["guardianSubjectId"] = guardian;
        }

        if (displayName is not null)
        {
            body["displayName"] = displayName;
        }

        var (response, json) = await SendAsync(HttpMethod.Post, "/v1/subjects", App, json: body);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return json!["id"]!.GetValue<string>();
    }

    public async Task GrantAsync(string subject, string purpose, string grantedBy = "self", string? token = null)
    {
        var (response, json) = await SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", token ?? App, json: new { purpose, action = "grant", noticeVersion = NoticeVersion, channel = "app", grantedBy });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, json?.ToJsonString());
    }

    public async Task WithdrawAsync(string subject, string purpose)
    {
        var (response, json) = await SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", App, json: new { purpose, action = "withdraw", noticeVersion = NoticeVersion, channel = "app", grantedBy = "self" });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, json?.ToJsonString());
    }

    public async Task AddCareTeamAsync(string subject, string actor, string role, TimeSpan? until = null)
    {
        var (response, json) = await SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/care-team", App, json: new { actor, role, until = (Time.GetUtcNow() + (until ?? TimeSpan.FromDays(30))).ToString("O") });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, json?.ToJsonString());
    }

    public async Task<string> WriteAsync(string subject, string purpose, object resource, string? token = null)
    {
        var (response, json) = await SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", token ?? App, purpose, resource);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, json?.ToJsonString());
        return json!["id"]!.GetValue<string>();
    }

    public async Task<int> CountRecordsAsync(string subject) => (await Host.Store.ListRecordsAsync(Tenant, subject, null, CancellationToken.None)).Count;

    public async Task<int> CountAuditAsync()
    {
        var count = 0;
        await foreach (var _ in Host.Store.ReadChainAsync(Tenant, CancellationToken.None))
        {
            count++;
        }

        return count;
    }

    /// <summary>Runs SQL straight against the database, as whoever holds the database file or its superuser would.</summary>
    public async Task ExecuteSqlAsync(string sql)
    {
        if (Postgres is not null)
        {
            sql = System.Text.RegularExpressions.Regex.Replace(sql, "X'([0-9A-Fa-f]*)'", "'\\x$1'::bytea");
            await using var pg = new Npgsql.NpgsqlConnection(Postgres);
            await pg.OpenAsync();
            await using var cmd = pg.CreateCommand();
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync();
            return;
        }

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Directory, Storage.CordonStores.SqliteFileName)};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A query that answers one number, straight against the database.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenRawAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A query that answers one text column, straight against the database.</summary>
    public async Task<IReadOnlyList<string>> QueryStringsAsync(string sql)
    {
        await using var connection = await OpenRawAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private async Task<System.Data.Common.DbConnection> OpenRawAsync()
    {
        System.Data.Common.DbConnection connection = Postgres is not null
            ? new Npgsql.NpgsqlConnection(Postgres)
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Directory, Storage.CordonStores.SqliteFileName)};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A Chinese test patient with a valid resident ID number and mobile.</summary>
    public static (string IdNumber, string Mobile) ChineseIdentifiers(int n = 1)
        => (ChineseResidentId.Create("110105", new DateOnly(1985, 6, 1), 120 + n).Value, $"138{n:D4}5678");

    public static object Patient(string idNumber, string mobile, string name = "张三") => new
    {
        resourceType = "Patient",
        name = new[] { new { text = name, family = name[..1], given = new[] { name[1..] } } },
        identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = idNumber } },
        telecom = new[] { new { system = "phone", value = mobile } },
        gender = "male",
        birthDate = "1985-06-01",
    };

    public static object Condition(string code, string display, string? note = null) => note is null
        ? new { resourceType = "Condition", code = new { coding = new[] { new { system = "http://hl7.org/fhir/sid/icd-10", code, display } } } }
        : new { resourceType = "Condition", code = new { coding = new[] { new { system = "http://hl7.org/fhir/sid/icd-10", code, display } } }, note = new[] { new { text = note } } };
}

/// <summary>Captures every formatted log line of the server.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
