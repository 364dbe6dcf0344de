using System.CommandLine;
using Kata.Agent.Protocol;
using Kata.Cli.Hosting;
using Kata.Oci.State;

namespace Kata.Cli.Commands;

/// <summary>`kill ID [SIGNAL] [--all]`: SIGNAL by name (TERM, SIGKILL) or number; default SIGTERM (runtime.md "kill").</summary>
public static class KillCommand
{
    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Argument<string> signal = new("signal") { Description = "Signal name or number [default: SIGTERM]", Arity = ArgumentArity.ZeroOrOne };
        Option<bool> all = new("--all", "-a") { Description = "Signal every process of the container, not only its init" };
        var command = new Command("kill", "Send a signal to the container's process") { id, signal, all };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            int number = SignalNames.Parse(parse.GetValue(signal) ?? "TERM");
            using ContainerSession session = ContainerSession.Open(context, parse.GetValue(id)!);
            session.Ensure(ContainerOperation.Kill);
            await session.Agent.Agent.SignalProcessAsync(new SignalProcessRequest
            {
                ContainerId = session.Paths.Id,
                Signal = (uint)number,
                All = parse.GetValue(all),
            });
            return 0;
        });
        return command;
    }
}
