namespace Kata.Oci.Spec;

/// <summary>The Linux-specific configuration (config-linux.md).</summary>
public sealed record LinuxSpec
{
    /// <summary>User namespace uid mappings.</summary>
    public IReadOnlyList<IdMapping>? UidMappings { get; init; }

    /// <summary>User namespace gid mappings.</summary>
    public IReadOnlyList<IdMapping>? GidMappings { get; init; }

    /// <summary>Kernel parameters to set in the container (<c>net.ipv4.ip_forward</c> → <c>"1"</c>).</summary>
    public IReadOnlyDictionary<string, string>? Sysctl { get; init; }

    /// <summary>cgroup resource limits.</summary>
    public LinuxResources? Resources { get; init; }

    /// <summary>cgroup path, absolute (from the cgroup root) or relative (to the runtime's cgroup); systemd's
    /// <c>slice:prefix:name</c> form is also seen in the wild.</summary>
    public string? CgroupsPath { get; init; }

    /// <summary>Namespaces to create (no path) or join (path).</summary>
    public IReadOnlyList<LinuxNamespace>? Namespaces { get; init; }

    /// <summary>Device nodes to create in the container's /dev.</summary>
    public IReadOnlyList<LinuxDevice>? Devices { get; init; }

    /// <summary>The seccomp filter.</summary>
    public LinuxSeccomp? Seccomp { get; init; }

    /// <summary>Propagation of the root mount: <c>shared</c>, <c>slave</c>, <c>private</c> or <c>unbindable</c>
    /// (runc also takes the recursive <c>r…</c> forms).</summary>
    public string? RootfsPropagation { get; init; }

    /// <summary>Paths made inaccessible (a bind of /dev/null, or an empty read-only tmpfs for directories).</summary>
    public IReadOnlyList<string>? MaskedPaths { get; init; }

    /// <summary>Paths remounted read-only.</summary>
    public IReadOnlyList<string>? ReadonlyPaths { get; init; }

    /// <summary>SELinux context for the container's mounts.</summary>
    public string? MountLabel { get; init; }

    /// <summary>Intel RDT (resctrl) settings.</summary>
    public LinuxIntelRdt? IntelRdt { get; init; }

    /// <summary>personality(2) domain.</summary>
    public LinuxPersonality? Personality { get; init; }

    /// <summary>Time namespace offsets by clock (<c>monotonic</c>, <c>boottime</c>).</summary>
    public IReadOnlyDictionary<string, LinuxTimeOffset>? TimeOffsets { get; init; }
}
