using System.Buffers;
using System.Text;
using System.Text.Json;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;
using Cordon.Core.Deidentification;
using Cordon.Core.Profiles;

namespace Cordon.Core.Tests.Deidentification;

/// <summary>The default profile's catalog, fixed keys and helpers to apply a plan and read the output back.</summary>
internal static class Deid
{
    public static readonly Lazy<CompiledCatalog> Catalog = new(() =>
    {
        var result = ProfileLoader.Load(RepoFiles.ReadProfile("internet-hospital.yaml"), "internet-hospital.yaml");
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        return CompiledCatalog.Compile(result.Profile.Catalog);
    });

    public static DeidentificationKeys Keys(CryptoSuite? suite = null, byte fill = 7)
        => DeidentificationKeys.Derive(suite ?? CryptoSuite.Standard, "t1", Enumerable.Repeat(fill, 32).ToArray());

    public static DeidentificationPlan Plan(DeidentificationRules? rules = null, CryptoSuite? suite = null, byte keyFill = 7)
    {
        suite ??= CryptoSuite.Standard;
        var plan = DeidentificationPlan.Compile(Catalog.Value, rules ?? DeidentificationRules.Defaults, Keys(suite, keyFill), suite);
        Assert.False(plan.Failed, plan.Failure?.Detail);
        return plan.Value;
    }

    public static DeidentificationRules Rules(string yaml)
    {
        var load = DeidentificationRulesLoader.Load(yaml, "rules.yaml");
        Assert.True(load.Succeeded, string.Join(Environment.NewLine, load.Errors));
        return load.Rules;
    }

    public static (JsonElement Output, DeidentifiedResource Result) Apply(DeidentificationPlan plan, string json, string seed = "p1", SubjectContext? context = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var result = plan.Apply(Encoding.UTF8.GetBytes(json), seed, buffer, context);
        Assert.False(result.Failed, result.Failure?.Detail);
        var output = buffer.WrittenCount == 0 ? default : JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
        return (output, result.Value);
    }

    public static string[] Labels(JsonElement resource)
        => [.. resource.GetProperty("meta").GetProperty("security").EnumerateArray()
            .Where(c => c.GetProperty("system").GetString() == DeidentifiedResource.LabelSystem)
            .Select(c => c.GetProperty("code").GetString()!)];

    public static IEnumerable<(string Path, byte[] Bundle)> SyntheaBundles()
        => Directory.GetFiles(RepoFiles.SyntheaFolder(), "*.json").Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllBytes(f)));

    public static byte[] FirstSyntheaBundle() => File.ReadAllBytes(Directory.GetFiles(RepoFiles.SyntheaFolder(), "Antonia30_*.json")[0]);

    /// <summary>The first resource of a type in a Synthea bundle, as JSON text.</summary>
    public static string SyntheaResource(byte[] bundle, string type)
    {
        using var document = JsonDocument.Parse(bundle);
        return document.RootElement.GetProperty("entry").EnumerateArray()
            .Select(e => e.GetProperty("resource"))
            .First(r => r.GetProperty("resourceType").GetString() == type)
            .GetRawText();
    }
}
