using System.CommandLine;
using Cordon.Cli.Profiles;

var root = new RootCommand("cordon — privacy and compliance core for internet healthcare");
root.Subcommands.Add(ProfileCommands.Create());
return root.Parse(args).Invoke();
