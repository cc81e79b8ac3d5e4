using System.Buffers;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cordon.Core.Deidentification;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;
using Spectre.Console;

namespace Cordon.Cli.Commands;

/// <summary>
/// <c>cordon deidentify</c>: FHIR R4 Bundles, resources and NDJSON de-identified with the tenant's catalog, the optional
/// rules file and keys derived from the tenant's blind-index key; NDJSON out (a file or stdout), a summary, and with
/// <c>--min-k</c> a k-anonymity check that withholds the whole release when it fails. Exit 0 written, 1 refused (malformed
/// input, k below the minimum), 2 bad usage.
/// </summary>
internal static class DeidentifyCommand
{
    public static Command Create(CliConsole console)
    {
        var data = CommonOptions.Data();
        var db = CommonOptions.Database();
        var tenant = CommonOptions.Tenant();
        var rules = new Option<FileInfo?>("--rules") { Description = "De-identification rules (YAML or JSON, docs/deidentification.md) over the catalog's defaults." };
        var output = new Option<FileInfo?>("--out") { Description = "Where the NDJSON goes. Default: stdout (the summary then goes to stderr)." };
        var minK = new Option<int?>("--min-k") { Description = "Refuse the release (nothing written, exit 1) when a record's quasi-identifiers (birth year, gender, province, city, rules' quasiIdentifier) are shared by fewer than N records." };
        var files = new Argument<string[]>("FILES")
        {
            Description = "FHIR R4 Bundles or resources (.json) and NDJSON (.ndjson, .jsonl); a directory stands for the .json, .ndjson and .jsonl files in it.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("deidentify", "De-identify FHIR R4 Bundles and NDJSON for a release: identifiers pseudonymised, direct identifiers removed, quasi-identifiers generalised, dates shifted per subject, free text scrubbed, every resource labelled; optionally checked for k-anonymity.")
        {
            data, db, tenant, rules, output, minK, files,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var inputs = ImportCommand.Expand(parse.GetValue(files) ?? [], console);
            var minimum = parse.GetValue(minK);
            if (inputs is null)
            {
                return 2;
            }

            if (minimum is < 1)
            {
                await console.Error.WriteLineAsync("--min-k is at least 1.");
                return 2;
            }

            var directory = parse.GetValue(data)!;
            if (!File.Exists(KeyFile.PathIn(directory)))
            {
                await console.Error.WriteLineAsync($"{Path.GetFullPath(directory)} holds no tenant keys: run 'cordon init --data {directory}' first (the pseudonyms are keyed by the tenant's keys).");
                return 2;
            }

            await using var store = await CordonStores.OpenAsync(directory, parse.GetValue(db), cancellationToken);
            var registry = new TenantRegistry(KeyFile.Open(KeyFile.PathIn(directory)));
            await registry.LoadAsync(store, cancellationToken);
            var tenantId = parse.GetValue(tenant) ?? TenantChoice.Pick(null, [.. registry.All.Select(t => t.Id)], console.Error);
            var context = tenantId is null ? null : registry.Find(tenantId);
            if (context is null)
            {
                await console.Error.WriteLineAsync(tenantId is null ? "No tenant chosen." : $"No tenant '{tenantId}' in {directory}.");
                return 2;
            }

            var ruleSet = DeidentificationRules.Defaults;
            if (parse.GetValue(rules) is { } rulesFile)
            {
                var load = DeidentificationRulesLoader.Load(await File.ReadAllTextAsync(rulesFile.FullName, cancellationToken), rulesFile.Name);
                if (!load.Succeeded)
                {
                    foreach (var error in load.Errors)
                    {
                        await console.Error.WriteLineAsync(error.ToString());
                    }

                    return 2;
                }

                ruleSet = load.Rules;
            }

            var compiled = DeidentificationPlan.Compile(context.Catalog, ruleSet, context.Keys.CreateDeidentificationKeys(), context.Suite);
            if (compiled.Failed)
            {
                await console.Error.WriteLineAsync($"{compiled.Failure.Code}: {compiled.Failure.Title}");
                foreach (var (_, messages) in compiled.Failure.Errors ?? new Dictionary<string, string[]>())
                {
                    foreach (var message in messages)
                    {
                        await console.Error.WriteLineAsync("  " + message);
                    }
                }

                return 2;
            }

            var run = new Run(compiled.Value);
            var failure = ImportCommand.IsTerminal(console) ? RunWithBar(run, inputs) : RunWithLines(run, inputs, console);
            if (failure is not null)
            {
                await console.Error.WriteLineAsync($"{failure}; nothing was written.");
                return 1;
            }

            var k = minimum is { } m ? run.Cohort.CheckRelease(m) : default;
            var target = parse.GetValue(output);
            var summary = target is null ? console.Error : console.Out;
            if (k.Failed)
            {
                await summary.WriteAsync(run.Summary(tenantId!, k.Failure.Detail));
                await console.Error.WriteLineAsync($"{k.Failure.Code}: {k.Failure.Title}; nothing was written.");
                return 1;
            }

            if (target is null)
            {
                await console.Out.WriteAsync(Encoding.UTF8.GetString(run.Output.WrittenSpan));
            }
            else
            {
                await File.WriteAllBytesAsync(target.FullName, run.Output.WrittenMemory, cancellationToken);
            }

            var kLine = minimum is null ? null : string.Create(CultureInfo.InvariantCulture, $"k = {k.Value!.K} over {k.Value.Records:N0} records in {k.Value.Classes:N0} classes (minimum {minimum})");
            await summary.WriteAsync(run.Summary(tenantId!, kLine));
            return 0;
        });
        return command;
    }

