using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Audit;
using Cordon.Server.Retention;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Spectre.Console;

namespace Cordon.Cli.Commands;

/// <summary>
/// <c>cordon subject export | delete | explain</c>: an operator carrying out a data subject's rights (PIPL Art. 44–48)
/// from the command line, audited as <c>cli:&lt;OS user&gt;</c> with the admin role. Exit 0 when done, 1 when refused or
/// failed, 2 on bad usage or a subject that does not exist.
/// </summary>
internal static class SubjectCommand
{
    /// <summary>Subjects with at least this many records get a progress display.</summary>
    private const int LargeSubject = 1_000;

    public static Command Create(CliConsole console) => new("subject", "A data subject's rights, carried out by an operator: export everything held, erase, explain the processing.")
    {
        Export(console),
        Delete(console),
        Explain(console),
    };

    private static Argument<string> SubjectId() => new("SUBJECT_ID") { Description = "The subject's id (sub_…)." };

    private static Command Export(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var subjectId = SubjectId();
        var format = new Option<string>("--format")
        {
            Description = "json: Cordon's export document (identity, records, consents with their history, disclosures, recipients, rights requests); fhir: a FHIR R4 Bundle of type collection. Default json.",
            DefaultValueFactory = _ => "json",
        };
        format.AcceptOnlyFromAmong("json", "fhir");
        var output = new Option<string?>("--out") { Description = "Write the export to this file (created or replaced) instead of stdout." };
        var command = new Command("export", "Export everything held about a subject, decrypted (PIPL Art. 45): records kept only because a law requires it are listed without their content. The export is audited (subject.export, R22) before a byte of it is written.")
        {
            tenantData, format, output, subjectId,
        };
        tenantData.SetSessionAction(command, console, async (session, parse, cancellationToken) =>
        {
            var op = session.Operation();
            var id = parse.GetValue(subjectId)!;
            using var subject = await SubjectVault.OpenAsync(session.Tenant, session.Store, id, cancellationToken);
            if (subject is null)
            {
                await console.Error.WriteLineAsync($"No subject '{id}' in tenant '{session.Tenant.Id}' (or its keys were destroyed: nothing of it can be read).");
                return 2;
            }

            var fhir = parse.GetValue(format) == "fhir";
            var total = (await session.Store.ListRecordFactsAsync(session.Tenant.Id, subject.Id, cancellationToken)).Count;
            await session.Store.AppendAsync(op.Audit("subject.export", AuditOutcome.Permit, subject.Id, [], ["R22"]), cancellationToken);

            var path = parse.GetValue(output);
            Stream target;
            if (path is not null)
            {
                target = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            }
            else if (ReferenceEquals(console.Out, Console.Out))
            {
                await Console.Out.FlushAsync(cancellationToken);
                target = Console.OpenStandardOutput();
            }
            else
            {
                target = new TextWriterStream(console.Out);
            }

            ExportSummary summary;
            await using (target)
            {
                summary = await WithProgressAsync(console, "export", total, progress =>
                    SubjectExport.WriteAsync(op, subject, fhir ? ExportFormat.Fhir : ExportFormat.Json, target, null, progress, cancellationToken));
            }

            if (path is null)
            {
                await console.Out.WriteLineAsync();
            }

            await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Exported subject {subject.Id} as {(fhir ? "a FHIR R4 Bundle" : "JSON")}{(path is null ? string.Empty : " to " + path)}: {summary.Records} records, {summary.Restricted} kept only by law (listed without content), {summary.ConsentEvents} consent events, {summary.Disclosures} disclosures, {summary.RightsRequests} rights requests."));
            return 0;
        });
        return command;
    }

