using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cordon.Core.Deidentification;

namespace Cordon.Core.Tests.Deidentification;

/// <summary>
/// The de-identified Synthea patients, byte for byte: SHA-256 of the output (and of what the results report) recorded
/// before the walk was made faster (issue 13), so that a speed-up cannot change a byte of what is written. With fixed
/// keys the output is deterministic; a deliberate change of the output updates these constants in the same commit.
/// </summary>
public sealed class SyntheaOutputTests
{
    private const string NdjsonOutput = "f1ea01edb4a082d4a429d2d0eb372fcaf38ab7d335a8f57f2a805c8df0a4ff3a";
    private const string NdjsonResults = "0c82e4210579ce28cda0ccabc15c6f8d7de0fbfa75dc02848873863bf3cfdd00";
    private const string BundleNdjsonOutput = "f1ea01edb4a082d4a429d2d0eb372fcaf38ab7d335a8f57f2a805c8df0a4ff3a";
    private const string BundleBundleOutput = "feb83ccb4611814f27fc2bff5fdf21e090b96c9beb7076ba127bc1edeccd342d";
    private const string BundleResults = "09bd144377fbfd5479ff96abe6496911f2d98e1fff70c7043aa35e9444cf0b75";
    private const string RulesNdjsonOutput = "d15c4f95791666f748bfe3ce37dae3b751d320a44b236e20aef4e4919039ff1c";
    private const string RulesNdjsonResults = "5fdf1f902b77b73c535cb8f37108be55f9b6a0ae6454493f18ffdd9e5ce2d56f";

    private const string Rules = """
        schema: cordon/deidentify@1
        rules:
          - { type: Observation, path: "effective[x]", method: generalize, to: month }
          - { type: Observation, path: "value[x]", method: perturb, ratio: 0.1, quasiIdentifier: true }
          - { type: Observation, path: code.text, method: cryptoHash }
          - { type: Observation, path: status, method: generalize, mapping: { final: done }, otherwise: other }
          - { type: Patient, path: identifier.value, method: encrypt }
          - { type: Patient, path: gender, method: substitute, value: unknown }
          - { type: Encounter, path: "period", method: keep }
        """;

    /// <summary>Every resource of the Synthea bundles, one per line, in file order (a Patient first in each file).</summary>
    private static byte[] Ndjson()
    {
        var ndjson = new StringBuilder();
        foreach (var (_, bytes) in Deid.SyntheaBundles())
        {
            using var bundle = JsonDocument.Parse(bytes);
            foreach (var entry in bundle.RootElement.GetProperty("entry").EnumerateArray())
            {
                ndjson.Append(entry.GetProperty("resource").GetRawText().Replace("\n", string.Empty, StringComparison.Ordinal)).Append('\n');
            }
        }

        return Encoding.UTF8.GetBytes(ndjson.ToString());
    }

    [Fact]
    public void The_NDJSON_of_the_Synthea_patients_is_de_identified_to_the_recorded_bytes()
    {
        var output = new ArrayBufferWriter<byte>();
        var result = Deid.Plan().ApplyNdjson(Ndjson(), output);

        Assert.False(result.Failed, result.Failure?.Detail);
        Assert.Equal(NdjsonOutput, Sha256(output.WrittenSpan));
        Assert.Equal(NdjsonResults, Sha256(Describe(result.Value)));
    }

    [Fact]
    public void The_Synthea_bundles_are_de_identified_to_the_recorded_bytes_as_NDJSON_and_as_Bundles()
    {
        var plan = Deid.Plan();
        var lines = new ArrayBufferWriter<byte>();
        var bundles = new ArrayBufferWriter<byte>();
        var results = new List<DeidentifiedResource>();
        foreach (var (path, bytes) in Deid.SyntheaBundles())
        {
            var asLines = plan.ApplyBundle(bytes, lines);
            var asBundle = plan.ApplyBundle(bytes, bundles, DeidentifiedOutput.Bundle);
            Assert.False(asLines.Failed, $"{Path.GetFileName(path)}: {asLines.Failure?.Detail}");
            Assert.False(asBundle.Failed, $"{Path.GetFileName(path)}: {asBundle.Failure?.Detail}");
            results.AddRange(asLines.Value);
            bundles.Write("\n"u8);
        }

        Assert.Equal(BundleNdjsonOutput, Sha256(lines.WrittenSpan));
        Assert.Equal(BundleBundleOutput, Sha256(bundles.WrittenSpan));
        Assert.Equal(BundleResults, Sha256(Describe(results)));
    }

    [Fact]
    public void The_NDJSON_of_the_Synthea_patients_under_explicit_rules_is_de_identified_to_the_recorded_bytes()
    {
        var output = new ArrayBufferWriter<byte>();
        var result = Deid.Plan(Deid.Rules(Rules)).ApplyNdjson(Ndjson(), output);

        Assert.False(result.Failed, result.Failure?.Detail);
        Assert.Equal(RulesNdjsonOutput, Sha256(output.WrittenSpan));
        Assert.Equal(RulesNdjsonResults, Sha256(Describe(result.Value)));
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] Describe(IEnumerable<DeidentifiedResource> results)
    {
        var text = new StringBuilder();
        foreach (var r in results)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{r.ResourceType} {r.Id} {r.Subject} {r.Withheld} {r.Labels} {r.Redacted} {r.Unclassified} {r.Pseudonymised} {r.DatesShifted} {r.Generalized} {r.Transformed} {r.Scrubbed}");
            foreach (var (key, value) in r.QuasiIdentifiers)
            {
                text.Append(CultureInfo.InvariantCulture, $" {key}={value}");
            }

            text.Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
