using Cordon.Core.Crypto;
using Cordon.Core.Deidentification;

namespace Cordon.Core.Tests.Deidentification;

/// <summary>Rules are read strictly and checked against the catalog when the plan is compiled.</summary>
public sealed class RuleCompileTests
{
    private static Result<DeidentificationPlan> Compile(string rules)
        => DeidentificationPlan.Compile(Deid.Catalog.Value, Deid.Rules("schema: cordon/deidentify@1\nrules:\n" + rules), Deid.Keys(), CryptoSuite.Standard);

    [Fact]
    public void A_rule_on_a_path_the_catalog_does_not_know_is_refused_naming_the_path_and_the_nearest_known_path()
    {
        var result = Compile("  - { type: Patient, path: birthDat, method: redact }");

        Assert.True(result.Failed);
        Assert.Equal("deidentify.unknown-path", result.Failure.Code);
        Assert.Equal(FailureKind.Invalid, result.Failure.Kind);
        var error = Assert.Single(result.Failure.Errors!["Patient.birthDat"]);
        Assert.Contains("'birthDat' is not a path of Patient", error, StringComparison.Ordinal);
        Assert.Contains("the nearest known path is 'birthDate'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_on_a_type_the_catalog_does_not_know_is_refused_with_the_nearest_type()
    {
        var result = Compile("  - { type: Observaton, path: status, method: redact }");
        Assert.True(result.Failed);
        Assert.Contains("did you mean 'Observation'?", result.Failure.Errors!["Observaton"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Observation", "value[x].value")]
    [InlineData("Observation", "valueQuantity.value")]
    [InlineData("Patient", "address")]
    [InlineData("Patient", "address.*")]
    [InlineData("Patient", "extension.valueString")]
    public void Paths_under_a_declared_wildcard_or_a_declared_prefix_are_known(string type, string path)
        => Assert.False(Compile($"  - {{ type: {type}, path: \"{path}\", method: redact }}").Failed);

    [Fact]
    public void The_refusal_code_is_in_the_table_of_refusals()
        => Assert.Equal("deidentify.unknown-path", Cordon.Core.Decisions.Refusals.DeidentifyUnknownPath.Code);

    [Theory]
    [InlineData("rules:\n  - { type: Patient, path: gender, method: keep }", "'schema' is missing")]
    [InlineData("schema: cordon/deidentify@1\nrules:\n  - { type: Patient, path: gender, method: blur }", "unknown method 'blur'")]
    [InlineData("schema: cordon/deidentify@1\nrules:\n  - { type: Patient, path: gender, method: keep, span: 2 }", "'span' is not a parameter of keep")]
    [InlineData("schema: cordon/deidentify@1\nrules:\n  - { type: Patient, path: gender, method: perturb }", "perturb needs exactly one of 'span'")]
    [InlineData("schema: cordon/deidentify@1\nrules:\n  - { type: Patient, path: gender, method: substitute }", "substitute needs 'value'")]
    [InlineData("schema: cordon/deidentify@1\nrules:\n  - { type: Patient, path: gender, method: generalize }", "generalize needs exactly one of")]
    [InlineData("schema: cordon/deidentify@1\nrules:\n  - { type: Patient, path: \"a..b\", method: keep }", "is not a property name")]
    [InlineData("schema: cordon/deidentify@1\nrules:\n  - { type: Patient, path: gender, method: keep, colour: red }", "unknown key 'colour'")]
    [InlineData("schema: cordon/deidentify@1\ndateShiftDays: 0", "'dateShiftDays' is 1 to 3650")]
    [InlineData("schema: cordon/deidentify@1\nrules: [ {", "YAML syntax")]
    public void Mistakes_in_the_rules_file_are_refused_with_file_line_and_column(string yaml, string expected)
    {
        var load = DeidentificationRulesLoader.Load(yaml, "rules.yaml");
        Assert.False(load.Succeeded);
        Assert.Contains(load.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal) && e.File == "rules.yaml" && e.Line >= 1);
    }

    [Fact]
    public void The_same_rules_read_from_JSON()
    {
        var load = DeidentificationRulesLoader.Load("""{"schema":"cordon/deidentify@1","dateShiftDays":30,"rules":[{"type":"Patient","path":"gender","method":"generalize","mapping":{"male":"M"},"otherwise":"U","quasiIdentifier":true}]}""", "rules.json");
        Assert.True(load.Succeeded, string.Join("; ", load.Errors));
        Assert.Equal(30, load.Rules.DateShiftDays);
        var rule = Assert.Single(load.Rules.Rules);
        Assert.Equal(DeidentificationMethod.Generalize, rule.Method);
        Assert.Equal("M", rule.Mapping!["male"]);
        Assert.True(rule.QuasiIdentifier);
    }
}
