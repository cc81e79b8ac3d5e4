using System.Text.Json;

namespace Cordon.Cli.Tests.Commands;

/// <summary><c>cordon deidentify</c> on Synthea bundles: NDJSON out with the tenant's keys, a summary, the k check, bad rules refused.</summary>
public sealed class DeidentifyCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-deid-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    private static string[] TwoBundles()
    {
        var folder = ImportCommandTests.SyntheaFolder();
        return [Directory.GetFiles(folder, "Carolee951_*.json")[0], Directory.GetFiles(folder, "Luisa710_*.json")[0]];
    }

    [Fact]
    public async Task Two_Synthea_bundles_become_NDJSON_without_their_names_with_a_summary_and_the_same_pseudonyms_on_a_second_run()
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data)).Code);
        var output = Path.Combine(_data, "out.ndjson");
        var (exit, summary, errors) = await RunAsync(["deidentify", "--data", _data, "--out", output, "--min-k", "1", .. TwoBundles()]);

        Assert.True(exit == 0, errors + summary);
        var lines = File.ReadAllLines(output);
        Assert.True(lines.Length > 200, $"{lines.Length}");
        var text = File.ReadAllText(output);
        Assert.DoesNotContain("Carolee951", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Luisa710", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Carolee951", summary + errors, StringComparison.Ordinal);
        var patients = lines.Select(l => JsonDocument.Parse(l).RootElement).Where(r => r.GetProperty("resourceType").GetString() == "Patient").ToList();
        Assert.Equal(2, patients.Count);
        Assert.All(patients, p => Assert.Matches("^\\d{4}$", p.GetProperty("birthDate").GetString()!));
        Assert.Contains("files 2, resources in ", summary, StringComparison.Ordinal);
        Assert.Contains("Withheld, type not in the catalog", summary, StringComparison.Ordinal);
        Assert.Contains("PSEUDED", summary, StringComparison.Ordinal);
        Assert.Contains("k = 1 over 2 records in 2 classes (minimum 1)", summary, StringComparison.Ordinal);

        var again = Path.Combine(_data, "again.ndjson");
        Assert.Equal(0, (await RunAsync(["deidentify", "--data", _data, "--out", again, .. TwoBundles()])).Code);
        Assert.Equal(text, File.ReadAllText(again));
    }

    [Fact]
    public async Task A_release_below_the_minimum_k_writes_nothing_and_exits_1()
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data)).Code);
        var output = Path.Combine(_data, "out.ndjson");
        var (exit, _, errors) = await RunAsync(["deidentify", "--data", _data, "--out", output, "--min-k", "2", .. TwoBundles()]);

        Assert.Equal(1, exit);
        Assert.Contains("deidentify.k-anonymity-too-low", errors, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task A_rule_on_an_unknown_path_is_refused_with_the_nearest_path_and_exit_2()
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data)).Code);
        var rules = Path.Combine(_data, "rules.yaml");
        await File.WriteAllTextAsync(rules, "schema: cordon/deidentify@1\nrules:\n  - { type: Patient, path: birthDat, method: redact }\n");
        var (exit, _, errors) = await RunAsync(["deidentify", "--data", _data, "--rules", rules, .. TwoBundles()]);

        Assert.Equal(2, exit);
        Assert.Contains("deidentify.unknown-path", errors, StringComparison.Ordinal);
        Assert.Contains("the nearest known path is 'birthDate'", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_data_directory_it_says_to_run_init()
    {
        var (exit, _, errors) = await RunAsync(["deidentify", "--data", Path.Combine(_data, "none"), .. TwoBundles()]);
        Assert.Equal(2, exit);
        Assert.Contains("cordon init", errors, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => CommandTests.RunInProcessAsync(args);
}
