using System.Globalization;
using Kata.Container.Cgroups.Interop;
using Kata.Container.Cgroups.Stats;
using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V1;

/// <summary>The v1 memory controller (Documentation/admin-guide/cgroup-v1/memory.rst).</summary>
internal sealed class MemoryV1Controller : ICgroupV1Controller
{
    private const string Limit = "memory.limit_in_bytes";
    private const string MemorySwapLimit = "memory.memsw.limit_in_bytes";

    public string Subsystem => "memory";

    public bool IsRequested(LinuxResources resources) => resources.Memory is { } m &&
        (m.Limit is not null || m.Reservation is not null || m.Swap is not null || m.KernelTcp is not null ||
         m.Swappiness is not null || m.DisableOomKiller is true);

    public void Set(string directory, LinuxResources resources)
    {
        if (resources.Memory is not { } memory)
        {
            return;
        }
        SetLimits(directory, memory);
        if (memory.Reservation is { } reservation and not 0)
        {
            CgroupFiles.Write(directory, "memory.soft_limit_in_bytes", Bytes(reservation));
        }
        if (memory.KernelTcp is { } kernelTcp and not 0)
        {
            CgroupFiles.Write(directory, "memory.kmem.tcp.limit_in_bytes", Bytes(kernelTcp));
        }
        if (memory.Swappiness is { } swappiness)
        {
            if (swappiness > 100)
            {
                throw new ContainerConfigException($"linux.resources.memory.swappiness: {swappiness} is out of range 0..100");
            }
            CgroupFiles.Write(directory, "memory.swappiness", swappiness.ToString(CultureInfo.InvariantCulture));
        }
        if (memory.DisableOomKiller is true)
        {
            CgroupFiles.Write(directory, "memory.oom_control", "1");
        }
    }

    /// <summary>
    /// memory.limit_in_bytes must never exceed memory.memsw.limit_in_bytes, so the order of the two writes depends on
    /// whether the memory+swap limit grows or shrinks (runc's fs/memory.go setMemoryAndSwap).
    /// </summary>
    private static void SetLimits(string directory, LinuxMemory memory)
    {
        var limit = memory.Limit is { } l and not 0 ? l : (long?)null;
        var swap = memory.Swap is { } s and not 0 ? s : (long?)null;
        if (swap is not null && !CgroupFiles.Exists(directory, MemorySwapLimit))
        {
            throw new CgroupException(
                $"linux.resources.memory.swap is set but {Path.Combine(directory, MemorySwapLimit)} does not exist " +
                "(the kernel has no swap accounting: boot with swapaccount=1)", Path.Combine(directory, MemorySwapLimit));
        }
        if (swap is { } newSwap)
        {
            var currentSwap = CgroupFiles.TryReadUInt64(directory, MemorySwapLimit) ?? ulong.MaxValue;
            if (newSwap == -1 || (ulong)newSwap > currentSwap)
            {
                CgroupFiles.Write(directory, MemorySwapLimit, Bytes(newSwap));
                WriteLimit(directory, limit);
            }
            else
            {
                WriteLimit(directory, limit);
                CgroupFiles.Write(directory, MemorySwapLimit, Bytes(newSwap));
            }
            return;
        }
        if (limit == -1 && CgroupFiles.Exists(directory, MemorySwapLimit))
        {
            // Unlimited memory with swap left unset means both unlimited (memsw first, or the limit write fails).
            CgroupFiles.Write(directory, MemorySwapLimit, "-1");
        }
        WriteLimit(directory, limit);
    }

    private static void WriteLimit(string directory, long? limit)
    {
        if (limit is { } value)
        {
            CgroupFiles.Write(directory, Limit, Bytes(value));
        }
    }

    private static string Bytes(long value) => value < 0 ? "-1" : value.ToString(CultureInfo.InvariantCulture);

    public static MemoryStats? ReadStats(string directory)
    {
        if (CgroupFiles.TryReadUInt64(directory, "memory.usage_in_bytes") is not { } usage)
        {
            return null;
        }
        var stat = CgroupFiles.TryReadFlatKeyed(directory, "memory.stat") ?? [];
        var swapUsage = CgroupFiles.TryReadUInt64(directory, "memory.memsw.usage_in_bytes") is { } memsw && memsw >= usage
            ? memsw - usage
            : (ulong?)null;
        return new MemoryStats(
            Usage: usage,
            MaxUsage: CgroupFiles.TryReadUInt64(directory, "memory.max_usage_in_bytes"),
            Limit: CgroupFiles.TryReadUInt64(directory, Limit) ?? ulong.MaxValue,
            Cache: stat.GetValueOrDefault("cache"),
            Rss: stat.GetValueOrDefault("rss"),
            SwapUsage: swapUsage,
            SwapLimit: CgroupFiles.TryReadUInt64(directory, MemorySwapLimit),
            OomKills: ReadOomKillCount(directory),
            Raw: stat);
    }

    /// <summary>The oom_kill line of memory.oom_control (Linux 4.13+).</summary>
    public static ulong ReadOomKillCount(string directory)
    {
        var control = CgroupFiles.TryReadFlatKeyed(directory, "memory.oom_control")
            ?? throw new CgroupException($"{Path.Combine(directory, "memory.oom_control")} does not exist", directory);
        return control.TryGetValue("oom_kill", out var kills)
            ? kills
            : throw new CgroupException(
                $"{Path.Combine(directory, "memory.oom_control")} has no oom_kill counter (needs Linux 4.13 or newer)", directory);
    }

    /// <summary>
    /// An eventfd the kernel signals on every OOM in the cgroup: "&lt;eventfd&gt; &lt;fd of memory.oom_control&gt;"
    /// written to cgroup.event_control (memory.rst §9 "OOM Control").
    /// </summary>
    public static FileDescriptor RegisterOomEventFd(string directory)
    {
        var eventFd = new FileDescriptor(Errno.Check(CgroupNative.Eventfd(0, CgroupNative.EfdCloexec), "eventfd"));
        var controlPath = Path.Combine(directory, "memory.oom_control");
        var controlFd = Libc.Open(controlPath, LinuxConstants.O_RDONLY | LinuxConstants.O_CLOEXEC, 0);
        if (controlFd < 0)
        {
            var errno = Errno.Last;
            eventFd.Dispose();
            throw new SyscallException("open", errno, controlPath);
        }
        try
        {
            CgroupFiles.Write(directory, "cgroup.event_control", $"{eventFd.Fd} {controlFd}");
        }
        catch
        {
            eventFd.Dispose();
            throw;
        }
        finally
        {
            // The registration holds its own reference to the file.
            Libc.Close(controlFd);
        }
        return eventFd;
    }
}
