using Kata.Agent.Protocol;
using Kata.Shim.Protos.Metrics;

namespace Kata.Shim.Service;

/// <summary>The agent's cgroup statistics in containerd's cgroup v1 Metrics shape (containerd/cgroups stats/v1).</summary>
public static class MetricsConverter
{
    public static Metrics FromAgent(CgroupStats stats)
    {
        var metrics = new Metrics
        {
            Pids = new PidsStat { Current = stats.Pids?.Current ?? 0, Limit = stats.Pids?.Limit ?? 0 },
            Cpu = new CPUStat
            {
                Usage = new CPUUsage
                {
                    Total = stats.Cpu?.UsageTotalNs ?? 0,
                    Kernel = stats.Cpu?.UsageSystemNs ?? 0,
                    User = stats.Cpu?.UsageUserNs ?? 0,
                },
                Throttling = new Throttle
                {
                    Periods = stats.Cpu?.Periods ?? 0,
                    ThrottledPeriods = stats.Cpu?.ThrottledPeriods ?? 0,
                    ThrottledTime = stats.Cpu?.ThrottledTimeNs ?? 0,
                },
            },
            Memory = new MemoryStat
            {
                Cache = stats.Memory?.Cache ?? 0,
                Rss = stats.Memory?.Rss ?? 0,
                TotalCache = stats.Memory?.Cache ?? 0,
                TotalRss = stats.Memory?.Rss ?? 0,
                Usage = new MemoryEntry
                {
                    Usage = stats.Memory?.Usage ?? 0,
                    Max = stats.Memory?.MaxUsage ?? 0,
                    Limit = stats.Memory?.Limit ?? 0,
                },
                Swap = new MemoryEntry { Usage = stats.Memory?.Swap ?? 0 },
            },
            MemoryOomControl = new MemoryOomControl { OomKill = stats.Memory?.OomKills ?? 0 },
            Blkio = new BlkIOStat(),
        };
        if (stats.Io is { } io)
        {
            metrics.Blkio.IoServiceBytesRecursive.Add(new BlkIOEntry { Op = "Read", Value = io.ReadBytes });
            metrics.Blkio.IoServiceBytesRecursive.Add(new BlkIOEntry { Op = "Write", Value = io.WriteBytes });
            metrics.Blkio.IoServicedRecursive.Add(new BlkIOEntry { Op = "Read", Value = io.ReadOps });
            metrics.Blkio.IoServicedRecursive.Add(new BlkIOEntry { Op = "Write", Value = io.WriteOps });
        }
        return metrics;
    }
}
