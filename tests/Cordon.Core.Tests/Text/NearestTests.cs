using Cordon.Core.Text;

namespace Cordon.Core.Tests.Text;

public sealed class NearestTests
{
    private static readonly string[] Purposes = ["appointment", "consultation", "prescription", "test-results", "marketing"];

    [Theory]
    [InlineData("consultaton", "consultation")]
    [InlineData("Consultation", "consultation")]
    [InlineData("apointment", "appointment")]
    [InlineData("presciption", "prescription")]
    [InlineData("markteing", "marketing")]
    public void A_typo_finds_what_was_meant(string typo, string meant) => Assert.Equal(meant, Nearest.To(typo, Purposes));

    [Theory]
    [InlineData("sales")]
    [InlineData("x")]
    [InlineData("")]
    public void Another_word_finds_nothing(string word) => Assert.Null(Nearest.To(word, Purposes));

    [Theory]
    [InlineData("birthdate", "birthDate", 0)]
    [InlineData("valueQuantiy", "valueQuantity", 1)]
    [InlineData("ab", "ba", 1)]
    [InlineData("kitten", "sitting", 3)]
    public void Distance_counts_edits_and_swaps_ignoring_case(string a, string b, int expected) => Assert.Equal(expected, Nearest.Distance(a, b));
}
