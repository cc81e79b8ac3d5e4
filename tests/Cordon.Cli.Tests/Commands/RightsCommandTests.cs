using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Cordon.Cli.Tests.Commands;

/// <summary>
/// <c>cordon subject export | delete | explain</c> and <c>cordon retention run</c>, run in-process against a real SQLite
/// data directory seeded through the server's write path.
/// </summary>
public sealed class RightsCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-rights-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Export_writes_the_decrypted_records_as_JSON_and_is_audited_first()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, records) = await RightsSeed.SubjectAsync(_data, RightsSeed.Encounter(), RightsSeed.Appointment(), RightsSeed.Account());

        var (code, output, error) = await RunAsync("subject", "export", "--data", _data, subject);

        Assert.True(code == 0, error);
        using var export = JsonDocument.Parse(output);
        var root = export.RootElement;
        Assert.Equal("cordon.subject-export/1", root.GetProperty("format").GetString());
        Assert.Equal(subject, root.GetProperty("subject").GetProperty("id").GetString());
        Assert.Equal("ext-" + subject, root.GetProperty("subject").GetProperty("externalId").GetString());
        var exported = root.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(records.Order(StringComparer.Ordinal), exported.Select(r => r.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        var encounter = exported.Single(r => r.GetProperty("type").GetString() == "Encounter").GetProperty("resource");
        Assert.Equal("VR", encounter.GetProperty("class").GetProperty("code").GetString());
        var account = exported.Single(r => r.GetProperty("type").GetString() == "Account").GetProperty("resource");
        Assert.Equal("13800138000", account.GetProperty("mobile").GetString());
        Assert.Contains("3 records", error, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM audit_entries WHERE action = 'subject.export' AND subject = '{subject}' AND actor LIKE 'cli:%'"));
    }

    [Fact]
    public async Task Export_as_FHIR_to_a_file_is_a_Bundle_of_type_collection()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, _) = await RightsSeed.SubjectAsync(_data, RightsSeed.Encounter(), RightsSeed.Condition(), RightsSeed.Account());
        var file = Path.Combine(_data, "export.fhir.json");

        var (code, output, error) = await RunAsync("subject", "export", "--data", _data, "--format", "fhir", "--out", file, subject);

        Assert.True(code == 0, error);
        Assert.Empty(output.Trim());
        using var bundle = JsonDocument.Parse(await File.ReadAllBytesAsync(file));
        Assert.Equal("Bundle", bundle.RootElement.GetProperty("resourceType").GetString());
        Assert.Equal("collection", bundle.RootElement.GetProperty("type").GetString());
        var types = bundle.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("resourceType").GetString()).ToList();
        Assert.Contains("Encounter", types);
        Assert.Contains("Condition", types);
        Assert.Contains("Basic", types);
        var condition = bundle.RootElement.GetProperty("entry").EnumerateArray().Single(e => e.GetProperty("resource").GetProperty("resourceType").GetString() == "Condition");
        Assert.Equal("原发性高血压", condition.GetProperty("resource").GetProperty("code").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Export_of_an_unknown_subject_is_a_usage_error()
    {
        await RightsSeed.InitAsync(_data);
        var (code, output, error) = await RunAsync("subject", "export", "--data", _data, "sub_0000000000000000");
        Assert.Equal(2, code);
        Assert.Empty(output.Trim());
        Assert.Contains("No subject", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_deletes_what_no_law_keeps_and_reports_the_internet_diagnosis_records_kept_by_R58()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, records) = await RightsSeed.SubjectAsync(_data, RightsSeed.Encounter(), RightsSeed.Condition(), RightsSeed.Appointment(), RightsSeed.Account());

        var (code, output, error) = await RunAsync("subject", "delete", "--data", _data, "--cancel", subject);

        Assert.True(code == 0, error);
        Assert.Contains("Deleted 2 records (Account 1, Appointment 1)", output, StringComparison.Ordinal);
        var until = RightsSeed.Now.AddYears(15).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"Kept 1 Encounter because of", output, StringComparison.Ordinal);
        Assert.Contains($"Kept 1 Condition because of", output, StringComparison.Ordinal);
        Assert.Contains("(R58), until " + until, output, StringComparison.Ordinal);
        Assert.Contains("account is cancelled", output, StringComparison.Ordinal);
        Assert.Contains("re-keyed to key version 2", error, StringComparison.Ordinal);

        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM records WHERE subject = '{subject}' AND type IN ('Appointment', 'Account')"));
        Assert.Equal(2L, await ScalarAsync($"SELECT count(*) FROM records WHERE subject = '{subject}' AND type IN ('Encounter', 'Condition') AND id IN ('{records[0]}', '{records[1]}')"));
        Assert.Equal("cancelled", await ScalarAsync($"SELECT state FROM subjects WHERE id = '{subject}'") is long state ? StateKey(state) : "?");

        // What is kept is restricted (R19): the export lists it without content.
        var (exported, json, _) = await RunAsync("subject", "export", "--data", _data, subject);
        Assert.Equal(0, exported);
        using var document = JsonDocument.Parse(json);
        Assert.Empty(document.RootElement.GetProperty("records").EnumerateArray());
        Assert.Equal(2, document.RootElement.GetProperty("restricted").GetArrayLength());
    }

    [Fact]
    public async Task Cancel_with_nothing_kept_destroys_the_keys_so_the_subject_cannot_be_opened()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, _) = await RightsSeed.SubjectAsync(_data, RightsSeed.Appointment(), RightsSeed.Account(), RightsSeed.Appointment());

        var (code, output, error) = await RunAsync("subject", "delete", "--data", _data, "--cancel", subject);

        Assert.True(code == 0, error);
        Assert.Contains("Deleted 3 records (Account 1, Appointment 2)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Kept", output, StringComparison.Ordinal);
        Assert.Contains("every key destroyed", error, StringComparison.Ordinal);
        Assert.Contains("3 unreadable rows purged", error, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM records WHERE subject = '{subject}'"));

        var (export, _, refused) = await RunAsync("subject", "export", "--data", _data, subject);
        Assert.Equal(2, export);
        Assert.Contains("No subject", refused, StringComparison.Ordinal);
        var (again, _, _) = await RunAsync("subject", "delete", "--data", _data, "--cancel", subject);
        Assert.Equal(2, again);
    }

    [Fact]
    public async Task Delete_of_one_purpose_keeps_the_others_untouched()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, _) = await RightsSeed.SubjectAsync(_data, RightsSeed.Appointment(), RightsSeed.Account());

        var (code, output, error) = await RunAsync("subject", "delete", "--data", _data, "--purpose", "appointment", "--purpose", "payment", subject);

        Assert.True(code == 0, error);
        Assert.Contains("Deleted 1 records (Appointment 1)", output, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM records WHERE subject = '{subject}' AND type = 'Account' AND restricted = 0"));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM records WHERE subject = '{subject}' AND type = 'Appointment'"));
        var (unknown, _, message) = await RunAsync("subject", "delete", "--data", _data, "--purpose", "astrology", subject);
        Assert.Equal(2, unknown);
        Assert.Contains("no purpose 'astrology'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_dry_run_lists_the_plan_and_changes_nothing()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, _) = await RightsSeed.SubjectAsync(_data, RightsSeed.Encounter(), RightsSeed.Appointment(), RightsSeed.Account());
        var before = await SnapshotAsync();

        var (code, output, error) = await RunAsync("subject", "delete", "--data", _data, "--cancel", "--dry-run", subject);

        Assert.True(code == 0, error);
        Assert.Contains("Would delete 2 records (Account 1, Appointment 1)", output, StringComparison.Ordinal);
        Assert.Contains("Would keep 1 Encounter because of", output, StringComparison.Ordinal);
        Assert.Contains("(R58)", output, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", error, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());

        var (_, shredPlan, _) = await RunAsync("subject", "delete", "--data", _data, "--cancel", "--dry-run", (await RightsSeed.SubjectAsync(_data, RightsSeed.Appointment())).Subject);
        Assert.Contains("Every key of the subject would be destroyed", shredPlan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_lists_the_purposes_held_as_a_table_or_JSON()
    {
        await RightsSeed.InitAsync(_data);
        var (subject, _) = await RightsSeed.SubjectAsync(_data, RightsSeed.Encounter(), RightsSeed.Condition(), RightsSeed.Appointment());

        var (code, table, error) = await RunAsync("subject", "explain", "--data", _data, subject);
        Assert.True(code == 0, error);
        Assert.Contains("consultation", table, StringComparison.Ordinal);
        Assert.Contains("appointment", table, StringComparison.Ordinal);
        Assert.Contains("Encounter", table, StringComparison.Ordinal);
        Assert.DoesNotContain("payment", table, StringComparison.Ordinal);

        var (jsonCode, json, _) = await RunAsync("subject", "explain", "--data", _data, "--json", subject);
        Assert.Equal(0, jsonCode);
        using var document = JsonDocument.Parse(json);
        var purposes = document.RootElement.GetProperty("purposes").EnumerateArray()
            .Where(p => p.GetProperty("records").GetInt32() > 0)
            .ToDictionary(p => p.GetProperty("purpose").GetString()!, p => p.GetProperty("records").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["appointment"] = 1, ["consultation"] = 2 }, purposes);
        var held = document.RootElement.GetProperty("held").EnumerateArray().Select(h => h.GetProperty("type").GetString()).ToList();
        Assert.Equal(["Appointment", "Condition", "Encounter"], held);
    }

    [Fact]
    public async Task Retention_dry_run_lists_the_expired_records_and_a_real_run_deletes_them()
    {
        await RightsSeed.InitAsync(_data);
        var fourYearsAgo = RightsSeed.Now.AddYears(-4);
        var (subject, records) = await RightsSeed.SubjectAsync(_data,
            RightsSeed.Appointment(fourYearsAgo), RightsSeed.Appointment(fourYearsAgo), RightsSeed.Appointment(), RightsSeed.Encounter(fourYearsAgo), RightsSeed.Account(fourYearsAgo));
        var before = await SnapshotAsync();

        var (dry, table, dryError) = await RunAsync("retention", "run", "--data", _data, "--dry-run");
        Assert.True(dry == 0, dryError);
        Assert.Contains("Appointment", table, StringComparison.Ordinal);
        Assert.Contains("Account", table, StringComparison.Ordinal);
        Assert.DoesNotContain("Encounter", table, StringComparison.Ordinal);
        Assert.Contains("3 records have expired", dryError, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());

        var (run, json, runError) = await RunAsync("retention", "run", "--data", _data, "--json");
        Assert.True(run == 0, runError);
        using var report = JsonDocument.Parse(json);
        Assert.False(report.RootElement.GetProperty("dryRun").GetBoolean());
        Assert.Equal(3, report.RootElement.GetProperty("deleted").GetInt32());
        var lines = report.RootElement.GetProperty("lines").EnumerateArray().ToDictionary(l => l.GetProperty("type").GetString()!, l => l.GetProperty("deleted").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["Account"] = 1, ["Appointment"] = 2 }, lines);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM records WHERE id IN ('{records[0]}', '{records[1]}', '{records[4]}')"));
        Assert.Equal(2L, await ScalarAsync($"SELECT count(*) FROM records WHERE id IN ('{records[2]}', '{records[3]}')"));
        // One audit entry per subject and batch: the Appointment batch and the Account batch.
        Assert.Equal(2L, await ScalarAsync($"SELECT count(*) FROM audit_entries WHERE action = 'retention.delete' AND subject = '{subject}'"));

        var (_, afterwards, _) = await RunAsync("retention", "run", "--data", _data, "--dry-run", "--json");
        using var nothing = JsonDocument.Parse(afterwards);
        Assert.Equal(0, nothing.RootElement.GetProperty("expired").GetInt32());
    }

    [Theory]
    [InlineData("subject", "export")]
    [InlineData("subject", "delete")]
    [InlineData("subject", "explain")]
    [InlineData("retention", "run")]
    public async Task Every_rights_command_has_help(params string[] command)
    {
        var (code, output, _) = await RunAsync([.. command, "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("--data", output, StringComparison.Ordinal);
        Assert.Contains("--tenant", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_without_a_key_file_is_a_usage_error()
    {
        var (code, _, error) = await RunAsync("retention", "run", "--data", Path.Combine(_data, "nowhere"));
        Assert.Equal(2, code);
        Assert.Contains("No key file", error, StringComparison.Ordinal);
    }

    private static string StateKey(long state) => Core.Subjects.SubjectNames.ToKey((Core.Subjects.SubjectState)state);

    /// <summary>Everything an erasure or a retention run could change: records, keys and audit entries.</summary>
    private async Task<string> SnapshotAsync()
    {
        var parts = new List<string>();
        foreach (var query in new[]
        {
            "SELECT count(*) || ':' || coalesce(group_concat(id || '/' || restricted || '/' || hex(sealed), ','), '') FROM (SELECT * FROM records ORDER BY id)",
            "SELECT count(*) || ':' || coalesce(group_concat(id || '/' || state || '/' || key_version, ','), '') FROM (SELECT * FROM subjects ORDER BY id)",
            "SELECT count(*) FROM audit_entries",
        })
        {
            parts.Add(Convert.ToString(await ScalarAsync(query), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        await using var keys = new SqliteConnection($"Data Source={Path.Combine(_data, "cordon.keys.db")};Pooling=False;Mode=ReadOnly");
        await keys.OpenAsync();
        await using var command = keys.CreateCommand();
        command.CommandText = "SELECT count(*) || ':' || coalesce(group_concat(subject || '/' || version, ','), '') FROM subject_keys";
        parts.Add(Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!);
        return string.Join("\n", parts);
    }

    private Task<object?> ScalarAsync(string sql) => CommandTests.ScalarAsync(_data, sql);

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CordonCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
