using System.CommandLine;
using Kata.Cli.Hosting;

namespace Kata.Cli.Commands;

/// <summary>`create --bundle DIR [--pid-file F] [--console-socket S] ID` (OCI runtime.md "create").</summary>
public static class CreateCommand
{
    public static Option<string> Bundle() => new("--bundle", "-b") { Description = "The bundle directory (config.json, rootfs) [default: current directory]", HelpName = "DIR" };
    public static Option<string> PidFile() => new("--pid-file") { Description = "Write the container's pid to this file", HelpName = "FILE" };
    public static Option<string> ConsoleSocket() => new("--console-socket")
    {
        Description = "Unix socket to send the pty master to (SCM_RIGHTS) when process.terminal is true",
        HelpName = "PATH",
    };

    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Option<string> bundle = Bundle();
        Option<string> pidFile = PidFile();
        Option<string> consoleSocket = ConsoleSocket();
        var command = new Command("create", "Create a container: its process is set up and waits for `start`") { id, bundle, pidFile, consoleSocket };
        CommandAction.Set(command, options, (context, parse) =>
        {
            ContainerCreation.Created created = ContainerCreation.Create(context, parse.GetValue(id)!, parse.GetValue(bundle),
                parse.GetValue(pidFile), parse.GetValue(consoleSocket), detached: true);
            created.Monitor.Dispose();
            created.Lock.Dispose();
            return Task.FromResult(0);
        });
        return command;
    }
}
