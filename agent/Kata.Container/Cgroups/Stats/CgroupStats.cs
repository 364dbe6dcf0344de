namespace Kata.Container.Cgroups.Stats;

/// <summary>
/// A snapshot of a container's cgroup counters, shaped after containerd's cgroup metrics (Metrics in
/// containerd/cgroups stats/v1 and v2). A part is null when its controller is not available.
/// </summary>
public sealed record CgroupStats(CpuStats? Cpu, MemoryStats? Memory, PidsStats? Pids, IoStats? Io);
