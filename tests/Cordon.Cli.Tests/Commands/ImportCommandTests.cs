using System.Text.Json;

namespace Cordon.Cli.Tests.Commands;

/// <summary><c>cordon import</c> end to end on the Synthea bundles: exit codes, the JSON summary, no patient data in the output.</summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-import-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Importing_the_Synthea_bundles_with_drop_field_stores_every_catalogued_resource_and_exits_0()
    {
        var (exit, output, errors) = await RunAsync("import", "--data", _data, "--json", "--on-invalid", "drop-field", SyntheaFolder());

        Assert.True(exit == 0, errors);
        using var summary = JsonDocument.Parse(output);
        var root = summary.RootElement;
        Assert.Equal(13, root.GetProperty("files").GetInt32());
        Assert.Equal(11, root.GetProperty("subjectsCreated").GetInt32());
        Assert.Equal(4004, root.GetProperty("records").GetInt64());
        Assert.Equal(481, root.GetProperty("recordsByType").GetProperty("DocumentReference").GetInt32());
        Assert.Equal(0, root.GetProperty("refused").GetInt64());
        Assert.Equal(11, root.GetProperty("dropped").GetProperty("Patient.telecom.value (cn-mobile)").GetInt32());
        Assert.Equal(19, root.GetProperty("unlinkedByType").GetProperty("Practitioner").GetInt32());
        Assert.True(root.GetProperty("recordsPerSecond").GetDouble() > 0);
        AssertNoPatientNames(output + errors);
    }

    [Fact]
    public async Task By_default_invalid_values_refuse_their_resources_and_the_import_exits_1_with_counts_by_reason()
    {
        var (exit, output, errors) = await RunAsync("import", "--data", _data, SyntheaFolder());

        Assert.Equal(1, exit);
        Assert.Contains("validation.failed", output, StringComparison.Ordinal);
        Assert.Contains("records stored", output, StringComparison.Ordinal);
        Assert.Contains("Claim", output, StringComparison.Ordinal);
        Assert.Contains("file 1, entry 1: Patient validation.failed", output, StringComparison.Ordinal);
        Assert.Contains("import: file 13/13", errors, StringComparison.Ordinal);
        AssertNoPatientNames(output + errors);
    }

    [Fact]
    public async Task Every_refused_resource_is_named_with_its_element_and_reason_and_the_flag_that_would_help_in_text_and_json()
    {
        var (exit, text, _) = await RunAsync("import", "--data", _data, SyntheaFolder());
        Assert.Equal(1, exit);

        // The text: each listed refusal with its element and reason, every refusal counted by element, what would help.
        var lines = text.Split('\n');
        var first = Array.IndexOf(lines, "  file 1, entry 1: Patient validation.failed");
        Assert.True(first > 0, text);
        Assert.StartsWith("      telecom.value: ", lines[first + 1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("11  Patient.telecom.value: ", StringComparison.Ordinal) && l.EndsWith("(validation.failed)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  validation.failed: --on-invalid drop-field", StringComparison.Ordinal));

        // The same in JSON, on a second data directory.
        var other = Directory.CreateTempSubdirectory("cordon-import-json-").FullName;
        try
        {
            var (jsonExit, output, errors) = await RunAsync("import", "--data", other, "--json", SyntheaFolder());
            Assert.Equal(1, jsonExit);
            using var summary = JsonDocument.Parse(output);
            var root = summary.RootElement;
            Assert.Equal(12, root.GetProperty("refused").GetInt64());
            var refusals = root.GetProperty("refusals").EnumerateArray().ToList();
            Assert.Equal(12, refusals.Count);
            Assert.All(refusals, r => Assert.Equal("telecom.value", r.GetProperty("elements")[0].GetProperty("path").GetString()));
            Assert.All(refusals, r => Assert.Contains("--on-invalid drop-field", r.GetProperty("hint").GetString(), StringComparison.Ordinal));
            Assert.Equal(12, root.GetProperty("refusedByElement").EnumerateObject().Sum(e => e.Value.GetInt64()));
            Assert.Contains("--on-invalid drop-field", root.GetProperty("hints").GetProperty("validation.failed").GetString(), StringComparison.Ordinal);
            AssertNoPatientNames(output + errors);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task A_second_run_reports_everything_as_already_stored_and_exits_0()
    {
        var (firstExit, _, firstErrors) = await RunAsync("import", "--data", _data, "--on-invalid", "drop-field", SyntheaFolder());
        Assert.True(firstExit == 0, firstErrors);

        var (exit, output, errors) = await RunAsync("import", "--data", _data, "--json", SyntheaFolder());

        Assert.True(exit == 0, errors);
        using var summary = JsonDocument.Parse(output);
        var root = summary.RootElement;
        Assert.Equal(0, root.GetProperty("records").GetInt64());
        Assert.Equal(0, root.GetProperty("refused").GetInt64());
        Assert.Equal(4004, root.GetProperty("alreadyStored").GetInt64());
        Assert.Equal(11, root.GetProperty("subjectsMatched").GetInt32());
    }

    [Fact]
    public async Task A_missing_input_is_a_usage_error()
    {
        var (exit, _, errors) = await RunAsync("import", "--data", _data, Path.Combine(_data, "nothing.ndjson"));

        Assert.Equal(2, exit);
        Assert.Contains("no such file", errors, StringComparison.Ordinal);
    }

    private static void AssertNoPatientNames(string text)
    {
        foreach (var file in Directory.GetFiles(SyntheaFolder(), "*.json"))
        {
            var name = Path.GetFileName(file).Split('_')[0];
            Assert.DoesNotContain(name, text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("555-", text, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await CordonCli.RunAsync(args, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    internal static string SyntheaFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var folder = Path.Combine(dir.FullName, "data", "synthea-r4");
            if (Directory.Exists(folder))
            {
                return folder;
            }
        }

        throw new DirectoryNotFoundException("data/synthea-r4 was not found above the test binaries");
    }
}
