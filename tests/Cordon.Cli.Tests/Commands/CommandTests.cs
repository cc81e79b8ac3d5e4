using Microsoft.Data.Sqlite;

namespace Cordon.Cli.Tests.Commands;

/// <summary>The <c>cordon</c> commands of API.md, run in-process against a real data directory.</summary>
public sealed class CommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-cli-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Init_creates_the_database_the_tenant_and_a_private_key_file()
    {
        var (code, _, error) = await RunAsync("init", "--data", _data);

        Assert.Equal(0, code);
        Assert.Contains("Initialised", error, StringComparison.Ordinal);
        var keys = Path.Combine(_data, "keys.json");
        Assert.True(File.Exists(keys));
        Assert.True(File.Exists(Path.Combine(_data, "cordon.db")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keys));
        }

        var (again, _, second) = await RunAsync("init", "--data", _data);
        Assert.Equal(0, again);
        Assert.Contains("Updated", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_refuses_a_bad_profile_naming_file_line_and_reason()
    {
        var profile = Path.Combine(_data, "bad.yaml");
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml"))
            .Replace("auditRetentionDays: 183", "auditRetentionDays: 90", StringComparison.Ordinal);
        File.WriteAllText(profile, text);

        var (code, _, error) = await RunAsync("init", "--data", _data, "--profile", profile);

        // Refused, as cordon profile check refuses it: the check failed (1), not bad usage.
        Assert.Equal(1, code);
        Assert.Contains("bad.yaml:", error, StringComparison.Ordinal);
        Assert.Contains("R44", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_data, "cordon.db")));
    }

    [Fact]
    public async Task Token_prints_only_the_token()
    {
        await RunAsync("init", "--data", _data);

        var file = Path.Combine(_data, "dr-li.json");
        await File.WriteAllTextAsync(file, """{ "id": "dr-li", "role": "physician", "name": "李明", "realName": { "status": "verified", "method": "id-card", "verifiedOn": "2024-01-02" }, "licence": "110101000000001", "registration": { "kind": "this-institution", "institution": "示例互联网医院", "registeredOn": "2018-01-02" }, "independentPracticeSince": "2018-01-02", "onlinePracticeConsentedOn": "2024-01-03" }""");
        var (registered, entry, registerError) = await RunAsync("practitioners", "register", "--data", _data, file);
        Assert.True(registered == 0, registerError);
        Assert.Contains("\"eligible\":true", entry, StringComparison.Ordinal);

        var (code, output, error) = await RunAsync("token", "--data", _data, "--role", "physician", "--actor", "dr-li");

        Assert.Equal(0, code);
        Assert.DoesNotContain("warning", error, StringComparison.Ordinal);
        var token = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3, token.Trim().Split('.').Length);
    }

    [Theory]
    [InlineData("--role", "wizard", "--actor", "x")]
    [InlineData("--role", "patient", "--actor", "x")]
    [InlineData("--role", "dpo", "--actor", "x", "--ttl-hours", "0")]
    [InlineData("--role", "dpo", "--actor", "x", "--ttl-hours", "721")]
    [InlineData("--role", "dpo", "--actor", "dr-li,dr-wang")]
    public async Task Token_refuses_an_unknown_role_or_a_patient_without_a_subject(params string[] args)
    {
        await RunAsync("init", "--data", _data);
        var (code, output, error) = await RunAsync(["token", "--data", _data, .. args]);
        Assert.Equal(2, code);
        Assert.Empty(output.Trim());
        Assert.NotEmpty(error);
    }

    [Fact]
    public async Task Audit_verify_counts_the_entries_and_names_every_broken_range()
    {
        await RunAsync("init", "--data", _data);
        var (ok, count, _) = await RunAsync("audit", "verify", "--data", _data);
        Assert.Equal(0, ok);
        Assert.Equal("1", count.Trim());

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "cordon.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "UPDATE audit_entries SET actor = 'mallory'";
            await cmd.ExecuteNonQueryAsync();
        }

        var (broken, output, error) = await RunAsync("audit", "verify", "--data", _data);
        Assert.Equal(1, broken);
        Assert.Equal("broken: lane 0, entries 1-1, altered", output.Trim());
        Assert.Contains("entry 1 of lane 0: altered", error, StringComparison.Ordinal);
        Assert.Contains("no witness at", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_revoke_records_the_revocation_the_servers_read()
    {
        await RunAsync("init", "--data", _data);
        var (_, token, _) = await RunAsync("token", "--data", _data, "--role", "dpo", "--actor", "dpo-wang");
        var jti = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ReadJsonWebToken(token.Trim()).GetClaim("jti").Value;

        var (code, output, error) = await RunAsync("token", "revoke", "--data", _data, "--token", token.Trim(), "--reason", "left the team");
        Assert.True(code == 0, error);
        Assert.Equal($"token {jti}", output.Trim());

        var (none, _, why) = await RunAsync("token", "revoke", "--data", _data, "--reason", "nothing named");
        Assert.Equal(2, none);
        Assert.Contains("exactly one of token", why, StringComparison.Ordinal);

        await using var store = await Storage.CordonStores.OpenAsync(_data, null);
        var row = Assert.Single(await store.GetTokenRevocationsAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow, default));
        Assert.Equal((Storage.RevocationKind.Token, jti, "left the team"), (row.Kind, row.Value, row.Reason));
        var (verified, count, _) = await RunAsync("audit", "verify", "--data", _data);
        Assert.Equal(0, verified);
        Assert.Equal("2", count.Trim());
    }

    [Theory]
    [InlineData("audit", "verify", "--dta", "x")]
    [InlineData("token", "--role")]
    [InlineData("nonsense")]
    public async Task Bad_usage_exits_2_never_1(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        Assert.Equal(2, code);
        Assert.Empty(output.Trim());
        Assert.Contains("Try: cordon", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("init")]
    [InlineData("serve")]
    [InlineData("token")]
    [InlineData("audit", "verify")]
    [InlineData("profile", "check")]
    public async Task Every_command_has_help(params string[] command)
    {
        var (code, output, _) = await RunAsync([.. command, "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("Options:", output, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunInProcessAsync(args);

    /// <summary>One value read from a data directory's SQLite database (read-only, unpooled).</summary>
    internal static async Task<object?> ScalarAsync(string directory, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "cordon.db")};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Runs a <c>cordon</c> command in this process with its own writers.</summary>
    internal static async Task<(int Code, string Output, string Error)> RunInProcessAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CordonCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
