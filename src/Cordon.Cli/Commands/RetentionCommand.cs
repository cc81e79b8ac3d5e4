using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cordon.Server.Retention;
using Spectre.Console;

namespace Cordon.Cli.Commands;

/// <summary>
/// <c>cordon retention run</c>: the retention engine once, now, for one tenant: every record past the later of its
/// declared period and its legal floor is deleted (R18, R20), except those of subjects under a legal hold (R19).
/// </summary>
internal static class RetentionCommand
{
    public static Command Create(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var dryRun = new Option<bool>("--dry-run") { Description = "List what has expired (and what a legal hold keeps) without deleting anything." };
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON object instead of a table." };
        var run = new Command("run", "Run the retention engine now: delete every record past the later of its declared retention and its legal floor (R18, R20; floors R58, R10, R44), keep those under a legal hold (R19), finish interrupted purges of shredded subjects. One audit entry per subject and batch.")
        {
            tenantData, dryRun, json,
        };
        tenantData.SetSessionAction(run, console, async (session, parse, cancellationToken) =>
        {
            var op = session.Operation();
            var isDryRun = parse.GetValue(dryRun);
            RetentionRunReport report;
            if (OperatorSession.IsTerminal(console))
            {
                RetentionRunReport? result = null;
                await OperatorSession.Terminal().Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask(isDryRun ? "retention (dry run)" : "retention");
                        task.IsIndeterminate = true;
                        result = await RetentionEngine.RunAsync(op, isDryRun, done => task.Description = string.Create(CultureInfo.InvariantCulture, $"retention{(isDryRun ? " (dry run)" : string.Empty)}: {done:N0} candidate records examined"), cancellationToken);
                        task.IsIndeterminate = false;
                        task.Value = task.MaxValue;
                    });
                report = result!;
            }
            else
            {
                var last = DateTimeOffset.UtcNow;
                report = await RetentionEngine.RunAsync(op, isDryRun, done =>
                {
                    if (DateTimeOffset.UtcNow - last >= TimeSpan.FromSeconds(2))
                    {
                        last = DateTimeOffset.UtcNow;
                        console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retention: {done:N0} candidate records examined"));
                    }
                }, cancellationToken);
            }

            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(Json(report));
            }
            else
            {
                var table = new FittedTable(
                    isDryRun ? "Expired records (dry run: nothing deleted)" : "Retention run",
                    new("Type", NoWrap: true),
                    new("Purpose", NoWrap: true),
                    new("Expired", Right: true),
                    new("Held", Right: true),
                    new("Deleted", Right: true),
                    new("Then", DropOrder: 1));
                foreach (var line in report.Lines)
                {
                    table.AddRow(Markup.Escape(line.Type), Markup.Escape(line.Purpose), N(line.Expired), N(line.Held), N(line.Deleted), Markup.Escape(line.After));
                }

                table.AddRow("[bold]total[/]", string.Empty, N(report.Expired), N(report.Held), N(report.Deleted), string.Empty);
                table.Write(OperatorSession.Tables(console));
            }

            await console.Error.WriteLineAsync(isDryRun
                ? string.Create(CultureInfo.InvariantCulture, $"Dry run for tenant '{report.Tenant}': {report.Expired:N0} records have expired, {report.Held:N0} of them under a legal hold; nothing was changed ({report.Seconds:0.00} s).")
                : string.Create(CultureInfo.InvariantCulture, $"Retention run for tenant '{report.Tenant}': {report.Deleted:N0} records deleted, {report.Held:N0} kept under a legal hold, {report.Purged:N0} shredded rows purged ({report.Seconds:0.00} s)."));
            return 0;
        });
        return new Command("retention", "Retention: delete what has outlived its retention period.") { run };
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Json(RetentionRunReport report)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Core.Json.JsonOutput.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("tenant", report.Tenant);
            w.WriteString("time", report.Time);
            w.WriteBoolean("dryRun", report.DryRun);
            w.WriteNumber("expired", report.Expired);
            w.WriteNumber("held", report.Held);
            w.WriteNumber("deleted", report.Deleted);
            w.WriteNumber("purged", report.Purged);
            w.WriteNumber("seconds", Math.Round(report.Seconds, 3));
            w.WriteStartArray("lines");
            foreach (var line in report.Lines)
            {
                w.WriteStartObject();
                w.WriteString("type", line.Type);
                w.WriteString("purpose", line.Purpose);
                w.WriteNumber("expired", line.Expired);
                w.WriteNumber("held", line.Held);
                w.WriteNumber("deleted", line.Deleted);
                w.WriteString("after", line.After);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
