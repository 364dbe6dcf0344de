namespace Kata.Oci.Spec;

/// <summary>One mount (config.md "Mounts", "POSIX-platform Mounts"; mount(8) options).</summary>
public sealed record Mount
{
    // A member left out of the JSON reaches the init accessor as null (the source generator passes defaults for
    // init-only members it did not read), so the accessor keeps the documented non-null default instead.
    private readonly string _destination = "";

    /// <summary>Absolute path inside the container (REQUIRED).</summary>
    public string Destination { get => _destination; init => _destination = value ?? ""; }

    /// <summary>Filesystem type (<c>proc</c>, <c>tmpfs</c>, <c>bind</c>, …).</summary>
    public string? Type { get; init; }

    /// <summary>Device, file or directory name, or a dummy for pseudo filesystems.</summary>
    public string? Source { get; init; }

    /// <summary>fstab-style options (<c>nosuid</c>, <c>rbind</c>, <c>mode=755</c>, …).</summary>
    public IReadOnlyList<string>? Options { get; init; }

    /// <summary>Id-mapped mount uid mappings (mount_setattr(2) MOUNT_ATTR_IDMAP).</summary>
    public IReadOnlyList<IdMapping>? UidMappings { get; init; }

    /// <summary>Id-mapped mount gid mappings.</summary>
    public IReadOnlyList<IdMapping>? GidMappings { get; init; }
}
