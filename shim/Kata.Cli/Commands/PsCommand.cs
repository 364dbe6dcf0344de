using System.CommandLine;
using System.Globalization;
using Kata.Agent.Protocol;
using Kata.Cli.Hosting;
using Kata.Oci.State;
using Kata.Sandbox;

namespace Kata.Cli.Commands;

/// <summary>`ps ID [--format table|json]`: the container's processes (pids as the agent sees them; for a `process` sandbox those are host pids).</summary>
public static class PsCommand
{
    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Option<string> format = new("--format", "-f") { Description = "Output format [default: table]", HelpName = "table|json" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("ps", "List the processes running in a container") { id, format };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            using ContainerSession session = ContainerSession.Open(context, parse.GetValue(id)!);
            if (session.Status is not (ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused))
            {
                throw new CliException($"container {session.Paths.Id} is {ContainerStatusConverter.Instance.ToSpecName(session.Status)}: it has no processes");
            }
            ListProcessesResponse processes = await session.Agent.Agent.ListProcessesAsync(new ListProcessesRequest { ContainerId = session.Paths.Id });
            List<uint> pids = [.. processes.Pids.Order()];
            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine("[" + string.Join(",", pids.Select(pid => pid.ToString(CultureInfo.InvariantCulture))) + "]");
                return 0;
            }
            bool hostPids = session.Record.Sandbox == SandboxKind.Process;
            context.Out.WriteLine(hostPids ? "PID     CMD" : "PID");
            foreach (uint pid in pids)
            {
                context.Out.WriteLine(hostPids ? $"{pid,-7} {CommandLine(pid)}" : pid.ToString(CultureInfo.InvariantCulture));
            }
            return 0;
        });
        return command;
    }

    private static string CommandLine(uint pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
