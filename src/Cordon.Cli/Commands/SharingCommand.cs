using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Audit;
using Cordon.Server.Http;
using Cordon.Server.Rights;
using Cordon.Server.Sharing;
using Spectre.Console;

namespace Cordon.Cli.Commands;

/// <summary>
/// <c>cordon recipients | assessments | disclose | crossborder</c>: the egress gate from the operator's shell, through the
/// same register, assessments, gate and counts as <c>/v1/recipients</c>, <c>/v1/assessments</c>, <c>/v1/disclosures</c>
/// and <c>/v1/crossborder</c>, audited as <c>cli:&lt;OS user&gt;</c> with the admin role. Exit 0 when done, 1 when the
/// gate refused or a delivery failed, 2 on bad input (a value that is not valid, a recipient or subject that does not exist).
/// </summary>
internal static class SharingCommand
{
    public static Command Recipients(CliConsole console)
    {
        var root = new Command("recipients", "The recipient register: every party data may go to, with its legal role, what it may receive, how, the evidence recorded for it (contract, transfer mechanism, genetic-data filing) and what the egress gate would still refuse it for. Without a subcommand: list.");
        ListRecipients(root, console);
        var list = new Command("list", "The register as a table (or --json): key, kind and activity, jurisdiction, method, purposes, contract, transfer mechanism, what is missing.");
        ListRecipients(list, console);
        root.Add(list);
        root.Add(ShowRecipient(console));
        root.Add(Contract(console));
        root.Add(Transfer(console));
        root.Add(GeneticFiling(console));
        return root;
    }

