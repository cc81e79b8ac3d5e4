using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using BenchmarkDotNet.Attributes;
using Cordon.Core.Catalog;
using Cordon.Core.Identifiers;
using Cordon.Core.Profiles;

namespace Cordon.Bench.Catalog;

/// <summary>
/// Projection and classification of a Chinese patient record against the default profile's catalog.
/// Baseline: copying the same JSON through Utf8JsonReader/Utf8JsonWriter without any decisions.
/// </summary>
[MemoryDiagnoser]
public class ProjectionBenchmarks
{
    private static readonly JsonWriterOptions CopyOptions = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    private byte[] _patient = [];
    private CompiledType _type = null!;
    private ProjectionPlan _supportPlan = null!;
    private JsonDocument _document = null!;
    private readonly ArrayBufferWriter<byte> _output = new(4096);

    [GlobalSetup]
    public void Setup()
    {
        var profileText = File.ReadAllText(FindProfile());
        var profile = ProfileLoader.Load(profileText, "internet-hospital.yaml").Profile
            ?? throw new InvalidOperationException("the default profile does not load");
        if (!CompiledCatalog.Compile(profile.Catalog).TryGetType("Patient", out var type))
        {
            throw new InvalidOperationException("no Patient type");
        }

        _type = type;
        var masks = profile.Masking.Where(m => m.Role == Cordon.Core.Access.Role.Support && m.Type == "Patient").ToDictionary(m => m.Path, m => m.Mask);
        _supportPlan = type.CreatePlan(type.Definition.Paths.ToHashSet(StringComparer.Ordinal), masks);

        var id = ChineseResidentId.Create("110105", new DateOnly(1987, 5, 12), 123).Value;
        _patient = Encoding.UTF8.GetBytes($$"""
            {"resourceType":"Patient","id":"p-1","meta":{"versionId":"3","lastUpdated":"2026-11-01T08:00:00+08:00"},
             "identifier":[{"system":"urn:cordon:sid:cn-resident-id","value":"{{id}}"},{"system":"urn:cordon:sid:mrn","value":"MRN-0001"}],
             "name":[{"use":"official","text":"张三丰","family":"张","given":["三丰"]}],
             "telecom":[{"system":"phone","value":"13812345678","use":"mobile"},{"system":"email","value":"zhang@example.cn"}],
             "gender":"male","birthDate":"1987-05-12",
             "address":[{"use":"home","text":"北京市朝阳区示例路 1 号","line":["示例路 1 号"],"city":"北京市","district":"朝阳区","state":"北京市","postalCode":"100020","country":"CN"}],
             "maritalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus","code":"M"}]},
             "contact":[{"relationship":[{"text":"配偶"}],"name":{"text":"李四"},"telecom":[{"system":"phone","value":"13900001111"}]}]}
            """);
        _document = JsonDocument.Parse(_patient);
    }

    [GlobalCleanup]
    public void Cleanup() => _document.Dispose();

    [Benchmark(Baseline = true)]
    public int CopyWithoutDecisions()
    {
        _output.ResetWrittenCount();
        var reader = new Utf8JsonReader(_patient);
        using var writer = new Utf8JsonWriter(_output, CopyOptions);
        CopyTokens(ref reader, writer);
        writer.Flush();
        return _output.WrittenCount;
    }

    /// <summary>The plain copy the baselines measure: every token read written back, no decision taken.</summary>
    internal static void CopyTokens(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                case JsonTokenType.PropertyName: writer.WritePropertyName(reader.ValueSpan); break;
                case JsonTokenType.String: writer.WriteStringValue(reader.ValueSpan); break;
                default: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
            }
        }
    }

    [Benchmark]
    public int ProjectMaskedForSupport()
    {
        _output.ResetWrittenCount();
        RecordProjector.Project(_patient, _supportPlan, _output);
        return _output.WrittenCount;
    }

    [Benchmark]
    public Level Classify() => _type.Classify(_document.RootElement).Level;

    internal static string FindProfile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "profiles", "internet-hospital.yaml");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("profiles/internet-hospital.yaml was not found above the benchmark binaries");
    }
}
