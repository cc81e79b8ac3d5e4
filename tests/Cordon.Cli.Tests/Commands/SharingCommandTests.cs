using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Cordon.Cli.Tests.Commands;

/// <summary>
/// <c>cordon recipients | assessments | disclose | crossborder</c> in-process against a real SQLite data directory: the
/// register, its evidence and the egress gate as the API has them, with the exit codes of every command.
/// </summary>
public sealed class SharingCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("cordon-sharing-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    private static string Today => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_default_profiles_register_lists_its_three_recipients_each_missing_its_contract()
    {
        await RightsSeed.InitAsync(_data);

        var (code, table, error) = await CommandTests.RunInProcessAsync("recipients", "--data", _data);

        Assert.True(code == 0, error);
        TableWidthTests.AssertFits(table, 80);
        foreach (var key in new[] { "sms-gateway", "payment-gateway", "partner-pharmacy" })
        {
            Assert.Contains(key, table, StringComparison.Ordinal);
        }

        Assert.Contains("contract: none", table, StringComparison.Ordinal);
        Assert.Contains("3 recipient(s); 3 the gate would still refuse", error, StringComparison.Ordinal);

        var (listed, json, _) = await CommandTests.RunInProcessAsync("recipients", "list", "--data", _data, "--json");
        Assert.Equal(0, listed);
        var recipients = JsonDocument.Parse(json).RootElement.GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal(["sms-gateway", "payment-gateway", "partner-pharmacy"], recipients.Select(r => r.GetProperty("key").GetString()));
        Assert.All(recipients, r => Assert.Contains(r.GetProperty("missing").EnumerateArray(), m => m.GetString()!.StartsWith("contract: none recorded", StringComparison.Ordinal)));
        Assert.Equal("entrust", recipients[0].GetProperty("activity").GetString());
        Assert.Equal(["prescription"], recipients[2].GetProperty("purposes").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task A_contract_recorded_from_the_shell_is_in_the_register_and_no_longer_missing()
    {
        await RightsSeed.InitAsync(_data);

        var (code, recorded, error) = await CommandTests.RunInProcessAsync("recipients", "contract", "partner-pharmacy", "--data", _data,
            "--reference", "HT-2026-017", "--from", "2026-01-01", "--until", "2099-12-31", "--purpose", "prescription",
            "--permits", "仅用于处方药配送 / Delivering prescribed medicines only", "--at-end", "return", "--signed", "2025-12-20");

        Assert.True(code == 0, recorded + error);
        Assert.Contains("Recorded the contract for partner-pharmacy", error, StringComparison.Ordinal);
        var (shown, text, _) = await CommandTests.RunInProcessAsync("recipients", "show", "partner-pharmacy", "--data", _data);
        Assert.Equal(0, shown);
        Assert.Contains("contract: HT-2026-017, signed 2025-12-20, in force 2026-01-01 to 2099-12-31", text, StringComparison.Ordinal);
        Assert.Contains("仅用于处方药配送", text, StringComparison.Ordinal);
        Assert.DoesNotContain("contract: none recorded", text, StringComparison.Ordinal);

        var (_, json, _) = await CommandTests.RunInProcessAsync("recipients", "show", "partner-pharmacy", "--data", _data, "--json");
        var contract = JsonDocument.Parse(json).RootElement.GetProperty("contract");
        Assert.Equal("HT-2026-017", contract.GetProperty("reference").GetString());
        Assert.Equal("return", contract.GetProperty("atEnd").GetString());
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM audit_entries WHERE action = 'recipient.contract' AND actor LIKE 'cli:%'"));
    }

    [Fact]
    public async Task An_assessment_recorded_from_a_file_is_listed_with_the_date_it_is_kept_until()
    {
        await RightsSeed.InitAsync(_data);
        var file = Path.Combine(_data, "pia.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            title = "合作药房处方配送个人信息保护影响评估",
            covers = new[] { "sharing" },
            purposes = new[] { "prescription" },
            recipients = new[] { "partner-pharmacy" },
            risks = new[] { "处方内容泄露 / Prescriptions leaking" },
            measures = new[] { "仅提供配送所需字段 / Only the fields delivery needs" },
            approvedBy = "王敏（个人信息保护负责人）",
            approvedOn = Today,
            validUntil = "2030-06-30",
        }), TestContext.Current.CancellationToken);

        var (code, output, error) = await CommandTests.RunInProcessAsync("assessments", "record", file, "--data", _data);

        Assert.True(code == 0, output + error);
        var recorded = JsonDocument.Parse(output).RootElement;
        var id = recorded.GetProperty("id").GetString()!;
        Assert.StartsWith("pia_", id, StringComparison.Ordinal);
        Assert.Equal("2033-06-30", recorded.GetProperty("keepUntil").GetString());

        var (listed, table, _) = await CommandTests.RunInProcessAsync("assessments", "--data", _data);
        Assert.Equal(0, listed);
        Assert.Contains(id, table, StringComparison.Ordinal);
        TableWidthTests.AssertFits(table, 80);

        // The register no longer says an assessment is missing for the pharmacy.
        var (_, json, _) = await CommandTests.RunInProcessAsync("recipients", "show", "partner-pharmacy", "--data", _data, "--json");
        Assert.DoesNotContain(JsonDocument.Parse(json).RootElement.GetProperty("missing").EnumerateArray(), m => m.GetString()!.StartsWith("assessment", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_assessment_file_that_is_not_an_assessment_is_bad_usage()
    {
        await RightsSeed.InitAsync(_data);
        var file = Path.Combine(_data, "pia.json");
        await File.WriteAllTextAsync(file, """{"title":"x","covers":["everything"],"risks":["r"],"measures":["m"],"approvedBy":"me","approvedOn":"2026-01-01"}""", TestContext.Current.CancellationToken);

        var (code, output, _) = await CommandTests.RunInProcessAsync("assessments", "record", file, "--data", _data);

        Assert.Equal(2, code);
        Assert.Contains("validation.failed", output, StringComparison.Ordinal);
        Assert.Contains("covers:", output, StringComparison.Ordinal);
        Assert.Equal(2, (await CommandTests.RunInProcessAsync("assessments", "record", Path.Combine(_data, "none.json"), "--data", _data)).Code);
    }

    [Fact]
    public async Task Cross_border_status_on_an_empty_year_counts_nobody_and_requires_nothing()
    {
        await RightsSeed.InitAsync(_data);

        var (code, json, error) = await CommandTests.RunInProcessAsync("crossborder", "status", "--data", _data, "--json");

        Assert.True(code == 0, error);
        var view = JsonDocument.Parse(json).RootElement;
        Assert.Equal(DateTime.UtcNow.AddHours(8).Year, view.GetProperty("year").GetInt32());
        Assert.Equal(0, view.GetProperty("nonSensitive").GetInt64());
        Assert.Equal(0, view.GetProperty("sensitive").GetInt64());
        Assert.Equal("none", view.GetProperty("required").GetString());
        Assert.Empty(view.GetProperty("recipients").EnumerateArray());

        var (_, text, _) = await CommandTests.RunInProcessAsync("crossborder", "status", "--data", _data);
        Assert.Contains("0 individuals' non-sensitive and 0 individuals' sensitive", text, StringComparison.Ordinal);
        Assert.Contains("Required: none (R34)", text, StringComparison.Ordinal);
        TableWidthTests.AssertFits(text, 80);
    }

    [Fact]
    public async Task A_disclosure_without_a_contract_is_refused_with_its_rule_exits_1_and_is_on_record()
    {
        await InitWithDeliverablePharmacyAsync();

        var (code, output, error) = await CommandTests.RunInProcessAsync("disclose", "--data", _data, "--recipient", "partner-pharmacy", "--purpose", "prescription", "--subject", "sub_0000000000000001");

        Assert.True(code == 1, output + error);
        Assert.StartsWith("sharing.contract-required (R11, ", output, StringComparison.Ordinal);
        Assert.Contains("No contract with 'partner-pharmacy' is on record", output, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM disclosures WHERE recipient = 'partner-pharmacy' AND records = 0 AND detail LIKE 'sharing.contract-required%'"));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM audit_entries WHERE action = 'disclosure.create' AND code = 'sharing.contract-required' AND actor LIKE 'cli:%'"));
    }

    [Theory]
    [InlineData("recipients", "contract", "partner-pharmacy", "--reference", "R", "--from", "2026-02-30", "--until", "2027-01-01", "--purpose", "prescription", "--permits", "p")]
    [InlineData("recipients", "contract", "partner-pharmacy", "--reference", "R", "--from", "1/2/2026", "--until", "2027-01-01", "--purpose", "prescription", "--permits", "p")]
    [InlineData("recipients", "genetic-filing", "partner-pharmacy", "--reference", "R", "--filed", "yesterday")]
    [InlineData("recipients", "show", "partner-pharmcy")]
    [InlineData("recipients", "contract", "nobody", "--reference", "R", "--from", "2026-01-01", "--until", "2027-01-01", "--purpose", "prescription", "--permits", "p")]
    [InlineData("recipients", "contract", "partner-pharmacy", "--reference", "R", "--from", "2027-01-01", "--until", "2026-01-01", "--purpose", "prescription", "--permits", "p")]
    [InlineData("recipients", "transfer", "partner-pharmacy", "--kind", "certification", "--reference", "R", "--since", "2026-01-01")]
    [InlineData("disclose", "--recipient", "nobody", "--purpose", "prescription", "--subject", "sub_0000000000000001")]
    [InlineData("disclose", "--recipient", "partner-pharmacy", "--purpose", "no-such-purpose", "--subject", "sub_0000000000000001")]
    [InlineData("disclose", "--recipient", "partner-pharmacy", "--purpose", "prescription")]
    [InlineData("disclose", "--recipient", "partner-pharmacy", "--purpose", "prescription", "--subject", "sub_0000000000000001", "--package-out", "package.bin")]
    public async Task Bad_input_is_bad_usage_and_records_no_evidence(params string[] args)
    {
        await RightsSeed.InitAsync(_data);

        var (code, output, error) = await CommandTests.RunInProcessAsync([.. args, "--data", _data]);

        Assert.True(code == 2, $"exit {code}: {output}{error}");
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM recipient_evidence"));
        Assert.False(File.Exists("package.bin"));
    }

    [Fact]
    public async Task A_package_recipient_needs_a_file_to_seal_to_before_anything_is_checked()
    {
        await InitWithDeliverablePharmacyAsync(package: true);

        var (code, _, error) = await CommandTests.RunInProcessAsync("disclose", "--data", _data, "--recipient", "partner-pharmacy", "--purpose", "prescription", "--subject", "sub_0000000000000001");

        Assert.Equal(2, code);
        Assert.Contains("--package-out", error, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM disclosures"));

        // Refused by the gate: the file opened for the package is gone again.
        var file = Path.Combine(_data, "package.bin");
        var (refused, output, _) = await CommandTests.RunInProcessAsync("disclose", "--data", _data, "--recipient", "partner-pharmacy", "--purpose", "prescription", "--subject", "sub_0000000000000001", "--package-out", file);
        Assert.Equal(1, refused);
        Assert.StartsWith("sharing.contract-required", output, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task The_commands_help_names_their_subcommands()
    {
        var (_, recipients, _) = await CommandTests.RunInProcessAsync("recipients", "--help");
        foreach (var sub in new[] { "list", "show", "contract", "transfer", "genetic-filing" })
        {
            Assert.Contains(sub, recipients, StringComparison.Ordinal);
        }

        var (_, assessments, _) = await CommandTests.RunInProcessAsync("assessments", "--help");
        Assert.Contains("record", assessments, StringComparison.Ordinal);
        var (_, disclose, _) = await CommandTests.RunInProcessAsync("disclose", "--help");
        Assert.Contains("--package-out", disclose, StringComparison.Ordinal);
    }

    /// <summary>The default profile with the pharmacy given what the gate needs before it looks at evidence: fields, and an endpoint (or a public key).</summary>
    private async Task InitWithDeliverablePharmacyAsync(bool package = false)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "profiles", "internet-hospital.yaml"), TestContext.Current.CancellationToken);
        var delivery = package ? "    method: package\n    publicKey: |\n" + PublicKeyPem() : "    method: api\n    endpoint: \"https://pharmacy.example.cn/inbox\"\n";
        var pharmacy = "    description: \"仅在您选择送药上门时提供。/ Only when you choose home delivery.\"\n";
        Assert.Contains(pharmacy, text, StringComparison.Ordinal);
        text = text.Replace(pharmacy, pharmacy + delivery + "    fields:\n      MedicationRequest: [\"*\"]\n", StringComparison.Ordinal);
        var profile = Path.Combine(_data, "profile.yaml");
        await File.WriteAllTextAsync(profile, text, TestContext.Current.CancellationToken);
        var (code, _, error) = await CommandTests.RunInProcessAsync("init", "--data", _data, "--profile", profile);
        Assert.True(code == 0, error);
    }

    private static string PublicKeyPem()
    {
        using var key = System.Security.Cryptography.ECDiffieHellman.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        return string.Concat(key.ExportSubjectPublicKeyInfoPem().Split('\n').Select(l => "      " + l.TrimEnd('\r') + "\n"));
    }

    private Task<object?> ScalarAsync(string sql) => CommandTests.ScalarAsync(_data, sql);
}
