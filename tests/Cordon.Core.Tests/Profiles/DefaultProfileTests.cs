using Cordon.Core.Profiles;

namespace Cordon.Core.Tests.Profiles;

public sealed class DefaultProfileTests
{
    [Theory]
    [InlineData("internet-hospital.yaml")]
    [InlineData("health-information-service.yaml")]
    public void The_shipped_profiles_load_without_errors(string name)
    {
        var result = ProfileLoader.Load(RepoFiles.ReadProfile(name), name);

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        Assert.Empty(result.Errors);
    }
}
