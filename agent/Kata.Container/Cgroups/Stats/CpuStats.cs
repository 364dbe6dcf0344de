namespace Kata.Container.Cgroups.Stats;

/// <summary>CPU time in nanoseconds and CFS throttling (v1 cpuacct.* and cpu.stat; v2 cpu.stat, µs scaled to ns).</summary>
public sealed record CpuStats(
    ulong UsageTotalNanoseconds,
    ulong UsageUserNanoseconds,
    ulong UsageSystemNanoseconds,
    ulong Periods,
    ulong ThrottledPeriods,
    ulong ThrottledTimeNanoseconds);
