using System.CommandLine;
using Cordon.Cli.Commands;
using Cordon.Core.Audit;
using Cordon.Core.Notice;
using Cordon.Core.Profiles;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;

namespace Cordon.Cli.Profiles;

/// <summary><c>cordon profile check FILE</c>, <c>cordon profile notice FILE</c> and <c>cordon profile publish --data DIR FILE</c>.</summary>
internal static class ProfileCommands
{
    public static Command Create(CliConsole console)
    {
        var checkFile = new Argument<FileInfo>("file") { Description = "The profile YAML file" };
        var check = new Command("check", "Load a profile; print every error with file, line, column and rule. Exit 1 when it is refused.") { checkFile };
        check.SetAction(parse => Check(parse.GetValue(checkFile)!, console.Out, console.Error));

        var noticeFile = new Argument<FileInfo>("file") { Description = "The profile YAML file" };
        var format = new Option<string>("--format") { Description = "json, markdown or html (the patient's notice), or annex (the technical annex, HTML)", DefaultValueFactory = _ => "markdown" };
        format.AcceptOnlyFromAmong("json", "markdown", "html", "annex");
        var lang = new Option<string>("--lang") { Description = "zh or en: the language of the patient's notice (markdown, html)", DefaultValueFactory = _ => "zh" };
        lang.AcceptOnlyFromAmong("zh", "en");
        var notice = new Command("notice", "Print the privacy notice the profile produces") { noticeFile, format, lang };
        notice.SetAction(parse => Notice(parse.GetValue(noticeFile)!, parse.GetValue(format)!, console.Out, console.Error, parse.GetValue(lang) == "en" ? NoticeLanguage.English : NoticeLanguage.Chinese));

        var publishFile = new Argument<FileInfo>("file") { Description = "The profile YAML file" };
        var tenantData = new TenantDataOptions();
        var publish = new Command("publish", "Publish a profile for a tenant of the data directory; print the purposes it changes and how many subjects must consent again (R04). Exit 1 when it is refused.")
        {
            publishFile, tenantData,
        };
        publish.SetAction((parse, cancellationToken) => PublishAsync(parse.GetValue(publishFile)!, parse.GetValue(tenantData.Data)!, parse.GetValue(tenantData.Database), parse.GetValue(tenantData.Tenant), console, cancellationToken));

        return new Command("profile", "Compliance profiles") { check, notice, publish };
    }

    internal static async Task<int> PublishAsync(FileInfo file, string directory, string? database, string? named, CliConsole console, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            await console.Error.WriteLineAsync($"{file.FullName}: no such file");
            return ExitCodes.Usage;
        }

        if (Load(file, console.Error) is not { } profile)
        {
            return ExitCodes.CheckFailed;
        }

        if (!File.Exists(KeyFile.PathIn(directory)))
        {
            await console.Error.WriteLineAsync($"{Path.GetFullPath(directory)} is not a Cordon data directory; create it with cordon init.");
            return ExitCodes.Usage;
        }

        var registry = new TenantRegistry(KeyFile.OpenOrCreate(KeyFile.PathIn(directory)));
        await using var store = await CordonStores.OpenAsync(directory, database, cancellationToken);
        await registry.LoadAsync(store, cancellationToken);
        if (TenantChoice.Find(registry, named, console.Error)?.Id is not { } tenant)
        {
            return ExitCodes.Usage;
        }

        var audit = new Server.Audit.AuditContext(tenant, "cordon-cli", "admin", TimeProvider.System.GetUtcNow()).Draft("profile.publish", AuditOutcome.Done, rules: ["R04", "R09"]);
        var published = await ProfilePublisher.PublishAsync(registry, store, tenant, profile, audit, cancellationToken);
        if (!published.Changed)
        {
            await console.Out.WriteLineAsync($"Tenant '{tenant}' already runs this profile (notice version {published.NoticeVersion}); nothing published.");
            return 0;
        }

        await console.Out.WriteLineAsync($"Published {file.Name} for tenant '{tenant}': notice version {published.PreviousNoticeVersion} -> {published.NoticeVersion}.");
        foreach (var change in published.Purposes)
        {
            await console.Out.WriteLineAsync(change.Change == "changed"
                ? $"  {change.Purpose}: changed; {change.Renewals} subject(s) must consent again (R04)"
                : $"  {change.Purpose}: {change.Change}");
        }

        if (!published.Purposes.Any(c => c.Change == "changed"))
        {
            await console.Out.WriteLineAsync("  No purpose changed what it collects, how or with whom: every consent stands.");
        }

        await console.Error.WriteLineAsync("A running cordon serve reads profiles at start: restart it, or publish through PUT /v1/profile instead.");
        return 0;
    }

    internal static int Check(FileInfo file, TextWriter output, TextWriter errors)
    {
        if (!file.Exists)
        {
            errors.WriteLine($"{file.FullName}: no such file");
            return ExitCodes.Usage;
        }

        if (Load(file, errors) is not { } profile)
        {
            return ExitCodes.CheckFailed;
        }

        output.WriteLine($"{file.Name}: valid — {profile.Catalog.Types.Count} record types, {profile.Purposes.Count} purposes; notice version {PrivacyNotice.Build(profile).Version}");
        return 0;
    }

    internal static int Notice(FileInfo file, string format, TextWriter output, TextWriter errors, NoticeLanguage language = NoticeLanguage.Chinese)
    {
        if (!file.Exists)
        {
            errors.WriteLine($"{file.FullName}: no such file");
            return ExitCodes.Usage;
        }

        if (Load(file, errors) is not { } profile)
        {
            return ExitCodes.CheckFailed;
        }

        var notice = PrivacyNotice.Build(profile);
        output.Write(format switch
        {
            "json" => notice.ToJson(indented: true),
            "html" => notice.ToHtml(language),
            "annex" => notice.ToAnnexHtml(),
            _ => notice.ToMarkdown(language),
        });
        return 0;
    }

    private static Profile? Load(FileInfo file, TextWriter errors)
    {
        if (!file.Exists)
        {
            errors.WriteLine($"{file.FullName}: no such file");
            return null;
        }

        var result = ProfileLoader.Load(File.ReadAllText(file.FullName), file.Name);
        foreach (var error in result.Errors)
        {
            errors.WriteLine(error);
        }

        return result.Profile;
    }
}
