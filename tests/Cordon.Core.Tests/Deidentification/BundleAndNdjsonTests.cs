using System.Buffers;
using System.Text;
using System.Text.Json;
using Cordon.Core.Deidentification;

namespace Cordon.Core.Tests.Deidentification;

/// <summary>Bundles and NDJSON: every entry de-identified, references resolving inside the output, the same result either way.</summary>
public sealed class BundleAndNdjsonTests
{
    private static readonly byte[] Bundle = Deid.FirstSyntheaBundle();

    private static List<JsonElement> Lines(ArrayBufferWriter<byte> output)
        => [.. Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public void Every_catalogued_entry_of_a_Synthea_bundle_is_written_and_every_reference_to_a_written_resource_resolves()
    {
        var output = new ArrayBufferWriter<byte>();
        var result = Deid.Plan().ApplyBundle(Bundle, output);

        Assert.False(result.Failed, result.Failure?.Detail);
        var lines = Lines(output);
        Assert.Equal(976, result.Value.Count);
        Assert.Equal(result.Value.Count(r => r.Written), lines.Count);
        Assert.Equal(139, result.Value.Count(r => r.ResourceType == "Claim" && r.Withheld == "catalog.unknown-type"));

        var ids = lines.Select(l => l.GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal);
        var references = lines.SelectMany(l => References(l)).Where(r => r.StartsWith("urn:uuid:", StringComparison.Ordinal)).ToList();
        Assert.True(references.Count > 1000);
        var patient = lines.Single(l => l.GetProperty("resourceType").GetString() == "Patient").GetProperty("id").GetString();
        Assert.All(lines.Where(l => l.TryGetProperty("subject", out _)), l => Assert.Equal("urn:uuid:" + patient, l.GetProperty("subject").GetProperty("reference").GetString()));
        var resolved = references.Count(r => ids.Contains(r[9..]));
        Assert.True(resolved > references.Count / 2, $"{resolved} of {references.Count}");
        Assert.All(lines, l => Assert.Contains("PSEUDED", Deid.Labels(l)));
        Assert.DoesNotContain("Antonia30", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    private static IEnumerable<string> References(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    if (p.Name == "reference" && p.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return p.Value.GetString()!;
                    }

                    foreach (var r in References(p.Value))
                    {
                        yield return r;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var r in References(item))
                    {
                        yield return r;
                    }
                }

                break;
        }
    }

    [Fact]
    public void A_bundle_written_as_a_bundle_has_fullUrls_that_match_the_pseudonymised_ids()
    {
        var output = new ArrayBufferWriter<byte>();
        var result = Deid.Plan().ApplyBundle(Bundle, output, DeidentifiedOutput.Bundle);

        Assert.False(result.Failed, result.Failure?.Detail);
        using var bundle = JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal("transaction", bundle.RootElement.GetProperty("type").GetString());
        var entries = bundle.RootElement.GetProperty("entry").EnumerateArray().ToList();
        Assert.Equal(result.Value.Count(r => r.Written), entries.Count);
        Assert.All(entries, e => Assert.Equal("urn:uuid:" + e.GetProperty("resource").GetProperty("id").GetString(), e.GetProperty("fullUrl").GetString()));
        Assert.All(entries, e => Assert.Equal(e.GetProperty("resource").GetProperty("resourceType").GetString(), e.GetProperty("request").GetProperty("url").GetString()));
    }

    [Fact]
    public void NDJSON_of_the_bundle_entries_gives_the_same_resources_of_the_subject_as_the_bundle()
    {
        using var document = JsonDocument.Parse(Bundle);
        var ndjson = string.Join('\n', document.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetRawText().Replace("\n", string.Empty, StringComparison.Ordinal)));
        var fromBundle = new ArrayBufferWriter<byte>();
        var fromLines = new ArrayBufferWriter<byte>();
        var plan = Deid.Plan();

        Assert.False(plan.ApplyBundle(Bundle, fromBundle).Failed);
        var result = plan.ApplyNdjson(Encoding.UTF8.GetBytes(ndjson), fromLines);

        Assert.False(result.Failed, result.Failure?.Detail);
        static IEnumerable<string> OfSubject(List<JsonElement> lines) => lines
            .Where(l => l.GetProperty("resourceType").GetString() is "Patient" or "Observation" or "Encounter" or "Condition" or "DocumentReference")
            .Select(l => l.GetRawText());
        Assert.Equal(OfSubject(Lines(fromBundle)), OfSubject(Lines(fromLines)));
    }

    [Fact]
    public void Every_Synthea_bundle_is_de_identified_without_a_failure()
    {
        var plan = Deid.Plan();
        var written = 0;
        foreach (var (path, bytes) in Deid.SyntheaBundles())
        {
            var output = new ArrayBufferWriter<byte>();
            var result = plan.ApplyBundle(bytes, output);
            Assert.False(result.Failed, $"{path}: {result.Failure?.Detail}");
            written += result.Value.Count(r => r.Written);
        }

        Assert.True(written > 4000, $"{written}");
    }
}
