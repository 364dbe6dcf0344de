using System.CommandLine;
using System.Text.Json;
using Google.Protobuf;
using Kata.Agent.Protocol;
using Kata.Cli.Hosting;
using Kata.Oci.Spec;
using Kata.Oci.State;

namespace Kata.Cli.Commands;

/// <summary>
/// `update ID [--memory B] [--memory-swap B] [--memory-reservation B] [--cpu-quota N] [--cpu-period N] [--cpu-shares N]
/// [--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] | -r resources.json`: new cgroup limits (an OCI LinuxResources).
/// </summary>
public static class UpdateCommand
{
    public static Command Build(GlobalOptions options)
    {
        Argument<string> id = CommandAction.ContainerId();
        Option<string> resources = new("--resources", "-r") { Description = "An OCI LinuxResources JSON file (\"-\" = stdin); the flags are then not allowed", HelpName = "FILE" };
        Option<long?> memory = new("--memory") { Description = "Memory limit in bytes", HelpName = "BYTES" };
        Option<long?> memorySwap = new("--memory-swap") { Description = "Memory + swap limit in bytes (-1: unlimited)", HelpName = "BYTES" };
        Option<long?> memoryReservation = new("--memory-reservation") { Description = "Memory soft limit in bytes", HelpName = "BYTES" };
        Option<long?> cpuQuota = new("--cpu-quota") { Description = "CPU CFS quota in microseconds per period (-1: none)", HelpName = "US" };
        Option<ulong?> cpuPeriod = new("--cpu-period") { Description = "CPU CFS period in microseconds", HelpName = "US" };
        Option<ulong?> cpuShares = new("--cpu-shares") { Description = "CPU shares (relative weight)", HelpName = "N" };
        Option<string> cpusetCpus = new("--cpuset-cpus") { Description = "CPUs to run on (e.g. 0-1)", HelpName = "LIST" };
        Option<string> cpusetMems = new("--cpuset-mems") { Description = "Memory nodes (e.g. 0)", HelpName = "LIST" };
        Option<long?> pidsLimit = new("--pids-limit") { Description = "Maximum number of processes (-1: unlimited)", HelpName = "N" };
        var command = new Command("update", "Change the container's resource limits")
        {
            id, resources, memory, memorySwap, memoryReservation, cpuQuota, cpuPeriod, cpuShares, cpusetCpus, cpusetMems, pidsLimit,
        };
        CommandAction.Set(command, options, async (context, parse) =>
        {
            LinuxResources limits;
            bool anyFlag = new Option[] { memory, memorySwap, memoryReservation, cpuQuota, cpuPeriod, cpuShares, cpusetCpus, cpusetMems, pidsLimit }
                .Any(option => parse.GetResult(option) is not null);
            if (parse.GetValue(resources) is { } file)
            {
                if (anyFlag)
                {
                    throw new CliException("update: give either -r FILE or the limit flags, not both");
                }
                limits = ReadResources(file);
            }
            else if (!anyFlag)
            {
                throw new CliException("update: nothing to change (give -r FILE or at least one limit flag)");
            }
            else
            {
                bool memorySet = parse.GetResult(memory) is not null || parse.GetResult(memorySwap) is not null || parse.GetResult(memoryReservation) is not null;
                bool cpuSet = parse.GetResult(cpuQuota) is not null || parse.GetResult(cpuPeriod) is not null || parse.GetResult(cpuShares) is not null
                    || parse.GetResult(cpusetCpus) is not null || parse.GetResult(cpusetMems) is not null;
                limits = new LinuxResources
                {
                    Memory = memorySet ? new LinuxMemory { Limit = parse.GetValue(memory), Swap = parse.GetValue(memorySwap), Reservation = parse.GetValue(memoryReservation) } : null,
                    Cpu = cpuSet ? new LinuxCpu
                    {
                        Quota = parse.GetValue(cpuQuota),
                        Period = parse.GetValue(cpuPeriod),
                        Shares = parse.GetValue(cpuShares),
                        Cpus = parse.GetValue(cpusetCpus),
                        Mems = parse.GetValue(cpusetMems),
                    } : null,
                    Pids = parse.GetValue(pidsLimit) is { } pids ? new LinuxPids { Limit = pids } : null,
                };
            }
            using ContainerSession session = ContainerSession.Open(context, parse.GetValue(id)!);
            session.Ensure(ContainerOperation.Update);
            await session.Agent.Agent.UpdateContainerAsync(new UpdateContainerRequest
            {
                ContainerId = session.Paths.Id,
                LinuxResourcesJson = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(limits, ResourcesJsonContext.Default.LinuxResources)),
            });
            return 0;
        });
        return command;
    }

    private static LinuxResources ReadResources(string file)
    {
        try
        {
            string json = file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file);
            return JsonSerializer.Deserialize(json, ResourcesJsonContext.Default.LinuxResources)
                ?? throw new CliException($"-r {file}: expected a LinuxResources object, got null");
        }
        catch (JsonException e)
        {
            throw new CliException($"-r {file}: not a valid LinuxResources object: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"-r {file}: {e.Message}", e);
        }
    }
}
