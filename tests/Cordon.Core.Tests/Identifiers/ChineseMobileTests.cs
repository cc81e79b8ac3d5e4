using Cordon.Core.Identifiers;

namespace Cordon.Core.Tests.Identifiers;

public sealed class ChineseMobileTests
{
    [Theory]
    [InlineData("13812345678")]
    [InlineData("+86 138 1234 5678")]
    [InlineData("+8613812345678")]
    [InlineData("0086-138-1234-5678")]
    [InlineData("8613812345678")]
    [InlineData(" 138-1234-5678 ")]
    public void Mainland_numbers_in_common_writings_normalise_to_eleven_digits(string text)
    {
        var result = ChineseMobile.Parse(text);

        Assert.True(result.Success, result.Error);
        Assert.Equal("13812345678", result.Value.Value);
    }

    [Theory]
    [InlineData("12812345678", "13 to 19")]
    [InlineData("23812345678", "13 to 19")]
    [InlineData("1381234567", "11 digits")]
    [InlineData("138123456789", "11 digits")]
    [InlineData("555-355-9196", "11 digits")]
    [InlineData("138 1234 567a", "only digits")]
    [InlineData("", "11 digits")]
    public void Other_numbers_are_refused_with_a_reason_that_does_not_repeat_them(string text, string reason)
    {
        var result = ChineseMobile.Parse(text);

        Assert.False(result.Success);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("1234", result.Error, StringComparison.Ordinal);
        Assert.False(ChineseMobile.IsValid(text));
    }

    [Fact]
    public void ToString_never_shows_the_number()
    {
        Assert.DoesNotContain("138", ChineseMobile.Parse("13812345678").Value.ToString(), StringComparison.Ordinal);
    }
}
