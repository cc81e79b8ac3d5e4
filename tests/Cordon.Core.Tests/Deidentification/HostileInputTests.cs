using System.Buffers;
using System.Text;

namespace Cordon.Core.Tests.Deidentification;

/// <summary>Input that is not what it claims gives a clear failure naming where, never a crash and never the content.</summary>
public sealed class HostileInputTests
{
    [Theory]
    [InlineData("""{"resourceType":"Observation","status":"fin""")]
    [InlineData("""{"resourceType":"Observation",}""")]
    [InlineData("[1,2]")]
    [InlineData("""{"status":"final"}""")]
    [InlineData("not json")]
    public void A_malformed_resource_is_a_malformed_failure(string json)
    {
        var result = Deid.Plan().Apply(Encoding.UTF8.GetBytes(json), "p1", new ArrayBufferWriter<byte>());
        Assert.True(result.Failed);
        Assert.Equal("request.malformed", result.Failure.Code);
        Assert.DoesNotContain("final", result.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_bundle_names_the_bundle_and_a_line()
    {
        var bundle = Deid.FirstSyntheaBundle();
        var result = Deid.Plan().ApplyBundle(bundle.AsSpan(0, bundle.Length / 2), new ArrayBufferWriter<byte>());
        Assert.True(result.Failed);
        Assert.Equal("request.malformed", result.Failure.Code);
        Assert.StartsWith("the bundle is not valid JSON at line ", result.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_NDJSON_line_is_named_by_its_number()
    {
        var ndjson = "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\"}\n\n{\"resourceType\":\"Observation\",\"id\":\n";
        var result = Deid.Plan().ApplyNdjson(Encoding.UTF8.GetBytes(ndjson), new ArrayBufferWriter<byte>());
        Assert.True(result.Failed);
        Assert.StartsWith("line 3", result.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_UTF8_in_a_string_is_written_as_the_replacement_character_and_deep_nesting_is_refused()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"resourceType\":\"Observation\",\"status\":\"X\"}\n");
        bytes[Array.IndexOf(bytes, (byte)'X')] = 0xFF;
        var output = new ArrayBufferWriter<byte>();
        Assert.False(Deid.Plan().ApplyNdjson(bytes, output).Failed);
        Assert.DoesNotContain((byte)0xFF, output.WrittenSpan.ToArray());
        Assert.Contains("\\uFFFD", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);

        var deep = "{\"resourceType\":\"Observation\",\"code\":" + string.Concat(Enumerable.Repeat("{\"coding\":", 200)) + "1" + new string('}', 201);
        Assert.True(Deid.Plan().Apply(Encoding.UTF8.GetBytes(deep), "p1", new ArrayBufferWriter<byte>()).Failed);
    }

    [Fact]
    public void A_bundle_that_is_not_a_bundle_is_refused()
    {
        var result = Deid.Plan().ApplyBundle("""{"resourceType":"Patient","id":"p1"}"""u8, new ArrayBufferWriter<byte>());
        Assert.True(result.Failed);
        Assert.Contains("resourceType Bundle", result.Failure.Detail, StringComparison.Ordinal);
    }
}
