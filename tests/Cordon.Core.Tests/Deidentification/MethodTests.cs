using System.Text.Json;
using Cordon.Core.Crypto;

namespace Cordon.Core.Tests.Deidentification;

/// <summary>Each explicit method on the element paths it names.</summary>
public sealed class MethodTests
{
    private const string Observation = """
        {"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},
         "code":{"text":"Body weight","coding":[{"system":"http://loinc.org","code":"29463-7"}]},
         "effectiveDateTime":"2020-03-10T08:30:00+08:00","issued":"2020-03-11",
         "valueQuantity":{"value":72.4,"unit":"kg"},
         "component":[{"code":{"text":"count"},"valueInteger":37}]}
        """;

    private static JsonElement Run(string rules, string json = Observation, CryptoSuite? suite = null, string seed = "p1")
        => Deid.Apply(Deid.Plan(Deid.Rules("schema: cordon/deidentify@1\nrules:\n" + rules), suite), json, seed).Output;

    [Fact]
    public void Keep_writes_a_date_unshifted_where_the_default_would_shift_it()
    {
        var output = Run("  - { type: Observation, path: \"effective[x]\", method: keep }");
        Assert.Equal("2020-03-10T08:30:00+08:00", output.GetProperty("effectiveDateTime").GetString());
        Assert.NotEqual("2020-03-11", output.GetProperty("issued").GetString());
    }

    [Fact]
    public void Redact_removes_the_value_and_the_container_left_empty()
    {
        var output = Run("  - { type: Observation, path: valueQuantity.value, method: redact }\n  - { type: Observation, path: code.*, method: redact }");
        Assert.False(output.GetProperty("valueQuantity").TryGetProperty("value", out _));
        Assert.Equal("kg", output.GetProperty("valueQuantity").GetProperty("unit").GetString());
        Assert.False(output.TryGetProperty("code", out _));
        Assert.Contains("REDACTED", Deid.Labels(output));
    }

