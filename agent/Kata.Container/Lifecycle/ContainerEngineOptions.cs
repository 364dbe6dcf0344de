using Kata.Container.Spawn;

namespace Kata.Container.Lifecycle;

/// <summary>Settings of a <see cref="ContainerEngine"/>.</summary>
public sealed record ContainerEngineOptions
{
    /// <summary>How to start the stage executable (our own binary, re-executed).</summary>
    public required StageCommand Stage { get; init; }

    /// <summary>Where per-container state (the exec FIFO) lives, one directory per container id.</summary>
    public string StateRoot { get; init; } = "/run/kata-style/engine";

    /// <summary>How long a stage may take to set a container up before create gives up on it.</summary>
    public TimeSpan StageTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Put each container (and its exec'd processes) in its own cgroup (linux.cgroupsPath, default
    /// /kata-style/&lt;id&gt;) with linux.resources applied, through <see cref="Cgroups.CgroupManagerFactory"/>.</summary>
    public bool ManageCgroups { get; init; } = true;

    /// <summary>Use MS_MOVE + chroot instead of pivot_root for every container (the rootfs is on ramfs/initramfs).
    /// Without it the fallback is still taken automatically when pivot_root says EINVAL.</summary>
    public bool NoPivotRoot { get; init; }
}
