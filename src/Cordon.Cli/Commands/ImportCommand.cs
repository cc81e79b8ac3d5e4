using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cordon.Server.Import;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;
using Spectre.Console;

namespace Cordon.Cli.Commands;

/// <summary>
/// <c>cordon import</c>: bulk import of FHIR R4 Bundles and NDJSON through the record write path, with a progress bar on a
/// terminal (plain lines otherwise) and a summary on stdout. Exit 0 when everything catalogued was stored, 1 when some
/// resources were refused (the rest is stored), 2 on bad usage.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var purpose = new Option<string>("--purpose")
        {
            Description = "The purpose the records are written under; its collect sets and consent rules apply. Default record-keeping (legal duty: keeping medical records).",
            DefaultValueFactory = _ => "record-keeping",
        };
        var onInvalid = new Option<string>("--on-invalid")
        {
            Description = "A value that fails its field's format (a US phone where the catalog expects a mainland mobile): refuse the resource (default), or drop-field: drop only that value, count it, store the rest.",
            DefaultValueFactory = _ => "refuse",
        };
        onInvalid.AcceptOnlyFromAmong("refuse", "drop-field");
        var batch = new Option<int>("--batch-size") { Description = "Records per storage transaction (default 512).", DefaultValueFactory = _ => 512 };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object instead of text." };
        var files = new Argument<string[]>("FILES")
        {
            Description = "FHIR R4 Bundles (.json) and NDJSON files (.ndjson, .jsonl: one resource or Bundle per line); a directory stands for the .json, .ndjson and .jsonl files in it.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("import", "Import FHIR R4 Bundles and NDJSON: a subject per Patient, every catalogued resource classified, minimised, decided, sealed and audited; uncatalogued types skipped, refusals counted by reason.")
        {
            tenantData, purpose, onInvalid, batch, json, files,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var inputs = Expand(parse.GetValue(files) ?? [], console);
            if (inputs is null)
            {
                return 2;
            }

            var directory = parse.GetValue(tenantData.Data)!;
            var database = parse.GetValue(tenantData.Database);
            var named = parse.GetValue(tenantData.Tenant);
            var now = TimeProvider.System.GetUtcNow();
            if (!File.Exists(KeyFile.PathIn(directory)))
            {
                var state = await DataDirectory.InitializeAsync(directory, database, named, BuiltInProfiles.Load(), now, cancellationToken);
                await console.Error.WriteLineAsync($"Initialised {Path.GetFullPath(directory)} with tenant '{state.Tenant}' from the built-in {BuiltInProfiles.Default} profile.");
                foreach (var notice in state.Notices())
                {
                    await console.Error.WriteLineAsync(notice);
                }
            }

            await using var store = await CordonStores.OpenAsync(directory, database, cancellationToken);
            var registry = new TenantRegistry(KeyFile.Open(KeyFile.PathIn(directory)));
            await registry.LoadAsync(store, cancellationToken);

            // A tenant named that does not exist yet is created (an import into a new tenant); unnamed, the directory's
            // only tenant, or 'default' in a directory that holds none.
            var held = registry.All.Select(t => t.Id).ToList();
            var tenantId = named ?? (held.Count == 0 ? DataDirectory.DefaultTenant : TenantChoice.Pick(null, held, console.Error));
            if (tenantId is null)
            {
                return 2;
            }

            var context = registry.Find(tenantId);
            if (context is null)
            {
                context = await registry.ProvisionAsync(store, tenantId, BuiltInProfiles.Load(), now, "cordon-import", cancellationToken);
                await console.Error.WriteLineAsync($"Created tenant '{tenantId}' from the built-in {BuiltInProfiles.Default} profile.");
            }

            if (!context.Policy.TryGetPurpose(parse.GetValue(purpose)!, out _))
            {
                await console.Error.WriteLineAsync($"The profile of tenant '{tenantId}' declares no purpose '{parse.GetValue(purpose)}'.");
                return 2;
            }

            var options = new ImportOptions
            {
                Purpose = parse.GetValue(purpose)!,
                OnInvalid = parse.GetValue(onInvalid) == "drop-field" ? InvalidValueHandling.DropField : InvalidValueHandling.Refuse,
                BatchSize = Math.Clamp(parse.GetValue(batch), 1, 10_000),
            };
            ImportReport report;
            try
            {
                report = IsTerminal(console)
                    ? await WithProgressBarAsync(context, store, inputs, options, cancellationToken)
                    : await WithProgressLinesAsync(console, context, store, inputs, options, cancellationToken);
            }
            catch (WriteConflictException)
            {
                // A source id is unique per subject in the store: another import wrote one of these resources meanwhile.
                await console.Error.WriteLineAsync("Another import stored some of the same resources at the same time; the batch that met them was not stored. Run the import again: what is stored by then is reported as already stored.");
                return 1;
            }

            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(Json(report, tenantId, options));
            }
            else
            {
                await console.Out.WriteAsync(Summary(report, tenantId, options));
            }

            return report.RefusedTotal > 0 ? 1 : 0;
        });
        return command;
    }

    internal static List<string>? Expand(string[] arguments, CliConsole console)
    {
        var files = new List<string>();
        foreach (var argument in arguments)
        {
            if (Directory.Exists(argument))
            {
                files.AddRange(Directory.EnumerateFiles(argument)
                    .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".json" or ".ndjson" or ".jsonl")
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(argument))
            {
                files.Add(argument);
            }
            else
            {
                console.Error.WriteLine($"{argument}: no such file or directory");
                return null;
            }
        }

        if (files.Count == 0)
        {
            console.Error.WriteLine("No .json, .ndjson or .jsonl files given.");
            return null;
        }

        return files;
    }

    internal static bool IsTerminal(CliConsole console) => ReferenceEquals(console.Error, Console.Error) && !Console.IsErrorRedirected;

    private static async Task<ImportReport> WithProgressBarAsync(TenantContext context, ICordonStore store, List<string> inputs, ImportOptions options, CancellationToken cancellationToken)
    {
        // The bar goes to stderr, which is a terminal here; stdout may be redirected (the summary), so say so explicitly.
        var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes, Ansi = AnsiSupport.Yes });
        ImportReport? report = null;
        await terminal.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask("import", maxValue: 1);
                var progress = new DirectProgress(p =>
                {
                    task.MaxValue = Math.Max(1, p.BytesTotal);
                    task.Value = p.BytesDone;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"file {p.FileNumber}/{p.Files}  {p.Records:N0} records  {p.Refused:N0} refused");
                });
                report = await FhirImport.RunAsync(context, store, inputs, options, TimeProvider.System, progress, cancellationToken);
                task.Value = task.MaxValue;
            });
        return report!;
    }

    private static async Task<ImportReport> WithProgressLinesAsync(CliConsole console, TenantContext context, ICordonStore store, List<string> inputs, ImportOptions options, CancellationToken cancellationToken)
    {
        var lastFile = 0;
        var lastLine = DateTimeOffset.MinValue;
        var progress = new DirectProgress(p =>
        {
            var now = DateTimeOffset.UtcNow;
            if (p.FileNumber == lastFile && now - lastLine < TimeSpan.FromSeconds(2))
            {
                return;
            }

            lastFile = p.FileNumber;
            lastLine = now;
            var percent = p.BytesTotal == 0 ? 100 : 100.0 * p.BytesDone / p.BytesTotal;
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"import: file {p.FileNumber}/{p.Files}, {percent:0}% of the input, {p.Records:N0} records stored, {p.Refused:N0} refused"));
        });
        return await FhirImport.RunAsync(context, store, inputs, options, TimeProvider.System, progress, cancellationToken);
    }

    private static string Summary(ImportReport report, string tenant, ImportOptions options)
    {
        var text = new System.Text.StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        void Counts(string title, SortedDictionary<string, long> counts, bool countFirst = false)
        {
            if (counts.Count == 0)
            {
                return;
            }

            Line(string.Create(CultureInfo.InvariantCulture, $"{title} ({counts.Values.Sum():N0}):"));
            foreach (var (key, count) in counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal))
            {
                // Long keys (an element and its reason) after the count, so that the counts stay in one column.
                Line(countFirst
                    ? string.Create(CultureInfo.InvariantCulture, $"  {count,9:N0}  {key}")
                    : string.Create(CultureInfo.InvariantCulture, $"  {key,-44} {count,9:N0}"));
            }
        }

        Line(string.Create(CultureInfo.InvariantCulture, $"Imported into tenant '{tenant}' under '{options.Purpose}' (on invalid values: {(options.OnInvalid == InvalidValueHandling.DropField ? "drop-field" : "refuse")})"));
        Line(string.Create(CultureInfo.InvariantCulture, $"  files {report.Files:N0}, resources read {report.Resources:N0}"));
        Line(string.Create(CultureInfo.InvariantCulture, $"  subjects {report.SubjectsCreated:N0} created, {report.SubjectsMatched:N0} matched to existing subjects{(report.MinorsWithoutGuardian > 0 ? $", {report.MinorsWithoutGuardian:N0} under the guardian-consent age without a guardian" : string.Empty)}"));
        Line(string.Create(CultureInfo.InvariantCulture, $"  {report.RecordsStored:N0} records stored in {report.Elapsed.TotalSeconds:0.00} s ({report.RecordsPerSecond:N0} records/s), {report.AlreadyStoredTotal:N0} already stored, {report.RefusedTotal:N0} refused"));
        Counts("Records stored by type", report.Records);
        Counts("Already stored for their subject (same id), not stored again", report.AlreadyStored);
        Counts("Skipped, type not in the catalog", report.Skipped);
        Counts("Not stored, belongs to no patient", report.Unlinked);
        Counts("Refused, by reason (nothing of them stored)", report.Refused);
        Counts("Refused, by element and reason", report.RefusedElements, countFirst: true);
        Counts("Values dropped (--on-invalid drop-field)", report.Dropped);
        if (report.FirstRefusals.Count > 0)
        {
            Line("First refusals:");
            foreach (var refusal in report.FirstRefusals)
            {
                Line($"  {refusal.Where}: {refusal.Type} {refusal.Code}");
                foreach (var issue in refusal.Issues)
                {
                    Line(issue.Path is null ? $"      {issue.Reason}" : $"      {issue.Path}: {issue.Reason}");
                }
            }
        }

        var hints = Hints(report);
        if (hints.Count > 0)
        {
            Line("What would help:");
            foreach (var (code, hint) in hints)
            {
                Line($"  {code}: {hint}");
            }
        }

        return text.ToString();
    }

    private static string Json(ImportReport report, string tenant, ImportOptions options)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Core.Json.JsonOutput.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("tenant", tenant);
            writer.WriteString("purpose", options.Purpose);
            writer.WriteString("onInvalid", options.OnInvalid == InvalidValueHandling.DropField ? "drop-field" : "refuse");
            writer.WriteNumber("files", report.Files);
            writer.WriteNumber("resources", report.Resources);
            writer.WriteNumber("subjectsCreated", report.SubjectsCreated);
            writer.WriteNumber("subjectsMatched", report.SubjectsMatched);
            writer.WriteNumber("minorsWithoutGuardian", report.MinorsWithoutGuardian);
            writer.WriteNumber("records", report.RecordsStored);
            writer.WriteNumber("refused", report.RefusedTotal);
            writer.WriteNumber("alreadyStored", report.AlreadyStoredTotal);
            writer.WriteNumber("seconds", Math.Round(report.Elapsed.TotalSeconds, 3));
            writer.WriteNumber("recordsPerSecond", Math.Round(report.RecordsPerSecond, 1));
            void Counts(string name, SortedDictionary<string, long> counts)
            {
                writer.WriteStartObject(name);
                foreach (var (key, count) in counts)
                {
                    writer.WriteNumber(key, count);
                }

                writer.WriteEndObject();
            }

            Counts("recordsByType", report.Records);
            Counts("skippedByType", report.Skipped);
            Counts("unlinkedByType", report.Unlinked);
            Counts("refusedByReason", report.Refused);
            Counts("refusedByElement", report.RefusedElements);
            Counts("alreadyStoredByType", report.AlreadyStored);
            Counts("dropped", report.Dropped);
            writer.WriteStartArray("refusals");
            foreach (var refusal in report.FirstRefusals)
            {
                writer.WriteStartObject();
                writer.WriteString("where", refusal.Where);
                writer.WriteString("type", refusal.Type);
                writer.WriteString("code", refusal.Code);
                writer.WriteStartArray("elements");
                foreach (var issue in refusal.Issues)
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", issue.Path);
                    writer.WriteString("reason", issue.Reason);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteString("hint", refusal.Hint);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("hints");
            foreach (var (code, hint) in Hints(report))
            {
                writer.WriteString(code, hint);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>For each refusal code of the run, what would help (a flag, a profile change, a fix at the source).</summary>
    private static List<(string Code, string Hint)> Hints(ImportReport report)
        => [.. report.Refused.Keys.Select(code => (Code: code, Hint: ImportHints.For(code))).Where(h => h.Hint is not null).Select(h => (h.Code, h.Hint!))];

    /// <summary>Reports synchronously on the importer's thread (Progress&lt;T&gt; would post out of order).</summary>
    private sealed class DirectProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
