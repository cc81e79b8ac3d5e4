using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cordon.Core.Access;
using Cordon.Server.Tests;
using Microsoft.Data.Sqlite;

namespace Cordon.Cli.Tests.Commands;

/// <summary>
/// Chinese prints as Chinese in the JSON the command line and the API write — <c>"张伟"</c>, never
/// <c>"\u5F20\u4F1F"</c> — while the characters HTML gives a meaning to stay escaped.
/// </summary>
public sealed partial class ChineseJsonTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-zh-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Subject_explain_json_names_the_operator_and_purposes_in_Chinese()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, _) = await RightsSeed.SubjectAsync(_data, RightsSeed.Appointment());

        var (code, json, error) = await CommandTests.RunInProcessAsync("subject", "explain", "--data", _data, "--json", subject);

        Assert.True(code == 0, error);
        Assert.Contains("\"operator\":\"示例互联网医院\"", json, StringComparison.Ordinal);
        Assert.Contains("预约挂号", json, StringComparison.Ordinal);
        AssertNoEscapedChinese(json);
        Assert.Equal("示例互联网医院", JsonDocument.Parse(json).RootElement.GetProperty("operator").GetString());
    }

    [Fact]
    public async Task Subject_export_writes_the_patient_name_in_Chinese()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, _) = await RightsSeed.SubjectAsync(_data, RightsSeed.Appointment(), RightsSeed.Condition());

        var (code, json, error) = await CommandTests.RunInProcessAsync("subject", "export", "--data", _data, subject);

        Assert.True(code == 0, error);
        Assert.Contains("测试患者", json, StringComparison.Ordinal);
        Assert.Contains("原发性高血压", json, StringComparison.Ordinal);
        AssertNoEscapedChinese(json);
    }

    [Fact]
    public async Task The_API_answers_Chinese_as_Chinese_in_a_body_and_in_a_problem_and_keeps_HTML_escaped()
    {
        await using var server = await CordonServer.StartAsync();
        var marketer = server.Token(Role.Marketing, "mkt-chen");

        using var created = await server.Http.SendAsync(server.Request(HttpMethod.Post, "/v1/campaigns", marketer, json: Campaign("春季讲座 <b>", "春季健康讲座本周六开讲")));
        var body = await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        Assert.Contains("春季讲座 \\u003Cb\\u003E", body, StringComparison.Ordinal);
        Assert.Contains("仁心互联网医院", body, StringComparison.Ordinal);
        AssertNoEscapedChinese(body);

        using var refused = await server.Http.SendAsync(server.Request(HttpMethod.Post, "/v1/campaigns", marketer, json: Campaign("春季讲座", "新疗法保证治愈")));
        var problem = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("保证治愈", problem, StringComparison.Ordinal);
        AssertNoEscapedChinese(problem);
    }

    private static void AssertNoEscapedChinese(string json)
        => Assert.False(EscapedCjk().IsMatch(json), $"escaped Chinese in: {EscapedCjk().Match(json).Value}");

    private static string Campaign(string name, string body) => JsonSerializer.Serialize(new
    {
        name,
        channel = "sms",
        sender = new { name = "仁心互联网医院", contact = "400-820-1234" },
        content = new
        {
            personalised = $"{{nickname}}您好，{body}。仁心互联网医院 400-820-1234 退订 {{unsubscribe}}",
            plain = $"您好，{body}。仁心互联网医院 400-820-1234 退订 {{unsubscribe}}",
        },
    }, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>A \u escape of a CJK unified ideograph or CJK punctuation.</summary>
    [GeneratedRegex(@"\\u(?:[4-9][0-9A-Fa-f]{3}|3[0-9A-Fa-f]{3}|[Ff][Ff][0-9A-Fa-f]{2})")]
    private static partial Regex EscapedCjk();
}
