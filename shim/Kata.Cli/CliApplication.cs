using System.CommandLine;
using Kata.Cli.Commands;
using Kata.Cli.Hosting;

namespace Kata.Cli;

/// <summary>Builds the command tree (System.CommandLine) and runs one command.</summary>
public static class CliApplication
{
    public static async Task<int> RunAsync(string[] args)
    {
        Kata.Sandbox.ThreadPoolSizing.EnsureMinimum();
        var options = new GlobalOptions();
        var root = new RootCommand("kata-style: a VM-based OCI container runtime (runc-compatible command line; see shim/Kata.Cli/README.md)");
        foreach (Option option in options.All)
        {
            root.Options.Add(option);
        }
        Command[] commands =
        [
            SpecCommand.Build(options), CreateCommand.Build(options), StartCommand.Build(options), RunCommand.Build(options),
            StateCommand.Build(options), KillCommand.Build(options), DeleteCommand.Build(options), ListCommand.Build(options),
            ExecCommand.Build(options), PsCommand.Build(options), PauseResumeCommands.BuildPause(options),
            PauseResumeCommands.BuildResume(options), EventsCommand.Build(options), UpdateCommand.Build(options),
            InfoCommands.BuildFeatures(options), InfoCommands.BuildVersion(options), InfoCommands.BuildCheck(options),
            InfoCommands.BuildEnv(options), MonitorCommand.Build(options),
        ];
        foreach (Command command in commands)
        {
            root.Subcommands.Add(command);
        }
        ParseResult parse = root.Parse(ExecArguments.SeparateCommand(args));
        return await parse.InvokeAsync();
    }
}