    [Fact]
    public void DateShift_moves_a_birth_date_by_the_subjects_offset_instead_of_keeping_the_year()
    {
        var patient = """{"resourceType":"Patient","id":"p1","birthDate":"1980-02-29"}""";
        var shifted = Run("  - { type: Patient, path: birthDate, method: dateShift }", patient).GetProperty("birthDate").GetString()!;
        var observation = Run(string.Empty + "  - { type: Observation, path: issued, method: dateShift }").GetProperty("issued").GetString()!;

        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}$", shifted);
        var offset = DateOnly.Parse(shifted, System.Globalization.CultureInfo.InvariantCulture).DayNumber - new DateOnly(1980, 2, 29).DayNumber;
        Assert.Equal(offset, DateOnly.Parse(observation, System.Globalization.CultureInfo.InvariantCulture).DayNumber - new DateOnly(2020, 3, 11).DayNumber);
        Assert.InRange(Math.Abs(offset), 1, 50);
    }

    [Fact]
    public void CryptoHash_is_the_suites_keyed_hash_in_hex_the_same_for_the_same_value_and_different_per_suite()
    {
        var rule = "  - { type: Observation, path: code.text, method: cryptoHash }";
        var standard = Run(rule).GetProperty("code").GetProperty("text").GetString()!;
        var again = Run(rule, seed: "other").GetProperty("code").GetProperty("text").GetString()!;
        var national = Run(rule, suite: CryptoSuite.National).GetProperty("code").GetProperty("text").GetString()!;

        Assert.Matches("^[0-9a-f]{64}$", standard);
        Assert.Equal(standard, again);
        Assert.Matches("^[0-9a-f]{64}$", national);
        Assert.NotEqual(standard, national);
        Assert.Contains("CRYTOHASH", Deid.Labels(Run(rule)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Encrypt_writes_base64_that_the_key_holder_opens_with_AES_GCM_or_SM4_GCM(bool national)
    {
        var suite = national ? CryptoSuite.National : CryptoSuite.Standard;
        var plan = Deid.Plan(Deid.Rules("schema: cordon/deidentify@1\nrules:\n  - { type: Observation, path: code.text, method: encrypt }"), suite);
        var output = Deid.Apply(plan, Observation).Output;
        var encrypted = output.GetProperty("code").GetProperty("text").GetString()!;

        Assert.Equal("Body weight", plan.Decrypt(encrypted));
        Assert.Null(Deid.Plan(Deid.Rules("schema: cordon/deidentify@1\nrules:\n  - { type: Observation, path: code.text, method: encrypt }"), suite, keyFill: 9).Decrypt(encrypted));
        Assert.Contains("MASKED", Deid.Labels(output));
    }

    [Fact]
    public void Substitute_writes_the_fixed_value_and_keeps_a_number_a_number()
    {
        var output = Run("  - { type: Observation, path: code.text, method: substitute, value: 检验 }\n  - { type: Observation, path: \"component.value[x]\", method: substitute, value: \"0\" }");
        Assert.Equal("检验", output.GetProperty("code").GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Number, output.GetProperty("component")[0].GetProperty("valueInteger").ValueKind);
    }

    [Fact]
    public void Perturb_adds_noise_within_the_span_the_same_on_every_run_keeping_decimals_and_integers()
    {
        var rules = "  - { type: Observation, path: valueQuantity.value, method: perturb, span: 2 }\n  - { type: Observation, path: \"component.value[x]\", method: perturb, ratio: 0.5 }";
        var first = Run(rules);
        var second = Run(rules);
        var other = Run(rules, seed: "p2");

        var value = first.GetProperty("valueQuantity").GetProperty("value").GetDecimal();
        Assert.InRange(value, 70.4m, 74.4m);
        Assert.NotEqual(72.4m, value);
        Assert.Equal(value, second.GetProperty("valueQuantity").GetProperty("value").GetDecimal());
        Assert.NotEqual(value, other.GetProperty("valueQuantity").GetProperty("value").GetDecimal());
        Assert.Equal(decimal.Round(value, 1), value);
        var count = first.GetProperty("component")[0].GetProperty("valueInteger");
        Assert.True(count.TryGetInt32(out var integer), count.GetRawText());
        Assert.InRange(integer, 18, 56);
        Assert.Contains("PERTURBED", Deid.Labels(first));
    }

    [Fact]
    public void Generalize_takes_dates_to_a_month_numbers_to_their_range_and_strings_through_a_mapping()
    {
        var output = Run("""
              - { type: Observation, path: "effective[x]", method: generalize, to: month }
              - { type: Observation, path: valueQuantity.value, method: generalize, width: 10 }
              - { type: Observation, path: code.text, method: generalize, mapping: { "Body weight": 体重 } }
              - { type: Observation, path: component.code.text, method: generalize, mapping: { weight: 体重 }, otherwise: 其他 }
              - { type: Observation, path: status, method: generalize, mapping: { amended: final } }
            """);

        Assert.Equal("2020-03", output.GetProperty("effectiveDateTime").GetString());
        Assert.Equal(70, output.GetProperty("valueQuantity").GetProperty("value").GetDecimal());
        Assert.Equal("体重", output.GetProperty("code").GetProperty("text").GetString());
        Assert.Equal("其他", output.GetProperty("component")[0].GetProperty("code").GetProperty("text").GetString());
        Assert.False(output.TryGetProperty("status", out _));
        Assert.Contains("GENERALIZED", Deid.Labels(output));
    }

    [Fact]
    public void A_rule_keeping_an_identifier_value_keeps_its_system_too()
    {
        var patient = """{"resourceType":"Patient","id":"p1","identifier":[{"system":"urn:cordon:sid:mrn","value":"MRN-1"}]}""";
        var kept = Run("  - { type: Patient, path: identifier.value, method: keep }", patient).GetProperty("identifier")[0];
        var hashed = Run("  - { type: Patient, path: identifier.value, method: cryptoHash }", patient).GetProperty("identifier")[0];

        Assert.Equal("urn:cordon:sid:mrn", kept.GetProperty("system").GetString());
        Assert.Equal("MRN-1", kept.GetProperty("value").GetString());
        Assert.StartsWith("urn:cordon:pseudonym:t1:", hashed.GetProperty("system").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_marking_a_quasi_identifier_puts_the_value_as_written_in_the_tuple()
    {
        var plan = Deid.Plan(Deid.Rules("schema: cordon/deidentify@1\nrules:\n  - { type: Observation, path: valueQuantity.value, method: generalize, width: 10, quasiIdentifier: true }"));
        var (_, result) = Deid.Apply(plan, Observation);
        Assert.Equal([new KeyValuePair<string, string>("valueQuantity.value", "70")], result.QuasiIdentifiers);
    }
}
