using System.Security.Cryptography;
using System.Text.Json;
using Cordon.Server.Subjects;

namespace Cordon.Server.Tests.Vault;

/// <summary>The sealed subject profile: written by the generated serializer, read back by <see cref="SubjectVault.ReadProfile"/>.</summary>
public sealed class SubjectProfileTests
{
    public static TheoryData<string, string?> Profiles => new()
    {
        { "p-77", "赵敏" },
        { "MRN \"4711\" \\ tab\t<script>", "O'Reilly \u2028 line" },
        { "urn:uuid:fe07e69a-4d6d-4e11-a675-de69f62de5f3", null },
    };

    [Theory]
    [MemberData(nameof(Profiles))]
    public void A_profile_reads_back_exactly_as_it_was_written(string externalId, string? displayName)
    {
        var written = new SubjectProfile(externalId, new DateOnly(1979, 2, 3), displayName);

        var read = SubjectVault.ReadProfile(JsonSerializer.SerializeToUtf8Bytes(written, SubjectJson.Default.SubjectProfile));

        Assert.Equal(written, read);
    }

    [Fact]
    public void Properties_in_any_order_and_unknown_ones_are_read()
    {
        var read = SubjectVault.ReadProfile("""{"later":{"a":[1,2]},"birthDate":"2012-12-31","displayName":"李雷","externalId":"x-1"}"""u8);

        Assert.Equal(new SubjectProfile("x-1", new DateOnly(2012, 12, 31), "李雷"), read);
    }

    [Theory]
    [InlineData("""{"externalId":"x-1"}""")]
    [InlineData("""{"birthDate":"2012-12-31"}""")]
    [InlineData("""{"externalId":"x-1","birthDate":"2012-13-01"}""")]
    [InlineData("""{"externalId":"x-1","birthDate":20121231}""")]
    [InlineData("""[]""")]
    public void A_profile_without_its_id_or_a_valid_birth_date_does_not_open(string json)
        => Assert.Throws<CryptographicException>(() => SubjectVault.ReadProfile(System.Text.Encoding.UTF8.GetBytes(json)));
}
