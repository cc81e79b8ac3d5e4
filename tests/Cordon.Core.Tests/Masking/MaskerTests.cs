using Cordon.Core.Masking;
using Cordon.Core.Profiles;

namespace Cordon.Core.Tests.Masking;

public sealed class MaskerTests
{
    [Theory]
    [InlineData("110105194912310021", 6, 4, "110105********0021")]
    [InlineData("13812345678", 3, 4, "138****5678")]
    [InlineData("张三丰", 1, 0, "张**")]
    [InlineData("6222021234567890", 0, 4, "************7890")]
    [InlineData("ab", 1, 1, "**")]
    [InlineData("abc", 3, 4, "***")]
    [InlineData("", 1, 1, "")]
    [InlineData("三丰", 0, 0, "**")]
    public void Keep_ends_stars_the_middle_and_preserves_length(string value, int start, int end, string expected)
    {
        var masked = Masker.KeepEnds(value, start, end);

        Assert.Equal(expected, masked);
        Assert.Equal(value.Length, masked.Length);
    }

    [Fact]
    public void Keep_ends_counts_a_supplementary_character_as_one()
    {
        // 𠮷 (U+20BB7) is one character written with two UTF-16 code units.
        Assert.Equal("𠮷**", Masker.KeepEnds("𠮷大华", 1, 0));
        Assert.Equal("张**", Masker.KeepEnds("张𠮷华", 1, 0));
    }

    [Fact]
    public void Keep_ends_into_a_span_matches_the_string_form()
    {
        Span<char> destination = stackalloc char[32];
        var written = Masker.KeepEnds("13812345678", 3, 4, destination);

        Assert.Equal("138****5678", destination[..written].ToString());
    }

    [Theory]
    [InlineData("1987-05-12", "1987")]
    [InlineData("1987-05", "1987")]
    [InlineData("1987", "1987")]
    [InlineData("1987-05-12T08:30:00+08:00", "1987")]
    [InlineData("87-05-12", null)]
    [InlineData("19870512", null)]
    [InlineData("", null)]
    public void Year_keeps_only_the_year_of_a_FHIR_date(string value, string? expected)
    {
        Assert.Equal(expected, Masker.Year(value));
    }

    [Fact]
    public void Apply_follows_the_mask_method()
    {
        Assert.Equal("138****5678", Masker.Apply(new MaskSpec(MaskMethod.KeepEnds, 3, 4), "13812345678"));
        Assert.Equal("1990", Masker.Apply(new MaskSpec(MaskMethod.Year), "1990-01-02"));
        Assert.Null(Masker.Apply(new MaskSpec(MaskMethod.Redact), "anything"));
    }
}
