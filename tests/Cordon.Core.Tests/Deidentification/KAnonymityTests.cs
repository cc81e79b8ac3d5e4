using Cordon.Core.Deidentification;

namespace Cordon.Core.Tests.Deidentification;

/// <summary>k, the classes and the records below the minimum, on small cohorts whose numbers are known.</summary>
public sealed class KAnonymityTests
{
    private static string Patient(string id, string birthDate, string gender, string state, string city) => $$"""
        {"resourceType":"Patient","id":"{{id}}","gender":"{{gender}}","birthDate":"{{birthDate}}",
         "address":[{"line":["{{id}} 路"],"city":"{{city}}","state":"{{state}}","postalCode":"518000"}]}
        """;

    private static KAnonymity Cohort()
    {
        var plan = Deid.Plan();
        var k = new KAnonymity();
        string[] patients =
        [
            Patient("a", "1980-01-02", "female", "广东省", "深圳市"),
            Patient("b", "1980-11-30", "female", "广东省", "深圳市"),
            Patient("c", "1980-06-15", "female", "广东省", "深圳市"),
            Patient("d", "1990-05-01", "male", "北京市", "北京市"),
            Patient("e", "1990-07-01", "male", "北京市", "北京市"),
            Patient("f", "1975-03-03", "male", "上海市", "上海市"),
        ];
        foreach (var (patient, i) in patients.Select((p, i) => (p, i)))
        {
            k.Add(Deid.Apply(plan, patient, ((char)('a' + i)).ToString()).Result);
        }

        return k;
    }

    [Fact]
    public void K_is_the_smallest_class_of_birth_year_gender_province_and_city()
    {
        var report = Cohort().Report(minimumK: 2);

        Assert.Equal(1, report.K);
        Assert.Equal(6, report.Records);
        Assert.Equal(3, report.Classes);
        Assert.Single(report.RecordsBelowMinimum);
        Assert.False(report.MeetsMinimum);
        Assert.Equal(3, Cohort().Report(minimumK: 3).RecordsBelowMinimum.Count);
    }

    [Fact]
    public void A_release_below_the_minimum_k_is_refused_and_one_at_it_passes()
    {
        var k = new KAnonymity();
        foreach (var record in new[] { "r1", "r2", "r3" })
        {
            k.Add(record, [new("birthYear", "1980"), new("gender", "female")]);
        }

        k.Add("r4", [new("birthYear", "1990"), new("gender", "male")]);
        k.Add("r5", [new("birthYear", "1990")]);
        k.Add("r5", [new("gender", "male")]);

        var refused = k.CheckRelease(3);
        Assert.True(refused.Failed);
        Assert.Equal("deidentify.k-anonymity-too-low", refused.Failure.Code);
        Assert.Contains("k is 2, below the minimum 3: 2 of 5 records", refused.Failure.Detail, StringComparison.Ordinal);

        var passed = k.CheckRelease(2);
        Assert.False(passed.Failed);
        Assert.Equal((2, 2, 5), (passed.Value.K, passed.Value.Classes, passed.Value.Records));
    }
}
