using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Kata.Container.Cgroups;
using Kata.Oci.Spec;
using Protocol = Kata.Agent.Protocol;

namespace Kata.Agent.Services;

/// <summary>Calls served by the container's cgroup: pause/resume (freezer), stats, resource updates, OOM events.</summary>
public sealed partial class AgentServiceImpl
{
    private ICgroupManager CgroupOf(string containerId) =>
        _containers.Get(containerId).Instance.Cgroup
        ?? throw new NotSupportedException($"container {containerId} has no cgroup (cgroup management is off in this engine)");

    public override Task<Empty> PauseContainer(Protocol.PauseContainerRequest request, ServerCallContext context)
    {
        CgroupOf(request.ContainerId).Freeze();
        _log.Information("container {ContainerId} paused", request.ContainerId);
        return Task.FromResult(new Empty());
    }

    public override Task<Empty> ResumeContainer(Protocol.ResumeContainerRequest request, ServerCallContext context)
    {
        CgroupOf(request.ContainerId).Thaw();
        _log.Information("container {ContainerId} resumed", request.ContainerId);
        return Task.FromResult(new Empty());
    }

    public override Task<Empty> UpdateContainer(Protocol.UpdateContainerRequest request, ServerCallContext context)
    {
        LinuxResources resources = SpecLoader.ParseResources(request.LinuxResourcesJson.ToStringUtf8(), "linux.resources");
        CgroupOf(request.ContainerId).Set(resources);
        return Task.FromResult(new Empty());
    }

    public override Task<Protocol.StatsContainerResponse> StatsContainer(Protocol.StatsContainerRequest request, ServerCallContext context)
    {
        Kata.Container.Cgroups.Stats.CgroupStats stats = CgroupOf(request.ContainerId).GetStats();
        var result = new Protocol.CgroupStats();
        if (stats.Cpu is { } cpu)
        {
            result.Cpu = new Protocol.CpuStats
            {
                UsageTotalNs = cpu.UsageTotalNanoseconds, UsageUserNs = cpu.UsageUserNanoseconds,
                UsageSystemNs = cpu.UsageSystemNanoseconds, Periods = cpu.Periods,
                ThrottledPeriods = cpu.ThrottledPeriods, ThrottledTimeNs = cpu.ThrottledTimeNanoseconds,
            };
        }
        if (stats.Memory is { } memory)
        {
            result.Memory = new Protocol.MemoryStats
            {
                Usage = memory.Usage, MaxUsage = memory.MaxUsage ?? 0, Limit = memory.Limit, Cache = memory.Cache,
                Rss = memory.Rss, Swap = memory.SwapUsage ?? 0, OomKills = memory.OomKills,
            };
        }
        if (stats.Pids is { } pids)
        {
            result.Pids = new Protocol.PidsStats { Current = pids.Current, Limit = pids.Limit };
        }
        if (stats.Io is { } io)
        {
            result.Io = new Protocol.IoStats
            {
                ReadBytes = (ulong)io.Devices.Sum(d => (decimal)d.ReadBytes), WriteBytes = (ulong)io.Devices.Sum(d => (decimal)d.WriteBytes),
                ReadOps = (ulong)io.Devices.Sum(d => (decimal)d.ReadOperations), WriteOps = (ulong)io.Devices.Sum(d => (decimal)d.WriteOperations),
            };
        }
        return Task.FromResult(new Protocol.StatsContainerResponse { CgroupStats = result });
    }

    public override async Task<Protocol.OOMEvent> GetOOMEvent(Protocol.GetOOMEventRequest request, ServerCallContext context)
    {
        // Wait on every container's OOM counter at once; the first kill names its container.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var waits = _containers.All
            .Where(c => c.Instance.Cgroup is not null)
            .Select(async c =>
            {
                ICgroupManager cgroup = c.Instance.Cgroup!;
                await cgroup.WaitForOomKillAsync(cgroup.GetOomKillCount(), cancel.Token);
                return c.Instance.Id;
            })
            .ToList();
        if (waits.Count == 0)
        {
            throw new InvalidOperationException("GetOOMEvent: no container with a cgroup to watch");
        }
        Task<string> first = await Task.WhenAny(waits);
        await cancel.CancelAsync();
        return new Protocol.OOMEvent { ContainerId = await first };
    }
}
