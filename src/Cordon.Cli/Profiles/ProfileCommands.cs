using System.CommandLine;
using Cordon.Core.Notice;
using Cordon.Core.Profiles;

namespace Cordon.Cli.Profiles;

/// <summary><c>cordon profile check FILE</c> and <c>cordon profile notice FILE</c>.</summary>
internal static class ProfileCommands
{
    public static Command Create(CliConsole console)
    {
        var checkFile = new Argument<FileInfo>("file") { Description = "The profile YAML file" };
        var check = new Command("check", "Load a profile; print every error with file, line, column and rule. Exit 1 when it is refused.") { checkFile };
        check.SetAction(parse => Check(parse.GetValue(checkFile)!, console.Out, console.Error));

        var noticeFile = new Argument<FileInfo>("file") { Description = "The profile YAML file" };
        var format = new Option<string>("--format") { Description = "json, markdown or html", DefaultValueFactory = _ => "markdown" };
        format.AcceptOnlyFromAmong("json", "markdown", "html");
        var notice = new Command("notice", "Print the privacy notice the profile produces") { noticeFile, format };
        notice.SetAction(parse => Notice(parse.GetValue(noticeFile)!, parse.GetValue(format)!, console.Out, console.Error));

        return new Command("profile", "Compliance profiles") { check, notice };
    }

    internal static int Check(FileInfo file, TextWriter output, TextWriter errors)
    {
        if (Load(file, errors) is not { } profile)
        {
            return 1;
        }

        output.WriteLine($"{file.Name}: valid — {profile.Catalog.Types.Count} record types, {profile.Purposes.Count} purposes; notice version {PrivacyNotice.Build(profile).Version}");
        return 0;
    }

    internal static int Notice(FileInfo file, string format, TextWriter output, TextWriter errors)
    {
        if (Load(file, errors) is not { } profile)
        {
            return 1;
        }

        var notice = PrivacyNotice.Build(profile);
        output.Write(format switch
        {
            "json" => notice.ToJson(indented: true),
            "html" => notice.ToHtml(),
            _ => notice.ToMarkdown(),
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
