using Microsoft.Data.Sqlite;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Cordon.Cli.Tests.Commands;

/// <summary>
/// Which tenant a command works on without <c>--tenant</c>: the data directory's only one, or none at all (exit 2, the
/// tenants listed) — never a nearly empty <c>default</c> whose verified chain a DPO would read as the one they meant.
/// </summary>
public sealed class TenantDefaultTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-tenants-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task The_only_tenant_is_the_default_of_token_and_audit_verify()
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data, "--tenant", "acme")).Code);

        var (code, token, error) = await RunAsync("token", "--data", _data, "--role", "app", "--actor", "my-app");
        Assert.True(code == 0, error);
        Assert.Equal("acme", new JsonWebTokenHandler().ReadJsonWebToken(token.Trim()).GetClaim("tid").Value);

        var (verified, count, said) = await RunAsync("audit", "verify", "--data", _data);
        Assert.Equal(0, verified);
        Assert.Equal("1", count.Trim());
        Assert.Contains("tenant 'acme' holds", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_without_tenant_updates_the_only_tenant_instead_of_creating_default_beside_it()
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data, "--tenant", "acme")).Code);

        var (code, _, error) = await RunAsync("init", "--data", _data);

        Assert.Equal(0, code);
        Assert.Contains("Updated", error, StringComparison.Ordinal);
        Assert.Contains("tenant 'acme'", error, StringComparison.Ordinal);
        await using var store = await Storage.CordonStores.OpenAsync(_data, null);
        Assert.Equal(["acme"], (await store.ListTenantsAsync(CancellationToken.None)).Select(t => t.Id));
    }

    [Theory]
    [InlineData("token", "--role", "app", "--actor", "my-app")]
    [InlineData("audit", "verify")]
    [InlineData("retention", "run", "--dry-run")]
    [InlineData("subject", "explain", "sub_0000000000000000")]
    [InlineData("init")]
    public async Task Several_tenants_and_no_tenant_flag_is_bad_usage_naming_them(params string[] command)
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data, "--tenant", "acme")).Code);
        Assert.Equal(0, (await RunAsync("init", "--data", _data, "--tenant", "demo")).Code);

        var (code, output, error) = await RunAsync([.. command, "--data", _data]);

        Assert.Equal(2, code);
        Assert.Empty(output.Trim());
        Assert.Contains("2 tenants: acme, demo", error, StringComparison.Ordinal);
        Assert.Contains("--tenant", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("token", "--role", "app", "--actor", "my-app")]
    [InlineData("audit", "verify")]
    [InlineData("subject", "explain", "sub_0000000000000000")]
    [InlineData("profile", "publish", "PROFILE")]
    public async Task A_tenant_that_does_not_exist_is_bad_usage_listing_those_that_do(params string[] command)
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data, "--tenant", "acme")).Code);
        var args = command.Select(a => a == "PROFILE" ? Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml") : a);

        var (code, _, error) = await RunAsync([.. args, "--data", _data, "--tenant", "demo"]);

        Assert.Equal(2, code);
        Assert.Contains("No tenant 'demo'", error, StringComparison.Ordinal);
        Assert.Contains("it holds: acme", error, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => CommandTests.RunInProcessAsync(args);
}
