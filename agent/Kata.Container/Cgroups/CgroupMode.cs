namespace Kata.Container.Cgroups;

/// <summary>How the host mounts cgroups under /sys/fs/cgroup.</summary>
public enum CgroupMode
{
    /// <summary>tmpfs with one v1 hierarchy per controller, no cgroup2 mount.</summary>
    Legacy,

    /// <summary>v1 controllers plus a controller-less cgroup2 at /sys/fs/cgroup/unified (systemd's hybrid layout); managed as v1.</summary>
    Hybrid,

    /// <summary>/sys/fs/cgroup itself is cgroup2.</summary>
    Unified,
}
