using Microsoft.Data.Sqlite;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Cordon.Cli.Tests.Commands;

/// <summary>
/// Exit codes a cron job can act on: 0 done and holds, 1 the check failed, 2 bad usage (the message names the flag),
/// 3 could not run. Bad usage is never 1, which reads as tampering or a refused profile.
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-exit-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Theory]
    [InlineData("--subject", "--role", "patient", "--actor", "me", "--subject", "sub_0000000000000000")]
    [InlineData("--subject", "--role", "guardian", "--actor", "mum", "--subject", "sub_nosuchsubject00")]
    [InlineData("--ttl-hours", "--role", "dpo", "--actor", "dpo-wang", "--ttl-hours", "0")]
    [InlineData("--ttl-hours", "--role", "dpo", "--actor", "dpo-wang", "--ttl-hours", "-3")]
    [InlineData("--role", "--role", "wizard", "--actor", "x")]
    [InlineData("--role", "--role", "physician", "--actor", "dr-unregistered")]
    [InlineData("--ai", "--role", "nurse", "--actor", "triage-bot", "--ai")]
    public async Task Token_refuses_what_would_give_a_useless_token_naming_the_flag(string flag, params string[] args)
    {
        await RightsSeed.InitAsync(_data);

        var (code, output, error) = await RunAsync(["token", "--data", _data, .. args]);

        Assert.Equal(2, code);
        Assert.Empty(output.Trim());
        Assert.Contains(flag, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_for_a_subject_that_exists_names_it()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, _) = await RightsSeed.SubjectAsync(_data);

        var (code, token, error) = await RunAsync("token", "--data", _data, "--role", "patient", "--actor", "me", "--subject", subject);

        Assert.True(code == 0, error);
        Assert.Equal(subject, new JsonWebTokenHandler().ReadJsonWebToken(token.Trim()).GetClaim("subject").Value);
    }

    [Theory]
    [InlineData("audit", "verify", "--dta", "x")]
    [InlineData("token", "--role", "dpo", "--actor", "x", "--ttl-hours", "abc")]
    [InlineData("subject", "export")]
    [InlineData("retention", "run", "--dryrun")]
    [InlineData("profile", "check", "/nonexistent/profile.yaml")]
    [InlineData("profile", "notice", "/nonexistent/profile.yaml")]
    public async Task Bad_usage_exits_2(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);
        Assert.Equal(2, code);
        Assert.NotEmpty(error);
    }

    [Fact]
    public async Task A_data_directory_that_is_not_one_is_bad_usage_for_profile_publish()
    {
        var (code, _, error) = await RunAsync("profile", "publish", "--data", Path.Combine(_data, "none"), Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml"));
        Assert.Equal(2, code);
        Assert.Contains("cordon init", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_profile_is_a_failed_check_for_init_as_for_profile_check()
    {
        var bad = Path.Combine(_data, "bad.yaml");
        File.WriteAllText(bad, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml")).Replace("auditRetentionDays: 183", "auditRetentionDays: 90", StringComparison.Ordinal));

        Assert.Equal(1, (await RunAsync("profile", "check", bad)).Code);
        Assert.Equal(1, (await RunAsync("init", "--data", Path.Combine(_data, "d"), "--profile", bad)).Code);
    }

    [Theory]
    [InlineData]
    [InlineData("token")]
    [InlineData("audit", "verify")]
    [InlineData("subject", "delete")]
    public async Task Help_says_what_each_exit_code_means(params string[] command)
    {
        var (code, output, _) = await RunAsync([.. command, "--help"]);

        Assert.Equal(0, code);
        Assert.Contains("Exit codes:", output, StringComparison.Ordinal);
        Assert.Contains("2  bad usage", output, StringComparison.Ordinal);
        Assert.Contains("1  done, and the check failed", output, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => CommandTests.RunInProcessAsync(args);
}
