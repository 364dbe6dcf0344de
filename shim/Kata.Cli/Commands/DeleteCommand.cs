using System.CommandLine;
using Kata.Cli.Hosting;
using Kata.Cli.State;
using Kata.Oci.State;

namespace Kata.Cli.Commands;

/// <summary>
/// `delete [--force] ID` (runtime.md "delete"): a stopped container, or with --force one in any status (its sandbox
/// is destroyed, which kills it). Also cleans up after a crashed `create`: a directory with no record is removed.
/// </summary>
public static class DeleteCommand
{
    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Option<bool> force = new("--force", "-f") { Description = "Delete even if it is still running (kills it)" };
        var command = new Command("delete", "Delete a container and everything it holds") { id, force };
        CommandAction.Set(command, options, (context, parse) =>
        {
            string containerId = parse.GetValue(id)!;
            ContainerPaths paths = context.Store.Paths(containerId);
            using (ContainerLock? held = ContainerLock.Acquire(paths))
            {
                ContainerRecord? record = held is null ? null : context.Store.TryReadRecord(paths);
                if (record is null)
                {
                    if (!Directory.Exists(paths.Directory))
                    {
                        throw new CliException($"container {containerId} does not exist (in {context.Root})");
                    }
                    // Left by a `create` that crashed before writing its record.
                    context.Log.Warning("container {Id}: removing a half-created state directory", containerId);
                    ContainerCleanup.Destroy(context.Store, paths, context.Log);
                    return Task.FromResult(0);
                }
                ContainerLifecycle.Ensure(containerId, context.Store.Status(paths, record), ContainerOperation.Delete, parse.GetValue(force));
                ContainerCleanup.Destroy(context.Store, paths, context.Log);
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
