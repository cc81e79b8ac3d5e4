using Cordon.Core.Identifiers;

namespace Cordon.Core.Tests.Identifiers;

public sealed class ChineseResidentIdTests
{
    // The GB 11643-1999 worked example: 11010519491231002 → check character X.
    private const string StandardExample = "11010519491231002X";

    [Fact]
    public void The_standards_example_parses_with_its_parts()
    {
        var result = ChineseResidentId.Parse(StandardExample);

        Assert.True(result.Success, result.Error);
        var id = result.Value;
        Assert.Equal(StandardExample, id.Value);
        Assert.Equal("110105", id.AreaCode);
        Assert.Equal(new DateOnly(1949, 12, 31), id.BirthDate);
        Assert.Equal(2, id.Sequence);
        Assert.Equal(RecordedSex.Female, id.Sex);
        Assert.Equal('X', id.CheckCharacter);
    }

    [Fact]
    public void Check_character_is_computed_by_ISO_7064_MOD_11_2()
    {
        Assert.Equal('X', ChineseResidentId.ComputeCheckCharacter("11010519491231002"));
        // The standard's second example, 440524188001010014.
        Assert.Equal('4', ChineseResidentId.ComputeCheckCharacter("44052418800101001"));
    }

    [Fact]
    public void Lower_case_x_and_spaces_are_normalised()
    {
        var result = ChineseResidentId.Parse(" 110105 19491231 002x ");

        Assert.True(result.Success, result.Error);
        Assert.Equal(StandardExample, result.Value.Value);
    }

    [Theory]
    [InlineData("110105194912310021", "check character")]
    [InlineData("11010519491231002Y", "digit or X")]
    [InlineData("11010519491331002X", "not a valid date")]
    [InlineData("11010519490230002X", "not a valid date")]
    [InlineData("1101051949123100", "18 characters")]
    [InlineData("11010519491231002X1", "18 characters")]
    [InlineData("1101A519491231002X", "17 characters")]
    [InlineData("", "18 characters")]
    [InlineData("99010519491231002X", "administrative division")]
    [InlineData("11010518000101002X", "implausibly early")]
    public void Invalid_numbers_are_refused_with_a_reason_that_does_not_repeat_them(string text, string reason)
    {
        var result = ChineseResidentId.Parse(text);

        Assert.False(result.Success);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
        if (text.Length > 0)
        {
            Assert.DoesNotContain(text, result.Error, StringComparison.Ordinal);
        }

        Assert.False(ChineseResidentId.IsValid(text));
    }

    [Fact]
    public void A_birth_date_after_the_given_day_is_refused()
    {
        var id = ChineseResidentId.Create("310104", new DateOnly(2030, 1, 1), 11);

        Assert.True(ChineseResidentId.Parse(id.Value).Success);
        var result = ChineseResidentId.Parse(id.Value, notAfter: new DateOnly(2026, 11, 23));
        Assert.False(result.Success);
        Assert.Contains("future", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_builds_a_valid_number_whose_sex_follows_the_sequence()
    {
        var male = ChineseResidentId.Create("440305", new DateOnly(1990, 7, 15), 123);
        var female = ChineseResidentId.Create("440305", new DateOnly(1990, 7, 15), 124);

        Assert.True(ChineseResidentId.IsValid(male.Value));
        Assert.StartsWith("44030519900715123", male.Value, StringComparison.Ordinal);
        Assert.Equal(RecordedSex.Male, male.Sex);
        Assert.Equal(RecordedSex.Female, female.Sex);
    }

    [Fact]
    public void Every_wrong_check_character_is_detected()
    {
        var valid = ChineseResidentId.Create("110105", new DateOnly(1985, 3, 8), 77).Value;
        foreach (var c in "0123456789X")
        {
            var candidate = valid[..17] + c;
            Assert.Equal(c == valid[17], ChineseResidentId.IsValid(candidate));
        }
    }

    [Fact]
    public void ToString_never_shows_the_number()
    {
        var id = ChineseResidentId.Parse(StandardExample).Value;

        Assert.DoesNotContain("1949", id.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("1949", $"{id}", StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_numbers_are_equal_values()
    {
        Assert.Equal(ChineseResidentId.Parse(StandardExample).Value, ChineseResidentId.Parse("11010519491231002x").Value);
    }
}