    private static string? RunWithBar(Run run, List<string> inputs)
    {
        var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes, Ansi = AnsiSupport.Yes });
        string? failure = null;
        terminal.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(progress =>
            {
                var task = progress.AddTask("deidentify", maxValue: inputs.Count);
                foreach (var file in inputs)
                {
                    failure ??= run.File(file);
                    task.Increment(1);
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"{run.Files}/{inputs.Count} files  {run.Written:N0} resources");
                }
            });
        return failure;
    }

    private static string? RunWithLines(Run run, List<string> inputs, CliConsole console)
    {
        foreach (var file in inputs)
        {
            if (run.File(file) is { } failure)
            {
                return failure;
            }

            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"deidentify: file {run.Files}/{inputs.Count}, {run.Written:N0} resources written"));
        }

        return null;
    }

    /// <summary>One run: the output held until the end (a release that fails its k check writes nothing), counts and the cohort.</summary>
    private sealed class Run(DeidentificationPlan plan)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly SortedDictionary<string, long> _written = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, long> _withheld = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, long> _labels = new(StringComparer.Ordinal);
        private readonly long[] _counts = new long[7];

        public ArrayBufferWriter<byte> Output { get; } = new(1 << 20);

        public KAnonymity Cohort { get; } = new();

        public int Files { get; private set; }

        public long Read { get; private set; }

        public long Written { get; private set; }

        /// <summary>De-identifies one file; the failure's words (never content) when its JSON cannot be read.</summary>
        public string? File(string path)
        {
            Files++;
            var bytes = System.IO.File.ReadAllBytes(path);
            var name = Path.GetFileName(path);
            var ndjson = Path.GetExtension(path).ToLowerInvariant() is ".ndjson" or ".jsonl";
            Core.Result<IReadOnlyList<DeidentifiedResource>> result;
            if (ndjson)
            {
                result = plan.ApplyNdjson(bytes, Output);
            }
            else if (!IsBundle(bytes))
            {
                var one = plan.Apply(bytes, DeidentificationPlan.SubjectSeedOf(bytes) ?? string.Empty, Output);
                if (!one.Failed && one.Value.Written)
                {
                    Output.Write("\n"u8);
                }

                result = one.Failed ? one.Failure : new[] { one.Value };
            }
            else
            {
                result = plan.ApplyBundle(bytes, Output);
            }

            if (result.Failed)
            {
                return $"{name}: {result.Failure.Code}: {result.Failure.Detail}";
            }

            foreach (var resource in result.Value)
            {
                Count(resource);
            }

            return null;
        }

        private static bool IsBundle(byte[] bytes)
        {
            try
            {
                return DeidentificationPlan.ResourceTypeOf(bytes) == "Bundle";
            }
            catch (System.Text.Json.JsonException)
            {
                // Let ApplyBundle name where the JSON breaks.
                return true;
            }
        }

        private void Count(DeidentifiedResource resource)
        {
            Read++;
            if (!resource.Written)
            {
                Add(_withheld, resource.ResourceType);
                return;
            }

            Written++;
            Add(_written, resource.ResourceType);
            foreach (var code in DeidentifiedResource.Codes(resource.Labels))
            {
                Add(_labels, code);
            }

            _counts[0] += resource.Pseudonymised;
            _counts[1] += resource.Redacted - resource.Unclassified;
            _counts[2] += resource.Unclassified;
            _counts[3] += resource.DatesShifted;
            _counts[4] += resource.Generalized;
            _counts[5] += resource.Transformed;
            _counts[6] += resource.Scrubbed;
            Cohort.Add(resource);
        }

        private static void Add(SortedDictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

        public string Summary(string tenant, string? k)
        {
            var text = new StringBuilder();
            void Line(string line) => text.Append(line).Append('\n');
            void Counts(string title, SortedDictionary<string, long> counts)
            {
                if (counts.Count == 0)
                {
                    return;
                }

                Line(string.Create(CultureInfo.InvariantCulture, $"{title} ({counts.Values.Sum():N0}):"));
                foreach (var (key, count) in counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal))
                {
                    Line(string.Create(CultureInfo.InvariantCulture, $"  {key,-28} {count,9:N0}"));
                }
            }

            var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-6);
            Line(string.Create(CultureInfo.InvariantCulture, $"De-identified for tenant '{tenant}' ({plan.Suite.Name}, dates shifted within ±{plan.Rules.DateShiftDays} days, {plan.Rules.Rules.Count} explicit rules)"));
            Line(string.Create(CultureInfo.InvariantCulture, $"  files {Files:N0}, resources in {Read:N0}, out {Written:N0}, withheld {Read - Written:N0} ({Read / seconds:N0} resources/s)"));
            Line(string.Create(CultureInfo.InvariantCulture, $"  values: {_counts[0]:N0} pseudonymised, {_counts[1]:N0} redacted, {_counts[2]:N0} unclassified removed, {_counts[3]:N0} dates shifted, {_counts[4]:N0} generalised, {_counts[5]:N0} hashed/encrypted/substituted/perturbed, {_counts[6]:N0} found in free text"));
            Counts("Written by type", _written);
            Counts("Withheld, type not in the catalog", _withheld);
            Counts("Resources labelled (meta.security)", _labels);
            if (k is not null)
            {
                Line("  " + k);
            }

            return text.ToString();
        }
    }
}
