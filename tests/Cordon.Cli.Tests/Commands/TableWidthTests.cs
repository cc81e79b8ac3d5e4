using System.Text.RegularExpressions;
using Cordon.Cli.Commands;
using Cordon.Server.Rights;
using Microsoft.Data.Sqlite;
using Spectre.Console;

namespace Cordon.Cli.Tests.Commands;

/// <summary>
/// Tables fit an 80–100 column terminal: text wraps between words, ids, keys and dates are never split, and a column
/// that cannot fit is left out and named. Widths are counted in terminal cells (a Chinese character takes two).
/// </summary>
public sealed partial class TableWidthTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-tables-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Subject_explain_and_retention_run_fit_80_columns_when_stdout_is_not_a_terminal()
    {
        var width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns is >= 40 and <= 1000 ? columns : 80;
        Assert.True(width <= 100, "run this test without COLUMNS wider than 100");
        await RightsSeed.InitAsync(_data);
        var (subject, _) = await RightsSeed.SubjectAsync(_data, RightsSeed.Encounter(), RightsSeed.Condition(), RightsSeed.Appointment(), RightsSeed.Account());
        await RightsSeed.SubjectAsync(_data, RightsSeed.Appointment(DateTimeOffset.UtcNow.AddYears(-4)));

        var (code, explained, error) = await CommandTests.RunInProcessAsync("subject", "explain", "--data", _data, subject);
        Assert.True(code == 0, error);
        AssertFits(explained, width);
        Assert.Contains(subject, explained, StringComparison.Ordinal);
        Assert.Matches(@"│ consultation +│", explained);
        Assert.Matches(@"\d{4}-\d{2}-\d{2} │", explained);

        var (dry, report, dryError) = await CommandTests.RunInProcessAsync("retention", "run", "--data", _data, "--dry-run");
        Assert.True(dry == 0, dryError);
        AssertFits(report, width);
        Assert.Contains("Appointment", report, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    public void The_purposes_table_leaves_out_columns_rather_than_split_a_key_or_a_date(int width)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = width;

        SubjectCommand.WriteExplanation(console, LongExplanation());

        var text = output.ToString();
        AssertFits(text, width);
        Assert.Contains("marketing.personalization", text, StringComparison.Ordinal);
        Assert.Contains("internet-diagnosis", text, StringComparison.Ordinal);
        Assert.Contains("sub_0123456789abcdef", text, StringComparison.Ordinal);
        Assert.Contains("2041-06-30", text, StringComparison.Ordinal);
        Assert.Contains("2027-01-15", text, StringComparison.Ordinal);
        Assert.Contains($"Not shown at {width} columns:", text, StringComparison.Ordinal);
    }

    /// <summary>No line wider than <paramref name="width"/> cells; no date or id cut at a line's end.</summary>
    internal static void AssertFits(string text, int width)
    {
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            Assert.True(Cells(trimmed) <= width, $"{Cells(trimmed)} cells > {width}: {trimmed}");
            Assert.DoesNotMatch(SplitDate(), trimmed);
        }
    }

    private static int Cells(string line) => line.Sum(c => c is >= '\u1100' and <= '\u115F' or >= '\u2E80' and <= '\uA4CF' or >= '\uAC00' and <= '\uD7A3' or >= '\uF900' and <= '\uFAFF' or >= '\uFE30' and <= '\uFE4F' or >= '\uFF00' and <= '\uFF60' or >= '\uFFE0' and <= '\uFFE6' ? 2 : 1);

    /// <summary>The start of a date that does not go on to a whole yyyy-MM-dd (cut by a wrap), or a date's tail alone.</summary>
    [GeneratedRegex(@"(?<![\d-])\d{4}-(?!\d{2}-\d{2})\d{0,2}-?\d?(?=\s|│|$)|(?<=\s|│)\d{1,2}-\d{2}(?=\s|│|$)")]
    private static partial Regex SplitDate();

    private static Explanation LongExplanation()
    {
        static PurposeExplained Purpose(string key, string name, string en, string basis, string state, string retention, DateTimeOffset until, string then, params string[] recipients)
            => new(key, name, en, basis, "separate", state, 12_345, retention, until, then, recipients, false, "在线填写");
        var purposes = new[]
        {
            Purpose("internet-diagnosis", "互联网诊疗（复诊）", "Internet diagnosis and treatment of a follow-up visit", "contract", "granted", "15y", new DateTimeOffset(2041, 6, 30, 0, 0, 0, TimeSpan.Zero), "delete", "合作药房 partner-pharmacy", "医保结算平台 payment-gateway"),
            Purpose("marketing.personalization", "个性化推送", "Personalised marketing messages", "consent", "not-required", "1y", new DateTimeOffset(2027, 1, 15, 0, 0, 0, TimeSpan.Zero), "anonymise", "短信网关 sms-gateway"),
            Purpose("research.deidentified", "去标识化研究", "De-identified research", "legal-duty", "withdrawn", "3y", new DateTimeOffset(2029, 12, 3, 0, 0, 0, TimeSpan.Zero), "delete"),
        };
        return new Explanation(
            "sub_0123456789abcdef",
            DateTimeOffset.UnixEpoch,
            "示例互联网医院",
            "privacy@example-hospital.cn",
            "dpo@example-hospital.cn",
            [new HeldType("MedicationRequest", 12_345, 0, ["internet-diagnosis", "marketing.personalization", "research.deidentified"])],
            purposes,
            ["我们持有您的 12,345 条记录。/ We hold 12,345 records about you, of 1 kinds, under 3 purposes, kept until 2041-06-30 at the latest."],
            new Dictionary<string, string>());
    }
}