    private static Command Delete(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var subjectId = SubjectId();
        var cancel = new Option<bool>("--cancel") { Description = "Cancel the account as well (PIPL Art. 47, account cancellation): the subject can no longer be found or signed in to. When no law keeps any of its records, every key of the subject is destroyed and its rows purged." };
        var purposes = new Option<string[]>("--purpose")
        {
            Description = "Erase only the records collected under this purpose; repeat the option for several (--purpose a --purpose b). Default: every purpose.",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be deleted and what kept (and why, until when) without changing anything." };
        var command = new Command("delete", "Erase a subject's data by crypto-shredding (PIPL Art. 47): what no law keeps is deleted and its key destroyed, so backup copies can no longer be read; what a legal minimum (R58, R10, R44) or a legal hold keeps stays, re-sealed under a new key and restricted (R19). Prints what was deleted, what is kept, why and until when.")
        {
            tenantData, cancel, purposes, dryRun, subjectId,
        };
        tenantData.SetSessionAction(command, console, async (session, parse, cancellationToken) =>
        {
            var id = parse.GetValue(subjectId)!;
            var scope = parse.GetValue(purposes) is { Length: > 0 } listed ? (IReadOnlySet<string>)listed.ToHashSet(StringComparer.Ordinal) : null;
            foreach (var purpose in scope ?? new HashSet<string>())
            {
                if (session.Tenant.Profile.FindPurpose(purpose) is null)
                {
                    await console.Error.WriteLineAsync($"The profile of tenant '{session.Tenant.Id}' declares no purpose '{purpose}'.");
                    return 2;
                }
            }

            var op = session.Operation();
            var isCancel = parse.GetValue(cancel);
            var plan = await ErasurePlanner.PlanAsync(op, id, scope, isCancel, cancellationToken);
            if (plan is null)
            {
                await console.Error.WriteLineAsync($"No subject '{id}' in tenant '{session.Tenant.Id}' (or its keys were destroyed already).");
                return 2;
            }

            if (parse.GetValue(dryRun))
            {
                foreach (var line in DescribePlan(plan, isCancel))
                {
                    await console.Out.WriteLineAsync(line);
                }

                await console.Error.WriteLineAsync("Dry run: nothing was changed.");
                return 0;
            }

            // A cancellation ends every consent first, as the subject's own cancellation request does (R08, R21).
            var withdrawn = isCancel ? await RightsWorkflow.WithdrawConsentsAsync(op, id, null, Core.Consent.ConsentGiver.Self, "operator", null, cancellationToken) : [];
            var rules = isCancel ? RightsWorkflow.RulesOf(Core.Rights.RightsKind.Cancellation) : RightsWorkflow.RulesOf(Core.Rights.RightsKind.Deletion);
            var action = isCancel ? "subject.cancel" : "subject.erase";
            Result<ErasureReport> erased;
            var erasing = string.Create(CultureInfo.InvariantCulture, $"erasing {plan.Records:N0} records of {plan.SubjectId} ({(plan.Shred ? "destroying its keys, then purging the rows" : "re-keying what is kept")})");
            if (plan.Records >= LargeSubject && OperatorSession.IsTerminal(console))
            {
                Result<ErasureReport>? result = null;
                await OperatorSession.Terminal().Status().StartAsync(
                    erasing,
                    async _ => result = await SubjectEraser.EraseAsync(op, id, scope, isCancel, action, null, rules, cancellationToken));
                erased = result!.Value;
            }
            else
            {
                if (plan.Records >= LargeSubject)
                {
                    await console.Error.WriteLineAsync(erasing + "…");
                }

                erased = await SubjectEraser.EraseAsync(op, id, scope, isCancel, action, null, rules, cancellationToken);
            }

            if (erased.Failed)
            {
                await console.Error.WriteLineAsync($"The erasure did not run: {erased.Failure.Detail}");
                return erased.Failure.Kind == FailureKind.NotFound ? ExitCodes.Usage : ExitCodes.CheckFailed;
            }

            var report = erased.Value;
            foreach (var line in RightsWorkflow.Describe(report, isCancel, withdrawn))
            {
                await console.Out.WriteLineAsync(line);
            }

            await console.Error.WriteLineAsync(report.Shredded
                ? string.Create(CultureInfo.InvariantCulture, $"Subject {report.SubjectId}: every key destroyed in {report.KeyDestructionMs:0.0} ms; {report.Purged:N0} unreadable rows purged in {report.PurgeMs:0.0} ms. It can no longer be opened.")
                : string.Create(CultureInfo.InvariantCulture, $"Subject {report.SubjectId}: re-keyed to key version {report.KeyVersion} in {report.KeyDestructionMs:0.0} ms ({report.DeletedCount:N0} deleted, {report.KeptCount:N0} kept restricted); state {report.State}."));
            return 0;
        });
        return command;
    }

    private static Command Explain(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var subjectId = SubjectId();
        var json = new Option<bool>("--json") { Description = "Print the explanation as one JSON object (as the rights API returns it) instead of tables." };
        var command = new Command("explain", "Explain the processing of a subject's data (PIPL Art. 48): which records are held, under which purposes and legal bases, until when, who receives them.")
        {
            tenantData, json, subjectId,
        };
        tenantData.SetSessionAction(command, console, async (session, parse, cancellationToken) =>
        {
            var id = parse.GetValue(subjectId)!;
            using var subject = await SubjectVault.OpenAsync(session.Tenant, session.Store, id, cancellationToken);
            if (subject is null)
            {
                await console.Error.WriteLineAsync($"No subject '{id}' in tenant '{session.Tenant.Id}'.");
                return 2;
            }

            var op = session.Operation();
            var explanation = await SubjectExplainer.ExplainAsync(op, subject, cancellationToken);
            await session.Store.AppendAsync(op.Audit("subject.explain", AuditOutcome.Permit, subject.Id, [], ["R22"]), cancellationToken);
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(explanation, RightsApiJson.Strict.Explanation));
                return 0;
            }

            WriteExplanation(OperatorSession.Tables(console), explanation);
            return 0;
        });
        return command;
    }

    /// <summary>The explanation as tables that fit <paramref name="ansi"/>'s width, then its summary lines.</summary>
    internal static void WriteExplanation(IAnsiConsole ansi, Explanation explanation)
    {
        FittedTable.WriteText(ansi, $"Subject {explanation.SubjectId}, held by {explanation.Operator} (contact {explanation.Contact}, DPO {explanation.Dpo})");
        var held = new FittedTable("Records held", new("Type", NoWrap: true), new("Records", Right: true), new("Restricted", Right: true), new("Purposes"));
        foreach (var h in explanation.Held)
        {
            held.AddRow(Markup.Escape(h.Type), N(h.Records), N(h.Restricted), Markup.Escape(string.Join(", ", h.Purposes)));
        }

        held.Write(ansi);

        // The purpose key and its Chinese name first; what a narrow terminal leaves out is in the summary lines below.
        var purposes = new FittedTable(
            "Purposes",
            new("Purpose", NoWrap: true),
            new("Name", DropOrder: 3),
            new("Legal basis"),
            new("Consent", NoWrap: true),
            new("Records", DropOrder: 5, Right: true),
            new("Retention", DropOrder: 1, NoWrap: true),
            new("Held until", NoWrap: true),
            new("Then", DropOrder: 2),
            new("Recipients", DropOrder: 4));
        foreach (var p in explanation.Purposes)
        {
            purposes.AddRow(
                $"{Markup.Escape(p.Purpose)}\n{Markup.Escape(p.Name)}",
                Markup.Escape(p.NameEn ?? "-"),
                Markup.Escape(p.LegalBasis),
                Markup.Escape(p.ConsentState),
                N(p.Records),
                Markup.Escape(p.Retention),
                p.HeldUntil is { } until ? until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "-",
                Markup.Escape(p.AfterRetention),
                Markup.Escape(p.Recipients.Count == 0 ? "-" : string.Join(", ", p.Recipients)));
        }

        purposes.Write(ansi, "each purpose's line below has them, and --json everything");
        foreach (var line in explanation.Summary)
        {
            FittedTable.WriteText(ansi, line);
        }
    }

    /// <summary>The plan in plain words, in the form <see cref="RightsWorkflow.Describe"/> gives the result.</summary>
    internal static IReadOnlyList<string> DescribePlan(ErasurePlan plan, bool cancel)
    {
        var lines = new List<string>();
        if (cancel)
        {
            lines.Add("The account would be cancelled: it could no longer sign in or be found.");
        }

        lines.Add(plan.DeletedCount == 0
            ? "Nothing would be deleted."
            : $"Would delete {plan.DeletedCount} records ({string.Join(", ", plan.Deleted.Select(d => $"{d.Type} {d.Count}"))}) by destroying their key.");
        foreach (var kept in plan.Kept)
        {
            var until = kept.Until is { } u ? u.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "the hold is released";
            var why = kept.Reason == "legal-hold" ? "a legal hold" : $"{kept.Citation} ({kept.Rule})";
            lines.Add($"Would keep {kept.Count} {kept.Type} because of {why}, until {until}; only stored and protected until then.");
        }

        lines.Add(plan.Shred
            ? "Every key of the subject would be destroyed and its rows purged: it could not be opened afterwards."
            : plan.DeletedCount == 0 && plan.KeptCount == 0 && !cancel
                ? "Nothing would change."
                : "What stays would be re-sealed under a new key; the old key, and with it every copy of what goes, would be destroyed.");
        return lines;
    }

    /// <summary>Runs <paramref name="work"/> with a progress display over <paramref name="total"/> records when they are many.</summary>
    private static async Task<T> WithProgressAsync<T>(CliConsole console, string what, int total, Func<Action<int>?, Task<T>> work)
    {
        if (total < LargeSubject)
        {
            return await work(null);
        }

        if (OperatorSession.IsTerminal(console))
        {
            T result = default!;
            await OperatorSession.Terminal().Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(what, maxValue: total);
                    result = await work(done =>
                    {
                        task.Value = Math.Min(done, total);
                        task.Description = string.Create(CultureInfo.InvariantCulture, $"{what}  {done:N0}/{total:N0} records");
                    });
                    task.Value = total;
                });
            return result;
        }

        var last = DateTimeOffset.MinValue;
        return await work(done =>
        {
            var now = DateTimeOffset.UtcNow;
            if (now - last >= TimeSpan.FromSeconds(2) || done >= total)
            {
                last = now;
                console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {done:N0} of {total:N0} records"));
            }
        });
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A write-only stream that decodes UTF-8 into a text writer (an in-process caller's stdout).</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
            var n = _decoder.GetChars(buffer, chars, flush: false);
            writer.Write(chars, 0, n);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => writer.FlushAsync(cancellationToken);
    }
}
