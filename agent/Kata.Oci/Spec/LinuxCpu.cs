namespace Kata.Oci.Spec;

/// <summary>CPU and cpuset cgroup settings (config-linux.md "CPU").</summary>
public sealed record LinuxCpu
{
    /// <summary>Relative weight (v1 cpu.shares; v2 cpu.weight by conversion).</summary>
    public ulong? Shares { get; init; }

    /// <summary>CPU time in microseconds per <see cref="Period"/>; -1 means no limit.</summary>
    public long? Quota { get; init; }

    /// <summary>Extra microseconds a period may borrow from unused quota.</summary>
    public ulong? Burst { get; init; }

    /// <summary>Quota period in microseconds.</summary>
    public ulong? Period { get; init; }

    public long? RealtimeRuntime { get; init; }

    public ulong? RealtimePeriod { get; init; }

    /// <summary>cpuset.cpus list (<c>0-3,7</c>).</summary>
    public string? Cpus { get; init; }

    /// <summary>cpuset.mems list.</summary>
    public string? Mems { get; init; }

    /// <summary>1 makes the cgroup SCHED_IDLE (cpu.idle).</summary>
    public long? Idle { get; init; }
}
