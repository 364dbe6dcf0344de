using System.CommandLine;
using Kata.Cli.Hosting;

namespace Kata.Cli.Commands;

/// <summary>`start ID`: runs the user process of a created container (OCI runtime.md "start").</summary>
public static class StartCommand
{
    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        var command = new Command("start", "Start a created container") { id };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            using ContainerSession session = ContainerSession.Open(context, parse.GetValue(id)!);
            await ContainerCreation.StartAsync(session);
            return 0;
        });
        return command;
    }
}
