using Kata.Container.Cgroups.Stats;
using Kata.Oci.Spec;

namespace Kata.Container.Cgroups;

/// <summary>
/// The cgroup of one container (runc's cgroups.Manager, youki's CgroupManager): created by <see cref="Apply"/>,
/// limited by <see cref="Set"/>, paused with the freezer, observed through stats and OOM events, removed by
/// <see cref="Destroy"/>. Implemented for cgroup v1 and v2.
/// </summary>
public interface ICgroupManager
{
    CgroupVersion Version { get; }

    /// <summary>The cgroup's path inside the hierarchy (<c>/kata-style/&lt;id&gt;</c>).</summary>
    string CgroupPath { get; }

    /// <summary>True while the cgroup directory exists.</summary>
    bool Exists { get; }

    /// <summary>Creates the cgroup (and missing parents) and moves <paramref name="pid"/> into it.</summary>
    void Apply(int pid);

    /// <summary>Moves one more process (an exec'd process) into the existing cgroup.</summary>
    void AddProcess(int pid);

    /// <summary>Writes the resource limits (config-linux.md "Control groups"); also used by UpdateContainer.</summary>
    void Set(LinuxResources resources);

    CgroupStats GetStats();

    /// <summary>Freezes every process in the cgroup and returns once the kernel reports it frozen.</summary>
    void Freeze();

    void Thaw();

    FreezerState GetFreezerState();

    /// <summary>The processes in the cgroup and its descendants.</summary>
    IReadOnlyList<int> GetPids();

    /// <summary>How many processes the kernel's OOM killer has killed in this cgroup (memory oom_kill counter).</summary>
    ulong GetOomKillCount();

    /// <summary>
    /// Completes with the new OOM kill count once it exceeds <paramref name="seenCount"/>, woken by the kernel
    /// (v1: eventfd on memory.oom_control via cgroup.event_control; v2: inotify on memory.events).
    /// </summary>
    Task<ulong> WaitForOomKillAsync(ulong seenCount, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the cgroup directories (children first). With <paramref name="killProcesses"/>, SIGKILLs whatever is
    /// still inside first; otherwise a cgroup that still has processes is an error. Does nothing when already gone.
    /// </summary>
    void Destroy(bool killProcesses);
}
