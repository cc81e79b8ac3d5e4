using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Cordon.Bench.Catalog;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;
using Cordon.Core.Deidentification;
using Cordon.Core.Json;
using Cordon.Core.Profiles;

namespace Cordon.Bench.Deidentification;

/// <summary>
/// De-identification of the Synthea patients (data/synthea-r4) with the default profile's catalog, as NDJSON (one resource of a
/// catalogued type per line, built here) and as the Bundles themselves. Every benchmark handles the same resources; the figure
/// is per resource. Baseline: System.Text.Json parsing each resource into a JsonDocument and writing it back.
/// </summary>
[MemoryDiagnoser]
public class DeidentificationBenchmarks
{
    private readonly List<(int Start, int Length)> _lines = [];
    private byte[] _ndjson = [];
    private List<byte[]> _bundles = [];
    private DeidentificationPlan _plan = null!;
    private readonly ArrayBufferWriter<byte> _output = new(1 << 24);

    /// <summary>Resources of catalogued types, the unit of every benchmark here.</summary>
    public const int Resources = 4023;

    [GlobalSetup]
    public void Setup()
    {
        var profilePath = ProjectionBenchmarks.FindProfile();
        var profile = ProfileLoader.Load(File.ReadAllText(profilePath), "internet-hospital.yaml").Profile
            ?? throw new InvalidOperationException("the default profile does not load");
        var catalog = CompiledCatalog.Compile(profile.Catalog);
        var keys = DeidentificationKeys.Derive(CryptoSuite.Standard, "bench", new byte[32]);
        var compiled = DeidentificationPlan.Compile(catalog, DeidentificationRules.Defaults, keys, CryptoSuite.Standard);
        _plan = compiled.Value ?? throw new InvalidOperationException(compiled.Failure!.Detail);

        var folder = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(profilePath))!, "data", "synthea-r4");
        var ndjson = new StringBuilder();
        _bundles = [];
        foreach (var file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            using var bundle = JsonDocument.Parse(bytes);
            var kept = bundle.RootElement.GetProperty("entry").EnumerateArray()
                .Where(e => catalog.TryGetType(e.GetProperty("resource").GetProperty("resourceType").GetString()!, out _))
                .ToList();
            foreach (var entry in kept)
            {
                ndjson.Append(entry.GetProperty("resource").GetRawText().Replace("\n", string.Empty, StringComparison.Ordinal)).Append('\n');
            }

            // The Bundles keep only the catalogued entries too, so that every benchmark handles the same resources.
            _bundles.Add(JsonSerializer.SerializeToUtf8Bytes(new { resourceType = "Bundle", type = "transaction", entry = kept }));
        }

        _ndjson = Encoding.UTF8.GetBytes(ndjson.ToString());
        var start = 0;
        for (var i = 0; i < _ndjson.Length; i++)
        {
            if (_ndjson[i] == '\n')
            {
                _lines.Add((start, i - start));
                start = i + 1;
            }
        }

        if (_lines.Count != Resources)
        {
            throw new InvalidOperationException($"{_lines.Count} resources, the figures assume {Resources}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Resources)]
    public int ParseAndWrite()
    {
        _output.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_output, JsonOutput.WriterOptions);
        foreach (var (start, length) in _lines)
        {
            using var document = JsonDocument.Parse(_ndjson.AsMemory(start, length));
            writer.Reset(_output);
            document.WriteTo(writer);
            writer.Flush();
        }

        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Resources)]
    public int ReaderToWriterCopy()
    {
        _output.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_output, JsonOutput.WriterOptions);
        foreach (var (start, length) in _lines)
        {
            var reader = new Utf8JsonReader(_ndjson.AsSpan(start, length));
            writer.Reset(_output);
            ProjectionBenchmarks.CopyTokens(ref reader, writer);
            writer.Flush();
        }

        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Resources)]
    public int DeidentifyNdjson()
    {
        _output.ResetWrittenCount();
        var result = _plan.ApplyNdjson(_ndjson, _output);
        return result.Value!.Count;
    }

    [Benchmark(OperationsPerInvoke = Resources)]
    public int DeidentifyBundles()
    {
        _output.ResetWrittenCount();
        var count = 0;
        foreach (var bundle in _bundles)
        {
            count += _plan.ApplyBundle(bundle, _output).Value!.Count;
        }

        return count;
    }
}
