using System.Globalization;
using Kata.Container.Cgroups.Stats;
using Kata.Oci.Spec;
using Serilog;

namespace Kata.Container.Cgroups.V2;

/// <summary>memory.max, memory.swap.max, memory.low (cgroup-v2.rst "Memory Interface Files").</summary>
internal sealed class MemoryV2Controller(ILogger logger) : ICgroupV2Controller
{
    public string Name => "memory";

    public bool IsRequested(LinuxResources resources) => resources.Memory is { } m &&
        (m.Limit is not (null or 0) || m.Swap is not (null or 0) || m.Reservation is not (null or 0));

    public void Set(string directory, LinuxResources resources)
    {
        if (resources.Memory is not { } memory)
        {
            return;
        }
        var limit = memory.Limit ?? 0;
        var swap = SwapMax(memory.Swap ?? 0, limit);
        // swap first: lowering memory.max could otherwise push pages to a swap limit about to shrink
        if (swap != 0)
        {
            CgroupFiles.Write(directory, "memory.swap.max", Bytes(swap));
        }
        if (limit != 0)
        {
            CgroupFiles.Write(directory, "memory.max", Bytes(limit));
        }
        if (memory.Reservation is { } reservation and not 0)
        {
            CgroupFiles.Write(directory, "memory.low", Bytes(reservation));
        }
        if (memory.DisableOomKiller is true || memory.Swappiness is not null || memory.KernelTcp is not (null or 0) || memory.Kernel is not (null or 0))
        {
            logger.Warning("cgroup v2 has no disableOOMKiller, swappiness, kernel or kernelTCP memory settings; ignored");
        }
    }

    /// <summary>
    /// OCI's swap is memory+swap (the v1 memsw meaning); v2's memory.swap.max is swap alone, so the memory limit is
    /// subtracted (runc's cgroups.ConvertMemorySwapToCgroupV2Value). 0 means leave unset, -1 "max".
    /// </summary>
    public static long SwapMax(long memorySwap, long memory)
    {
        if (memory == -1 && memorySwap == 0)
        {
            return -1; // unlimited memory with swap unset: both unlimited, as on v1
        }
        if (memorySwap is -1 or 0)
        {
            return memorySwap;
        }
        if (memory is 0 or -1)
        {
            throw new ContainerConfigException(
                $"linux.resources.memory.swap: {memorySwap} needs a memory limit (memory.swap is memory plus swap)");
        }
        if (memory < 0)
        {
            throw new ContainerConfigException($"linux.resources.memory.limit: invalid value {memory}");
        }
        if (memorySwap < memory)
        {
            throw new ContainerConfigException(
                $"linux.resources.memory.swap: {memorySwap} is below the memory limit {memory} (swap is memory plus swap)");
        }
        return memorySwap - memory;
    }

    private static string Bytes(long value) => value < 0 ? "max" : value.ToString(CultureInfo.InvariantCulture);

    public static MemoryStats? ReadStats(string directory)
    {
        if (CgroupFiles.TryReadUInt64(directory, "memory.current") is not { } usage)
        {
            return null;
        }
        var stat = CgroupFiles.TryReadFlatKeyed(directory, "memory.stat") ?? [];
        return new MemoryStats(
            Usage: usage,
            MaxUsage: CgroupFiles.TryReadUInt64(directory, "memory.peak"),
            Limit: CgroupFiles.TryReadUInt64(directory, "memory.max") ?? ulong.MaxValue,
            Cache: stat.GetValueOrDefault("file"),
            Rss: stat.GetValueOrDefault("anon"),
            SwapUsage: CgroupFiles.TryReadUInt64(directory, "memory.swap.current"),
            SwapLimit: CgroupFiles.TryReadUInt64(directory, "memory.swap.max"),
            OomKills: ReadOomKillCount(directory),
            Raw: stat);
    }

    /// <summary>The oom_kill counter of memory.events (0 when the memory controller is not enabled).</summary>
    public static ulong ReadOomKillCount(string directory) =>
        CgroupFiles.TryReadFlatKeyed(directory, "memory.events")?.GetValueOrDefault("oom_kill") ?? 0;
}
