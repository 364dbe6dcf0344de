using System.Globalization;
using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V1;

/// <summary>The v1 cpu controller: CFS shares and bandwidth, RT bandwidth, idle (Documentation/scheduler/sched-bwc.rst).</summary>
internal sealed class CpuV1Controller : ICgroupV1Controller
{
    public string Subsystem => "cpu";

    public bool IsRequested(LinuxResources resources) => resources.Cpu is { } cpu &&
        (cpu.Shares is not null || cpu.Quota is not null || cpu.Period is not null || cpu.Burst is not null ||
         cpu.RealtimePeriod is not null || cpu.RealtimeRuntime is not null || cpu.Idle is not null);

    public void Set(string directory, LinuxResources resources)
    {
        if (resources.Cpu is not { } cpu)
        {
            return;
        }
        if (cpu.Shares is { } shares and not 0)
        {
            CgroupFiles.Write(directory, "cpu.shares", Invariant(shares));
        }
        // The period goes first: the kernel checks the quota against the period in place.
        if (cpu.Period is { } period and not 0)
        {
            CgroupFiles.Write(directory, "cpu.cfs_period_us", Invariant(period));
        }
        if (cpu.Quota is { } quota and not 0)
        {
            CgroupFiles.Write(directory, "cpu.cfs_quota_us", Invariant(quota < 0 ? -1 : quota));
        }
        if (cpu.Burst is { } burst)
        {
            CgroupFiles.Write(directory, "cpu.cfs_burst_us", Invariant(burst));
        }
        if (cpu.RealtimePeriod is { } rtPeriod and not 0)
        {
            CgroupFiles.Write(directory, "cpu.rt_period_us", Invariant(rtPeriod));
        }
        if (cpu.RealtimeRuntime is { } rtRuntime and not 0)
        {
            CgroupFiles.Write(directory, "cpu.rt_runtime_us", Invariant(rtRuntime));
        }
        if (cpu.Idle is { } idle)
        {
            CgroupFiles.Write(directory, "cpu.idle", Invariant(idle));
        }
    }

    /// <summary>CFS throttling from cpu.stat (nr_periods, nr_throttled, throttled_time in ns).</summary>
    public static (ulong Periods, ulong Throttled, ulong ThrottledNanoseconds) ReadThrottling(string directory)
    {
        var stat = CgroupFiles.TryReadFlatKeyed(directory, "cpu.stat");
        return stat is null
            ? (0, 0, 0)
            : (stat.GetValueOrDefault("nr_periods"), stat.GetValueOrDefault("nr_throttled"), stat.GetValueOrDefault("throttled_time"));
    }

    private static string Invariant<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
