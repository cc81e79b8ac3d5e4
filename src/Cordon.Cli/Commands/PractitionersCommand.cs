using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Audit;
using Cordon.Server.Care;
using Cordon.Server.Http;
using Spectre.Console;

namespace Cordon.Cli.Commands;

/// <summary>
/// <c>cordon practitioners [list] | register FILE.json | suspend ID --reason | reinstate ID --reason</c>: the practitioner
/// register from the operator's shell, through the same use case as <c>/v1/practitioners</c>, audited as
/// <c>cli:&lt;OS user&gt;</c> with the admin role. Exit 0 when done, 1 when refused, 2 on bad input or an unknown id.
/// </summary>
internal static class PractitionersCommand
{
    public static Command Create(CliConsole console)
    {
        var root = new Command("practitioners", "The practitioner register (R53): physicians, pharmacists and nurses with their real-name verification, licence, registration here, years of independent practice, consent to online practice and suspension. Without a subcommand: list.");
        List(root, console);
        var list = new Command("list", "The register as a table (or --json), with whether each practitioner is eligible today and, if not, why.");
        List(list, console);
        root.Add(list);
        root.Add(Register(console));
        root.Add(Suspension(console, suspend: true));
        root.Add(Suspension(console, suspend: false));
        return root;
    }

    private static void List(Command command, CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var json = new Option<bool>("--json") { Description = "Print the register as GET /v1/practitioners answers." };
        command.Add(tenantData);
        command.Add(json);
        tenantData.SetSessionAction(command, console, async (session, parse, ct) =>
        {
            var op = session.Operation();
            var practitioners = await PractitionerRegister.ListAsync(session.Tenant, session.Store, op.Today, ct);
            await session.Store.AppendAsync(op.Audit("practitioner.list", AuditOutcome.Permit, null, [.. practitioners.Select(p => p.Id)]), ct);
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(new PractitionerList(practitioners), CareJson.Strict.PractitionerList));
                return ExitCodes.Ok;
            }

            var ansi = OperatorSession.Tables(console);
            if (practitioners.Count == 0)
            {
                FittedTable.WriteText(ansi, $"Tenant '{session.Tenant.Id}' has no registered practitioners: no clinician may act in an online consultation (R53).");
                return ExitCodes.Ok;
            }

            var table = new FittedTable(
                "Practitioner register",
                new("Id", NoWrap: true),
                new("Role", NoWrap: true),
                new("Licence", DropOrder: 2, NoWrap: true),
                new("Years", DropOrder: 1, NoWrap: true),
                new("Eligible"));
            foreach (var p in practitioners)
            {
                table.AddRow(Markup.Escape(p.Id), p.Role, Markup.Escape(p.Licence ?? "-"), p.YearsOfPractice?.ToString(CultureInfo.InvariantCulture) ?? "-", p.Eligible ? "yes" : Markup.Escape("no: " + p.NotEligible));
            }

            table.Write(ansi);
            return ExitCodes.Ok;
        });
    }

    private static Command Register(CliConsole console)
    {
        var tenantData = new TenantDataOptions();
        var file = new Argument<string>("FILE") { Description = "The practitioner as JSON, as POST /v1/practitioners takes it: {id, role, name, realName: {status, method, verifiedOn}, licence?, registration?: {kind, institution, registeredOn}, independentPracticeSince?, onlinePracticeConsentedOn?, publicKey?}." };
        var command = new Command("register", "Register a practitioner from a JSON file; prints the entry with whether it is eligible today.") { tenantData, file };
        tenantData.SetSessionAction(command, console, async (session, parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                await console.Error.WriteLineAsync($"{path}: no such file");
                return ExitCodes.Usage;
            }

            var request = RequestBody.Deserialize(await File.ReadAllBytesAsync(path, ct), CareJson.Strict.PractitionerRequest);
            if (request.Failed)
            {
                return await ProblemOutput.WriteAsync(console, request.Problem, ExitCodes.Usage);
            }

            var registered = await PractitionerRegister.RegisterAsync(session.Operation(), request.Value, ct);
            return registered.Failed ? await FailureAsync(console, registered.Failure) : await WriteAsync(console, registered.Value, "Registered");
        });
        return command;
    }

    private static Command Suspension(CliConsole console, bool suspend)
    {
        var tenantData = new TenantDataOptions();
        var id = new Argument<string>("ID") { Description = "The practitioner's id (the actor id of their tokens)." };
        var reason = new Option<string>("--reason") { Description = "Why (kept with the entry and sealed in the audit).", Required = true };
        var command = new Command(suspend ? "suspend" : "reinstate", suspend
            ? "Suspend a practitioner: from the next request they may not act in an online consultation or prescription."
            : "Reinstate a suspended practitioner.") { tenantData, id, reason };
        tenantData.SetSessionAction(command, console, async (session, parse, ct) =>
        {
            var done = await PractitionerRegister.SetSuspensionAsync(session.Operation(), parse.GetValue(id)!, new SuspensionRequest(suspend, parse.GetValue(reason)!), ct);
            return done.Failed ? await FailureAsync(console, done.Failure) : await WriteAsync(console, done.Value, suspend ? "Suspended" : "Reinstated");
        });
        return command;
    }

    private static async Task<int> WriteAsync(CliConsole console, PractitionerView view, string what)
    {
        await console.Out.WriteLineAsync(JsonSerializer.Serialize(view, CareJson.Strict.PractitionerView));
        await console.Error.WriteLineAsync($"{what} {view.Id} ({view.Role}): {(view.Eligible ? "eligible" : "not eligible: " + view.NotEligible)}");
        return ExitCodes.Ok;
    }

    private static Task<int> FailureAsync(CliConsole console, Failure failure)
    {
        var usage = failure.Kind is FailureKind.NotFound or FailureKind.Malformed || failure.Code == "validation.failed";
        return ProblemOutput.WriteAsync(console, failure, usage ? ExitCodes.Usage : ExitCodes.CheckFailed);
    }
}
