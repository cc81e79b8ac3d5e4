using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Cordon.Server.Records;

namespace Cordon.Bench.Records;

/// <summary>
/// The R4 structure check every FHIR record passes on write (<see cref="FhirStructure.Check"/>: the one-pass check,
/// falling back to the SDK), against the Firely SDK's strict reading alone and its syntax-only reading, on a small
/// Observation and Patient. Baseline: parsing the same bytes into a <see cref="JsonDocument"/>, which the write does anyway.
/// </summary>
[MemoryDiagnoser]
public class FhirStructureBenchmarks
{
    private byte[] _observation = [];
    private byte[] _patient = [];

    [GlobalSetup]
    public void Setup()
    {
        _observation = Encoding.UTF8.GetBytes("""
            {"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}],"text":"收缩压"},"subject":{"reference":"Patient/p-1"},"effectiveDateTime":"2026-10-01T09:30:00+08:00","issued":"2026-10-01T09:40:00+08:00","valueQuantity":{"value":132,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}
            """);
        _patient = Encoding.UTF8.GetBytes("""
            {"resourceType":"Patient","identifier":[{"system":"urn:cordon:sid:mrn","value":"MRN-0001"}],"name":[{"use":"official","text":"张三丰","family":"张","given":["三丰"]}],"telecom":[{"system":"phone","value":"13812345678","use":"mobile"}],"gender":"male","birthDate":"1987-05-12","address":[{"use":"home","text":"北京市朝阳区示例路 1 号","city":"北京市","country":"CN"}]}
            """);
        if (FhirStructure.Check(_observation, "Observation").Count != 0 || FhirStructure.Check(_patient, "Patient").Count != 0)
        {
            throw new InvalidOperationException("the benchmark resources must conform");
        }
    }

    [Benchmark(Baseline = true)]
    public int ParseObservation()
    {
        using var document = JsonDocument.Parse(_observation);
        return document.RootElement.GetPropertyCount();
    }

    [Benchmark]
    public int CheckObservation() => FhirStructure.Check(_observation, "Observation").Count;

    private static readonly Hl7.Fhir.Serialization.FhirJsonDeserializer Syntax = new(new Hl7.Fhir.Serialization.DeserializerSettings().UsingMode(Hl7.Fhir.Serialization.DeserializationMode.SyntaxOnly));

    [Benchmark]
    public bool SyntaxOnlyObservation()
    {
        var reader = new Utf8JsonReader(_observation);
        return Syntax.TryDeserializeResource(ref reader, out _, out _);
    }

    [Benchmark]
    public int SdkObservation() => FhirStructure.CheckWithSdk(_observation, "Observation").Count;

    [Benchmark]
    public int CheckPatient() => FhirStructure.Check(_patient, "Patient").Count;

    [Benchmark]
    public int SdkPatient() => FhirStructure.CheckWithSdk(_patient, "Patient").Count;
}
