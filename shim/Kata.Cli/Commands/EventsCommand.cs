using System.CommandLine;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Kata.Agent.Protocol;
using Kata.Cli.Hosting;
using Kata.Cli.State;
using Kata.Oci.State;

namespace Kata.Cli.Commands;

/// <summary>
/// `events [--stats] [--interval N] ID`: resource statistics as JSON lines (runc's {"type":"stats","id":…,"data":…});
/// --stats prints one and exits, otherwise one every interval until the container stops.
/// </summary>
public static class EventsCommand
{
    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Option<bool> stats = new("--stats") { Description = "Print the statistics once and exit" };
        Option<int> interval = new("--interval") { Description = "Seconds between statistics [default: 5]", HelpName = "N", DefaultValueFactory = _ => 5 };
        var command = new Command("events", "Print the container's resource statistics") { id, stats, interval };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            int seconds = parse.GetValue(interval);
            if (seconds < 1)
            {
                throw new CliException($"--interval {seconds}: must be at least 1 second");
            }
            ContainerPaths paths = context.Store.Paths(parse.GetValue(id)!);
            ContainerRecord record = context.Store.ReadRecord(paths);
            using Sandbox.AgentConnection connection = Sandbox.SandboxAttach.Connect(record.Sandbox, paths.Sandbox);
            while (true)
            {
                ContainerStatus status = context.Store.Status(paths, record);
                if (status is not (ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused))
                {
                    if (parse.GetValue(stats))
                    {
                        throw new CliException($"container {paths.Id} is {ContainerStatusConverter.Instance.ToSpecName(status)}: no statistics");
                    }
                    return 0;
                }
                StatsContainerResponse response;
                try
                {
                    response = await connection.Agent.StatsContainerAsync(new StatsContainerRequest { ContainerId = paths.Id });
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.NotFound && !parse.GetValue(stats))
                {
                    return 0;
                }
                context.Out.WriteLine(Format(paths.Id, response.CgroupStats ?? new CgroupStats()));
                context.Out.Flush();
                if (parse.GetValue(stats))
                {
                    return 0;
                }
                await Task.Delay(TimeSpan.FromSeconds(seconds));
                record = context.Store.TryReadRecord(paths) ?? record;
            }
        });
        return command;
    }

    public static string Format(string id, CgroupStats stats)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "stats");
            json.WriteString("id", id);
            json.WriteStartObject("data");
            CpuStats cpu = stats.Cpu ?? new CpuStats();
            json.WriteStartObject("cpu");
            json.WriteStartObject("usage");
            json.WriteNumber("total", cpu.UsageTotalNs);
            json.WriteNumber("kernel", cpu.UsageSystemNs);
            json.WriteNumber("user", cpu.UsageUserNs);
            json.WriteEndObject();
            json.WriteStartObject("throttling");
            json.WriteNumber("periods", cpu.Periods);
            json.WriteNumber("throttledPeriods", cpu.ThrottledPeriods);
            json.WriteNumber("throttledTime", cpu.ThrottledTimeNs);
            json.WriteEndObject();
            json.WriteEndObject();
            MemoryStats memory = stats.Memory ?? new MemoryStats();
            json.WriteStartObject("memory");
            json.WriteNumber("cache", memory.Cache);
            json.WriteStartObject("usage");
            json.WriteNumber("usage", memory.Usage);
            json.WriteNumber("max", memory.MaxUsage);
            json.WriteNumber("limit", memory.Limit);
            json.WriteEndObject();
            json.WriteNumber("rss", memory.Rss);
            json.WriteNumber("swap", memory.Swap);
            json.WriteNumber("oomKills", memory.OomKills);
            json.WriteEndObject();
            PidsStats pids = stats.Pids ?? new PidsStats();
            json.WriteStartObject("pids");
            json.WriteNumber("current", pids.Current);
            json.WriteNumber("limit", pids.Limit);
            json.WriteEndObject();
            IoStats io = stats.Io ?? new IoStats();
            json.WriteStartObject("blkio");
            json.WriteNumber("readBytes", io.ReadBytes);
            json.WriteNumber("writeBytes", io.WriteBytes);
            json.WriteNumber("readOps", io.ReadOps);
            json.WriteNumber("writeOps", io.WriteOps);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
