using System.CommandLine;
using Kata.Cli.Hosting;
using Kata.Cli.State;
using Kata.Oci.State;

namespace Kata.Cli.Commands;

/// <summary>`state ID`: the OCI state JSON (runtime.md "State") in every status, without taking the lock.</summary>
public static class StateCommand
{
    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        var command = new Command("state", "Print the container's OCI state (JSON)") { id };
        CommandAction.Set(command, options, (context, parse) =>
        {
            ContainerPaths paths = context.Store.Paths(parse.GetValue(id)!);
            ContainerState state = context.Store.State(paths, context.Store.ReadRecord(paths));
            context.Out.WriteLine(StateSerializer.Serialize(state, indented: true));
            return Task.FromResult(0);
        });
        return command;
    }
}