    public static Command Assessments(CliConsole console)
    {
        var root = new Command("assessments", "Personal-information protection impact assessments (PIPIA, R25): the gate refuses sharing, entrusting, disclosure and export no approved one covers. Without a subcommand: list.");
        ListAssessments(root, console);
        var list = new Command("list", "The assessments, newest first: what each covers, who approved it and when, until when it is in force and kept.");
        ListAssessments(list, console);
        root.Add(list);

        var tenantData = new TenantDataOptions();
        var file = new Argument<string>("FILE") { Description = "An approved assessment as JSON: {title, covers: [sensitive|sharing|entrusting|disclosure|export|automated-decisions], purposes?, recipients?, risks, measures, approvedBy, approvedOn, validUntil?}." };
        var record = new Command("record", "Record an approved impact assessment from a JSON file; prints it with the date its record is kept until (three years after it ends).") { tenantData, file };
        tenantData.SetSessionAction(record, console, async (session, parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                await console.Error.WriteLineAsync($"{path}: no such file");
                return ExitCodes.Usage;
            }

            var request = RequestBody.Deserialize(await File.ReadAllBytesAsync(path, ct), SharingJson.Strict.AssessmentRequest);
            if (request.Failed)
            {
                return await ProblemOutput.WriteAsync(console, request.Problem, ExitCodes.Usage);
            }

            var recorded = await Server.Sharing.Assessments.RecordAsync(session.Operation(), request.Value, ct);
            if (recorded.Failed)
            {
                return await FailureAsync(console, recorded.Failure);
            }

            var view = recorded.Value;
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(view, SharingJson.Strict.AssessmentView));
            await console.Error.WriteLineAsync($"Recorded assessment {view.Id} ({string.Join(", ", view.Assessment.Covers)}), approved by {view.Assessment.ApprovedBy} on {Day(view.Assessment.ApprovedOn)}; kept until {Day(view.KeepUntil)}.");
            return ExitCodes.Ok;
        });
        root.Add(record);
        return root;
    }

    public static Command Disclose(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var recipient = new Option<string>("--recipient") { Description = "The recipient's key in the register (cordon recipients).", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "The purpose the disclosure is made under; the profile must list the recipient under it.", Required = true };
        var subjects = new Option<string[]>("--subject") { Description = "A subject id (sub_…); repeat for a cohort (up to 10,000 with --subjects-file)." };
        var subjectsFile = new Option<string?>("--subjects-file") { Description = "A file of subject ids, one per line (blank lines and lines starting with # are skipped)." };
        var types = new Option<string[]>("--type") { Description = "Only this record type; repeat for several. Default: every type the recipient may receive under the purpose." };
        var packageOut = new Option<string?>("--package-out") { Description = "For a recipient of method package: the file the sealed package is written to (created; never an existing file). Only the recipient's private key opens it." };
        var json = new Option<bool>("--json") { Description = "Print the disclosure as one JSON object (as POST /v1/disclosures answers, without the package bytes)." };
        var command = new Command("disclose", "Disclose one subject's records, or a cohort's, to a registered recipient through the egress gate: purpose, fields, contract, assessment, localisation, genetic data, each subject's separate consent and the year's cross-border counts are checked before anything leaves; what passes is recorded and counted, then delivered to the recipient's HTTPS endpoint (method api) or sealed to its public key (method package). A refusal names its code, rule and citation (exit 1).")
        {
            tenantData, recipient, purpose, subjects, subjectsFile, types, packageOut, json,
        };
        tenantData.SetSessionAction(command, console, async (session, parse, ct) =>
        {
            var tenant = session.Tenant;
            var purposeKey = parse.GetValue(purpose)!;
            if (tenant.Profile.FindPurpose(purposeKey) is not { } purposeDef)
            {
                await console.Error.WriteLineAsync($"The profile of tenant '{tenant.Id}' declares no purpose '{purposeKey}' ({string.Join(", ", tenant.Profile.Purposes.Select(p => p.Key))}).");
                return ExitCodes.Usage;
            }

            var ids = new List<string>(parse.GetValue(subjects) ?? []);
            if (parse.GetValue(subjectsFile) is { } listed)
            {
                if (!File.Exists(listed))
                {
                    await console.Error.WriteLineAsync($"{listed}: no such file");
                    return ExitCodes.Usage;
                }

                ids.AddRange((await File.ReadAllLinesAsync(listed, ct)).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
            }

            if (ids.Count == 0)
            {
                await console.Error.WriteLineAsync("Name the subjects to disclose: --subject ID (repeatable) or --subjects-file FILE.");
                return ExitCodes.Usage;
            }

            // The package is written to a file opened before the gate runs: once the gate has recorded and counted a
            // disclosure, nothing may stop its sealed bytes from reaching the file.
            var key = parse.GetValue(recipient)!;
            var path = parse.GetValue(packageOut);
            var sealing = RecipientRegister.Find(tenant, key) is { Method: "package" };
            if (sealing != (path is not null))
            {
                await console.Error.WriteLineAsync(sealing
                    ? $"'{key}' receives a package sealed to its public key: name the file to write it to with --package-out FILE."
                    : $"--package-out is for a recipient of method package; '{key}' is not one.");
                return ExitCodes.Usage;
            }

            if (path is not null && File.Exists(path))
            {
                await console.Error.WriteLineAsync($"{path} exists: a package is never written over another file.");
                return ExitCodes.Usage;
            }

            await using var package = path is null ? null : new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            var request = new DisclosureRequest(key, ids, parse.GetValue(types) is { Length: > 0 } only ? only : null);
            var disclosed = await DisclosureGate.DiscloseAsync(session.Operation(), purposeDef, request, new RecipientDelivery(allowInsecureTargets: false), ct);
            if (disclosed.Failed)
            {
                if (package is not null)
                {
                    await package.DisposeAsync();
                    File.Delete(path!);
                }

                return await FailureAsync(console, disclosed.Failure);
            }

            var view = disclosed.Value;
            if (package is not null && view.Package is { } sealedBytes)
            {
                await package.WriteAsync(Convert.FromBase64String(sealedBytes), ct);
                await package.FlushAsync(ct);
            }

            var shown = view with { Package = null };
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(shown, SharingJson.Strict.DisclosureView));
            }
            else
            {
                foreach (var line in Describe(shown, path))
                {
                    await console.Out.WriteLineAsync(line);
                }
            }

            return view.Status == "delivered" ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    public static Command CrossBorder(CliConsole console)
    {
        var status = new Command("status", "This calendar year's transfers abroad: distinct individuals since 1 January (sensitive and not), the mechanism the counts require (R34–R36), and for each recipient abroad what is held, until when, and the 60-working-day renewal window of a security assessment.");
        Read(status, console, "GET /v1/crossborder", async (session, _, json, ct) =>
        {
            var op = session.Operation();
            var calendar = await new CalendarCache(session.Store).GetAsync(session.Tenant.Id, ct);
            var view = await CrossBorderStatus.GetAsync(session.Tenant, session.Store, calendar, op.Today, ct);
            await session.Store.AppendAsync(op.Audit("crossborder.read", AuditOutcome.Permit, null), ct);
            if (json)
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(view, SharingJson.Strict.CrossBorderView));
                return ExitCodes.Ok;
            }

            var ansi = OperatorSession.Tables(console);
            var t = view.Thresholds;
            FittedTable.WriteText(ansi, string.Create(CultureInfo.InvariantCulture, $"{view.Year}: {view.NonSensitive:N0} individuals' non-sensitive and {view.Sensitive:N0} individuals' sensitive personal information transferred abroad since 1 January{(view.ImportantData ? "; important data among it" : string.Empty)}."));
            FittedTable.WriteText(ansi, string.Create(CultureInfo.InvariantCulture, $"Required: {view.Required} ({view.Rule}). Nothing below {t.ExemptBelow:N0} individuals with no sensitive data; a standard contract or certification from {t.ExemptBelow:N0}, or for any sensitive data; a security assessment from {t.AssessmentAt:N0} (non-sensitive) or {t.SensitiveAssessmentAt:N0} (sensitive), or for important data."));
            if (view.Recipients.Count == 0)
            {
                FittedTable.WriteText(ansi, "No recipient in the register is abroad.");
                return ExitCodes.Ok;
            }

            var table = new FittedTable(
                "Recipients abroad",
                new("Key", NoWrap: true),
                new("Jurisdiction", DropOrder: 3, NoWrap: true),
                new("Held"),
                new("Reference", DropOrder: 1),
                new("Until", NoWrap: true),
                new("Renew\nfrom", DropOrder: 2, NoWrap: true),
                new("Renewal\ndue", NoWrap: true),
                new("Sufficient", NoWrap: true));
            foreach (var r in view.Recipients)
            {
                table.AddRow(Markup.Escape(r.Key), Markup.Escape(r.Jurisdiction), Markup.Escape(r.Held ?? "nothing"), Markup.Escape(r.Reference ?? "-"),
                    r.ValidUntil is { } until ? Day(until) : "-", r.RenewFrom is { } from ? Day(from) : "-", r.RenewalDue ? "yes" : "no", r.Sufficient ? "yes" : "[bold]no[/]");
            }

            table.Write(ansi);
            return ExitCodes.Ok;
        });
        return new Command("crossborder", "Cross-border transfers: this year's counts and the mechanisms held (R33–R37).") { status };
    }

    private static void ListRecipients(Command command, CliConsole console)
        => Read(command, console, "GET /v1/recipients", async (session, _, json, ct) =>
        {
            var op = session.Operation();
            var recipients = await RecipientRegister.ListAsync(session.Tenant, session.Store, op.Today, ct);
            await session.Store.AppendAsync(op.Audit("recipient.list", AuditOutcome.Permit, null), ct);
            if (json)
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(new RecipientList(recipients), SharingJson.Strict.RecipientList));
                return ExitCodes.Ok;
            }

            var ansi = OperatorSession.Tables(console);
            if (recipients.Count == 0)
            {
                FittedTable.WriteText(ansi, $"The profile of tenant '{session.Tenant.Id}' declares no recipients: data leaves Cordon for no one but the patient.");
                return ExitCodes.Ok;
            }

            var table = new FittedTable(
                "Recipient register",
                new("Key", NoWrap: true),
                new("Kind\nactivity", DropOrder: 3, NoWrap: true),
                new("Jurisdiction", DropOrder: 4, NoWrap: true),
                new("Method", DropOrder: 1, NoWrap: true),
                new("Purposes", DropOrder: 5, NoWrap: true),
                new("Contract\nuntil", DropOrder: 6, NoWrap: true),
                new("Transfer", DropOrder: 2),
                new("Missing"));
            foreach (var r in recipients)
            {
                table.AddRow(
                    Markup.Escape(r.Key),
                    Markup.Escape($"{r.Kind}\n{r.Activity}"),
                    Markup.Escape(Jurisdiction(r).Replace(" (", "\n(", StringComparison.Ordinal)),
                    Markup.Escape(r.Method),
                    Markup.Escape(r.Purposes.Count == 0 ? "-" : string.Join("\n", r.Purposes)),
                    r.Contract is { } c ? Day(c.ValidUntil) : "-",
                    Markup.Escape(!r.Abroad ? "-" : r.Transfer is { } t ? Transfer(t) : "none"),
                    r.Missing.Count == 0 ? "nothing" : string.Join("\n", r.Missing.Select(Markup.Escape)));
            }

            table.Write(ansi);
            var incomplete = recipients.Count(r => r.Missing.Count > 0);
            await console.Error.WriteLineAsync($"{recipients.Count} recipient(s); {incomplete} the gate would still refuse (see Missing; cordon recipients show KEY).");
            return ExitCodes.Ok;
        });

    private static Command ShowRecipient(CliConsole console)
    {
        var key = RecipientKey();
        var command = new Command("show", "One recipient of the register with the fields it may receive and its evidence.") { key };
        Read(command, console, "GET /v1/recipients/KEY", async (session, parse, json, ct) =>
        {
            var op = session.Operation();
            var found = await RecipientRegister.GetAsync(session.Tenant, session.Store, parse.GetValue(key)!, op.Today, ct);
            if (found.Failed)
            {
                return await FailureAsync(console, found.Failure);
            }

            await session.Store.AppendAsync(op.Audit("recipient.read", AuditOutcome.Permit, null, [found.Value.Key]), ct);
            return await WriteRecipientAsync(console, found.Value, json);
        });
        return command;
    }

    private static Command Contract(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var key = RecipientKey();
        var reference = Reference("The contract's reference (number or title).");
        var from = DateOption("--from", "First day the contract is in force.", required: true);
        var until = DateOption("--until", "Last day the contract is in force.", required: true);
        var purposes = new Option<string[]>("--purpose") { Description = "A purpose the contract covers; repeat for several.", Required = true };
        var permits = new Option<string>("--permits") { Description = "What the recipient may do with the data, in the contract's words (PIPL Art. 21).", Required = true };
        var subEntrusting = new Option<bool>("--sub-entrusting-approved") { Description = "The contract lets the recipient entrust the processing to others (PIPL Art. 21)." };
        var atEnd = new Option<string>("--at-end") { Description = "What the recipient does with the data when the contract ends: delete or return. Default delete.", DefaultValueFactory = _ => "delete" };
        atEnd.AcceptOnlyFromAmong("delete", "return");
        var signed = DateOption("--signed", "The day it was signed. Default: the --from date.", required: false);
        var command = new Command("contract", "Record the contract with a recipient (R10, R11): the latest recorded is in force.")
        {
            tenantData, reference, from, until, purposes, permits, subEntrusting, atEnd, signed, key,
        };
        tenantData.SetSessionAction(command, console, async (session, parse, ct) =>
        {
            var validFrom = parse.GetValue(from)!.Value;
            var request = new ContractRequest(parse.GetValue(reference)!, parse.GetValue(signed) ?? validFrom, validFrom, parse.GetValue(until)!.Value,
                parse.GetValue(purposes) ?? [], parse.GetValue(permits)!, parse.GetValue(subEntrusting), parse.GetValue(atEnd)!);
            return await RecordedAsync(console, "contract", await RecipientRegister.PutContractAsync(session.Operation(), parse.GetValue(key)!, request, ct));
        });
        return command;
    }

    private static Command Transfer(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var key = RecipientKey();
        var kind = new Option<string>("--kind") { Description = "exempt (with --exempt-basis), standard-contract (filed), certification, or security-assessment (approved; valid at most three years).", Required = true };
        kind.AcceptOnlyFromAmong([.. Core.Sharing.TransferBasis.Kinds]);
        var reference = Reference("The filing, certificate or approval reference.");
        var since = DateOption("--since", "The day it was filed, certified or approved.", required: true);
        var until = DateOption("--until", "The last day it is valid, if it ends.", required: false);
        var basis = new Option<string?>("--exempt-basis") { Description = $"For --kind exempt, its ground under the 2024 provisions Art. 5 (R37): {string.Join(", ", Core.Sharing.TransferBasis.ExemptBases)}." };
        basis.AcceptOnlyFromAmong([.. Core.Sharing.TransferBasis.ExemptBases]);
        var command = new Command("transfer", "Record the mechanism for transfers to a recipient abroad (R33–R37): the latest recorded is in force.")
        {
            tenantData, kind, reference, since, until, basis, key,
        };
        tenantData.SetSessionAction(command, console, async (session, parse, ct) =>
        {
            var request = new TransferRequest(parse.GetValue(kind)!, parse.GetValue(reference)!, parse.GetValue(since)!.Value, parse.GetValue(until), parse.GetValue(basis));
            return await RecordedAsync(console, "transfer mechanism", await RecipientRegister.PutTransferAsync(session.Operation(), parse.GetValue(key)!, request, ct));
        });
        return command;
    }

    private static Command GeneticFiling(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var key = RecipientKey();
        var reference = Reference("The filing's reference with the health authority.");
        var filed = DateOption("--filed", "The day it was filed.", required: true);
        var command = new Command("genetic-filing", "Record the filing that lets human genetic resources information go to a foreign or foreign-controlled recipient (R39).")
        {
            tenantData, reference, filed, key,
        };
        tenantData.SetSessionAction(command, console, async (session, parse, ct) =>
        {
            var request = new GeneticFilingRequest(parse.GetValue(reference)!, parse.GetValue(filed)!.Value);
            return await RecordedAsync(console, "genetic-data filing", await RecipientRegister.PutGeneticFilingAsync(session.Operation(), parse.GetValue(key)!, request, ct));
        });
        return command;
    }

    private static void ListAssessments(Command command, CliConsole console)
        => Read(command, console, "GET /v1/assessments", async (session, _, json, ct) =>
        {
            var op = session.Operation();
            var list = await Server.Sharing.Assessments.ListAsync(session.Store, session.Tenant.Id, ct);
            await session.Store.AppendAsync(op.Audit("assessment.list", AuditOutcome.Permit, null), ct);
            if (json)
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(new AssessmentList(list), SharingJson.Strict.AssessmentList));
                return ExitCodes.Ok;
            }

            var ansi = OperatorSession.Tables(console);
            if (list.Count == 0)
            {
                FittedTable.WriteText(ansi, "No impact assessment is recorded: the gate refuses every sharing, entrusting, disclosure and export (R25). Record one with: cordon assessments record FILE.json");
                return ExitCodes.Ok;
            }

            var table = new FittedTable(
                "Impact assessments",
                new("Id", NoWrap: true),
                new("Title", DropOrder: 3),
                new("Covers"),
                new("Scope", DropOrder: 2),
                new("Approved", DropOrder: 4),
                new("Valid\nuntil", NoWrap: true),
                new("Kept\nuntil", DropOrder: 1, NoWrap: true));
            foreach (var v in list)
            {
                var a = v.Assessment;
                var scope = $"purposes: {(a.Purposes.Count == 0 ? "all" : string.Join(", ", a.Purposes))}; recipients: {(a.Recipients.Count == 0 ? "all" : string.Join(", ", a.Recipients))}";
                table.AddRow(Markup.Escape(v.Id), Markup.Escape(a.Title), Markup.Escape(string.Join(", ", a.Covers)), Markup.Escape(scope),
                    Markup.Escape($"{Day(a.ApprovedOn)} {a.ApprovedBy}"), a.ValidUntil is { } until ? Day(until) : "-", Day(v.KeepUntil));
            }

            table.Write(ansi);
            return ExitCodes.Ok;
        });

    /// <summary>
    /// Makes <paramref name="command"/> a read with <c>--data</c>, <c>--db</c>, <c>--tenant</c> and <c>--json</c> (the
    /// object <paramref name="answers"/> answers with); the action audits the read once it has it, as the endpoint does.
    /// </summary>
    private static void Read(Command command, CliConsole console, string answers, Func<OperatorSession, ParseResult, bool, CancellationToken, Task<int>> action)
    {
        var tenantData = new TenantDataOptions();
        var json = new Option<bool>("--json") { Description = $"Print one JSON object, as {answers} answers." };
        command.Add(tenantData);
        command.Add(json);
        tenantData.SetSessionAction(command, console, (session, parse, ct) => action(session, parse, parse.GetValue(json), ct));
    }

    /// <summary>Evidence recorded: the recipient as it now stands on stdout, what was recorded on stderr.</summary>
    private static async Task<int> RecordedAsync(CliConsole console, string what, Result<RecipientView> result)
    {
        if (result.Failed)
        {
            return await FailureAsync(console, result.Failure);
        }

        await WriteRecipientAsync(console, result.Value, json: false);
        await console.Error.WriteLineAsync($"Recorded the {what} for {result.Value.Key}.");
        return ExitCodes.Ok;
    }

    private static async Task<int> WriteRecipientAsync(CliConsole console, RecipientView r, bool json)
    {
        if (json)
        {
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(r, SharingJson.Strict.RecipientView));
            return ExitCodes.Ok;
        }

        var lines = new List<string>
        {
            $"{r.Key}: {r.Name}",
            $"  kind: {r.Kind} ({r.Activity})",
            $"  jurisdiction: {Jurisdiction(r)}",
            $"  contact: {r.Contact}",
            $"  method: {r.Method}{(r.Endpoint is null ? string.Empty : " " + r.Endpoint)}{(r.Deidentify ? "; de-identified data only" : string.Empty)}",
            $"  receives: {r.Receives ?? "-"}",
            $"  purposes: {(r.Purposes.Count == 0 ? "none (the profile lists it under no purpose)" : string.Join(", ", r.Purposes))}",
            $"  fields: {(r.Fields.Count == 0 ? "none declared" : string.Join("; ", r.Fields.Select(f => $"{f.Key} [{string.Join(", ", f.Value)}]")))}",
            r.Contract is { } c
                ? $"  contract: {c.Reference}, signed {Day(c.SignedOn)}, in force {Day(c.ValidFrom)} to {Day(c.ValidUntil)}, purposes {string.Join(", ", c.Purposes)}; permits: {c.Permits}; sub-entrusting {(c.SubEntrustingApproved ? "approved" : "not approved")}; at the end: {c.AtEnd}"
                : "  contract: none recorded",
        };
        if (r.Abroad)
        {
            lines.Add($"  transfer: {(r.Transfer is { } t ? $"{Transfer(t)}, {t.Reference}, since {Day(t.Since)}" : "none recorded")}");
        }

        lines.Add($"  genetic-data filing: {(r.GeneticFiling is { } g ? $"{g.Reference}, filed {Day(g.FiledOn)}" : "none recorded")}");
        lines.Add(r.Missing.Count == 0 ? "  missing: nothing" : "  missing:");
        lines.AddRange(r.Missing.Select(m => "    - " + m));
        foreach (var line in lines)
        {
            await console.Out.WriteLineAsync(line);
        }

        return ExitCodes.Ok;
    }

    private static IEnumerable<string> Describe(DisclosureView d, string? packagePath)
    {
        yield return string.Create(CultureInfo.InvariantCulture, $"{d.Id} {d.Status}: {d.Subjects:N0} subject(s), {d.Records:N0} record(s) to {d.Recipient} under {d.Purpose} ({d.Method}{(d.Abroad ? ", abroad" : string.Empty)}{(d.Sensitive ? ", sensitive" : string.Empty)}): {d.Detail}");
        if (packagePath is not null)
        {
            yield return $"package: {packagePath} (sha256 {d.PackageSha256})";
        }
        else if (d.PackageSha256 is not null)
        {
            yield return $"sent: sha256 {d.PackageSha256}";
        }

        if (d.Excluded is { Count: > 0 } excluded)
        {
            yield return "excluded: " + string.Join(", ", excluded.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Value:N0} {kv.Key}")));
        }
    }

    /// <summary>
    /// A use case's failure, printed with its rule: exit 2 when the input was not valid or named something that does not
    /// exist (a recipient, a subject), 1 when the gate or a rule refused.
    /// </summary>
    private static Task<int> FailureAsync(CliConsole console, Failure failure)
    {
        var usage = failure.Kind is FailureKind.NotFound or FailureKind.Malformed
            || failure.Code is "validation.failed" or "recipient.unknown";
        return ProblemOutput.WriteAsync(console, failure, usage ? ExitCodes.Usage : ExitCodes.CheckFailed);
    }

    private static Argument<string> RecipientKey() => new("KEY") { Description = "The recipient's key in the register (cordon recipients)." };

    private static Option<string> Reference(string description) => new("--reference") { Description = description, Required = true };

    /// <summary>A date option read as yyyy-MM-dd whatever the machine's culture; anything else is bad usage (exit 2).</summary>
    private static Option<DateOnly?> DateOption(string name, string description, bool required) => new(name)
    {
        Description = description + " yyyy-MM-dd.",
        Required = required,
        CustomParser = result =>
        {
            var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (DateOnly.TryParseExact(token, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }

            result.AddError($"{name}: '{token}' is not a date (yyyy-MM-dd, e.g. 2026-12-31).");
            return null;
        },
    };

    private static string Jurisdiction(RecipientView r)
        => r.Jurisdiction + (r.Abroad ? " (abroad)" : string.Empty) + (r.ForeignControlled ? " (foreign-controlled)" : string.Empty);

    private static string Transfer(Core.Sharing.TransferBasis t)
        => t.Kind + (t.ExemptBasis is null ? string.Empty : $" ({t.ExemptBasis})") + (t.ValidUntil is { } until ? " until " + Day(until) : string.Empty);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
