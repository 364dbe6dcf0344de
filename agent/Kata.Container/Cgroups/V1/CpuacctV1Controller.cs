using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V1;

/// <summary>The v1 cpuacct controller: CPU usage accounting only (Documentation/admin-guide/cgroup-v1/cpuacct.rst).</summary>
internal sealed class CpuacctV1Controller : ICgroupV1Controller
{
    /// <summary>cpuacct.stat counts USER_HZ ticks; USER_HZ is 100 on Linux, so a tick is 10 ms.</summary>
    private const ulong NanosecondsPerTick = 10_000_000;

    public string Subsystem => "cpuacct";

    public bool IsRequested(LinuxResources resources) => false;

    public void Set(string directory, LinuxResources resources)
    {
    }

    /// <summary>Total, user and system CPU time in ns (cpuacct.usage_user/_sys where present, else cpuacct.stat).</summary>
    public static (ulong Total, ulong User, ulong System) ReadUsage(string directory)
    {
        var total = CgroupFiles.TryReadUInt64(directory, "cpuacct.usage") ?? 0;
        if (CgroupFiles.TryReadUInt64(directory, "cpuacct.usage_user") is { } user &&
            CgroupFiles.TryReadUInt64(directory, "cpuacct.usage_sys") is { } system)
        {
            return (total, user, system);
        }
        var stat = CgroupFiles.TryReadFlatKeyed(directory, "cpuacct.stat");
        return (total, stat?.GetValueOrDefault("user") * NanosecondsPerTick ?? 0, stat?.GetValueOrDefault("system") * NanosecondsPerTick ?? 0);
    }
}
