using System.CommandLine;
using Kata.Cli.Hosting;
using Kata.Cli.Interop;
using Kata.Cli.Monitor;
using Microsoft.Win32.SafeHandles;

namespace Kata.Cli.Commands;

/// <summary>The hidden `monitor ID [--exec-id X --process-file F]` mode (see <see cref="ContainerMonitor"/>); started only by kata-style itself.</summary>
public static class MonitorCommand
{
    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Option<string> execId = new("--exec-id") { Description = "Monitor an exec instead of the container" };
        Option<string> processFile = new("--process-file") { Description = "The exec's process.json (removed once read)" };
        var command = new Command("monitor", "(internal) hold a container's stdio and wait for it") { id, execId, processFile };
        command.Hidden = true;
        CommandAction.Set(command, options, async (context, parse) =>
        {
            // fd 3 is the report pipe: keep it out of the agent and the VMM we start, or `create` would wait for them.
            Errno.Check(CliLibc.Fcntl(MonitorReport.MonitorFd, CliLibc.FSetfd, CliLibc.FdCloexec), "fcntl(3, F_SETFD)");
            using var report = new MonitorReport(new SafeFileHandle(MonitorReport.MonitorFd, ownsHandle: true));
            var monitor = new ContainerMonitor(context, context.Store.Paths(parse.GetValue(id)!), report);
            return parse.GetValue(execId) is { } exec
                ? await monitor.RunExecAsync(exec, parse.GetValue(processFile) ?? throw new CliException("--exec-id needs --process-file"))
                : await monitor.RunContainerAsync();
        });
        return command;
    }
}
