using System.Globalization;
using Kata.Container.Cgroups.Stats;
using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V2;

/// <summary>cpu.weight, cpu.max, cpu.max.burst, cpu.idle (cgroup-v2.rst "CPU Interface Files").</summary>
internal sealed class CpuV2Controller : ICgroupV2Controller
{
    public string Name => "cpu";

    public bool IsRequested(LinuxResources resources) => resources.Cpu is { } cpu &&
        (cpu.Shares is not (null or 0) || cpu.Quota is not (null or 0) || cpu.Period is not (null or 0) ||
         cpu.Burst is not null || cpu.Idle is not null);

    public void Set(string directory, LinuxResources resources)
    {
        if (resources.Cpu is not { } cpu)
        {
            return;
        }
        if (cpu.RealtimePeriod is not (null or 0) || cpu.RealtimeRuntime is not (null or 0))
        {
            throw new CgroupException("linux.resources.cpu.realtimePeriod/realtimeRuntime: cgroup v2 has no realtime bandwidth control");
        }
        if (cpu.Shares is { } shares and not 0)
        {
            CgroupFiles.Write(directory, "cpu.weight", SharesToWeight(shares).ToString(CultureInfo.InvariantCulture));
        }
        if (MaxValue(cpu.Quota, cpu.Period) is { } max)
        {
            CgroupFiles.Write(directory, "cpu.max", max);
        }
        if (cpu.Burst is { } burst)
        {
            CgroupFiles.Write(directory, "cpu.max.burst", burst.ToString(CultureInfo.InvariantCulture));
        }
        if (cpu.Idle is { } idle)
        {
            CgroupFiles.Write(directory, "cpu.idle", idle.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// v1 shares (2..262144) to v2 weight (1..10000), linearly so that the ranges' ends meet (runc's
    /// cgroups.ConvertCPUSharesToCgroupV2Value: 1 + ((shares - 2) * 9999) / 262142).
    /// </summary>
    public static ulong SharesToWeight(ulong shares) =>
        shares == 0 ? 0 : 1 + ((Math.Clamp(shares, 2, 262144) - 2) * 9999 / 262142);

    /// <summary>"$QUOTA $PERIOD" for cpu.max; "max" for no quota; null when neither is given.</summary>
    public static string? MaxValue(long? quota, ulong? period)
    {
        var q = quota ?? 0;
        var p = period ?? 0;
        if (q == 0 && p == 0)
        {
            return null;
        }
        var value = q > 0 ? q.ToString(CultureInfo.InvariantCulture) : "max";
        return p != 0 ? $"{value} {p.ToString(CultureInfo.InvariantCulture)}" : value;
    }

    /// <summary>cpu.stat: usage_usec, user_usec, system_usec, nr_periods, nr_throttled, throttled_usec (µs → ns).</summary>
    public static CpuStats? ReadStats(string directory)
    {
        if (CgroupFiles.TryReadFlatKeyed(directory, "cpu.stat") is not { } stat)
        {
            return null;
        }
        return new CpuStats(
            stat.GetValueOrDefault("usage_usec") * 1000,
            stat.GetValueOrDefault("user_usec") * 1000,
            stat.GetValueOrDefault("system_usec") * 1000,
            stat.GetValueOrDefault("nr_periods"),
            stat.GetValueOrDefault("nr_throttled"),
            stat.GetValueOrDefault("throttled_usec") * 1000);
    }
}
