using Kata.Oci.Json;

namespace Kata.Oci.Spec;

public static partial class SpecValidator
{
    /// <summary>Kernel limit on lines in uid_map/gid_map since Linux 4.15 (user_namespaces(7)).</summary>
    private const int MaxIdMappings = 340;

    /// <summary>IPC-namespaced sysctls outside fs.mqueue.* (ipc_namespaces(7); the same list runc allows).</summary>
    private static readonly HashSet<string> IpcSysctls = new(StringComparer.Ordinal)
    {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    };

    private static readonly HashSet<string> Propagations = new(StringComparer.Ordinal)
    {
        "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable",
    };

    private static void ValidateLinux(LinuxSpec linux, NamespaceTable namespaces, List<SpecProblem> problems)
    {
        ValidateNamespaces(linux.Namespaces, problems);
        ValidateUserNamespaceMappings(linux, namespaces, problems);

        if (linux.Sysctl is not null)
        {
            foreach (var (name, _) in linux.Sysctl)
            {
                ValidateSysctl(name, SpecPath.Property("linux.sysctl", name), namespaces, problems);
            }
        }

        if (linux.Resources is not null)
        {
            ValidateResources(linux.Resources, "linux.resources", problems);
        }

        if (linux.Devices is not null)
        {
            for (var i = 0; i < linux.Devices.Count; i++)
            {
                ValidateDevice(linux.Devices[i], SpecPath.Index("linux.devices", i), problems);
            }
        }

        if (linux.Seccomp is not null)
        {
            ValidateSeccomp(linux.Seccomp, "linux.seccomp", problems);
        }

        if (linux.RootfsPropagation is { Length: > 0 } propagation && !Propagations.Contains(propagation))
        {
            problems.Add(new SpecProblem("linux.rootfsPropagation",
                $"unknown propagation \"{propagation}\" (expected shared, slave, private or unbindable)"));
        }

        ValidateAbsolutePaths(linux.MaskedPaths, "linux.maskedPaths", problems);
        ValidateAbsolutePaths(linux.ReadonlyPaths, "linux.readonlyPaths", problems);

        if (linux.Personality?.Flags is { } flags)
        {
            for (var i = 0; i < flags.Count; i++)
            {
                problems.Add(new SpecProblem(SpecPath.Index("linux.personality.flags", i),
                    $"unknown personality flag \"{flags[i]}\" (runtime-spec 1.2 defines none)"));
            }
        }

        if (linux.TimeOffsets is { Count: > 0 } offsets)
        {
            foreach (var (clock, _) in offsets)
            {
                if (clock is not ("monotonic" or "boottime"))
                {
                    problems.Add(new SpecProblem(SpecPath.Property("linux.timeOffsets", clock),
                        "unknown clock (expected monotonic or boottime)"));
                }
            }

            RequireOwnNamespace(NamespaceType.Time, "time", "linux.timeOffsets", namespaces, problems);
        }
    }

    private static void ValidateNamespaces(IReadOnlyList<LinuxNamespace>? list, List<SpecProblem> problems)
    {
        if (list is null)
        {
            return;
        }

        var seen = new Dictionary<NamespaceType, int>();
        for (var i = 0; i < list.Count; i++)
        {
            var path = SpecPath.Index("linux.namespaces", i);
            if (list[i] is not { } ns)
            {
                problems.Add(new SpecProblem(path, "must not be null"));
                continue;
            }

            // config-linux.md "Namespaces": duplicated namespaces MUST generate an error.
            if (seen.TryGetValue(ns.Type, out var first))
            {
                problems.Add(new SpecProblem(SpecPath.Property(path, "type"),
                    $"duplicate namespace type \"{NamespaceTypeConverter.Instance.ToSpecName(ns.Type)}\" (also at {SpecPath.Index("linux.namespaces", first)})"));
            }
            else
            {
                seen.Add(ns.Type, i);
            }

            if (ns.Path is { Length: > 0 } nsPath && !nsPath.StartsWith('/'))
            {
                problems.Add(new SpecProblem(SpecPath.Property(path, "path"), $"must be an absolute path, got \"{nsPath}\""));
            }
        }
    }

    private static void ValidateUserNamespaceMappings(LinuxSpec linux, NamespaceTable namespaces, List<SpecProblem> problems)
    {
        ValidateIdMappings(linux.UidMappings, "linux.uidMappings", problems);
        ValidateIdMappings(linux.GidMappings, "linux.gidMappings", problems);

        var hasMappings = linux.UidMappings is { Count: > 0 } || linux.GidMappings is { Count: > 0 };
        if (hasMappings)
        {
            var path = linux.UidMappings is { Count: > 0 } ? "linux.uidMappings" : "linux.gidMappings";
            RequireOwnNamespace(NamespaceType.User, "user", path, namespaces, problems);
        }

        if (namespaces.CreatesNew(NamespaceType.User))
        {
            // Without a map every id is the overflow id and the container cannot even exec (user_namespaces(7)).
            if (linux.UidMappings is not { Count: > 0 })
            {
                problems.Add(new SpecProblem("linux.uidMappings", "a new user namespace needs at least one uid mapping"));
            }

            if (linux.GidMappings is not { Count: > 0 })
            {
                problems.Add(new SpecProblem("linux.gidMappings", "a new user namespace needs at least one gid mapping"));
            }
        }
    }

    /// <summary>
    /// A setting that configures a namespace needs that namespace to be the container's own: created, not joined
    /// (config-linux.md "Namespaces": with a path, the runtime MUST error out if the config specifies anything else
    /// related to that namespace).
    /// </summary>
    private static void RequireOwnNamespace(NamespaceType type, string typeName, string path, NamespaceTable namespaces, List<SpecProblem> problems)
    {
        if (!namespaces.TryGet(type, out var entry))
        {
            problems.Add(new SpecProblem(path, $"needs a new {typeName} namespace (add {{\"type\": \"{typeName}\"}} to linux.namespaces)"));
        }
        else if (entry.Path is not null)
        {
            problems.Add(new SpecProblem(path,
                $"cannot be set when joining the existing {typeName} namespace at {SpecPath.Index("linux.namespaces", entry.Index)}.path"));
        }
    }

    private static void ValidateIdMappings(IReadOnlyList<IdMapping>? mappings, string path, List<SpecProblem> problems)
    {
        if (mappings is null)
        {
            return;
        }

        if (mappings.Count > MaxIdMappings)
        {
            problems.Add(new SpecProblem(path, Invariant($"has {mappings.Count} mappings, the kernel takes at most {MaxIdMappings}")));
        }

        for (var i = 0; i < mappings.Count; i++)
        {
            var itemPath = SpecPath.Index(path, i);
            if (mappings[i] is not { } mapping)
            {
                problems.Add(new SpecProblem(itemPath, "must not be null"));
                continue;
            }

            if (mapping.Size == 0)
            {
                problems.Add(new SpecProblem(SpecPath.Property(itemPath, "size"), "must be at least 1"));
                continue;
            }

            if ((ulong)mapping.ContainerId + mapping.Size > 1UL << 32)
            {
                problems.Add(new SpecProblem(itemPath, Invariant($"container range {mapping.ContainerId}+{mapping.Size} goes past 4294967295")));
            }

            if ((ulong)mapping.HostId + mapping.Size > 1UL << 32)
            {
                problems.Add(new SpecProblem(itemPath, Invariant($"host range {mapping.HostId}+{mapping.Size} goes past 4294967295")));
            }

            // user_namespaces(7): the kernel refuses overlapping ranges on either side.
            for (var j = 0; j < i; j++)
            {
                if (mappings[j] is not { Size: > 0 } other)
                {
                    continue;
                }

                if (Overlaps(mapping.ContainerId, mapping.Size, other.ContainerId, other.Size))
                {
                    problems.Add(new SpecProblem(itemPath, $"container range overlaps {SpecPath.Index(path, j)}"));
                }

                if (Overlaps(mapping.HostId, mapping.Size, other.HostId, other.Size))
                {
                    problems.Add(new SpecProblem(itemPath, $"host range overlaps {SpecPath.Index(path, j)}"));
                }
            }
        }
    }

    private static bool Overlaps(uint start1, uint size1, uint start2, uint size2) =>
        (ulong)start1 < (ulong)start2 + size2 && (ulong)start2 < (ulong)start1 + size1;

    /// <summary>Only namespaced sysctls may be set, and only in a namespace of the container's own (the rules runc applies).</summary>
    private static void ValidateSysctl(string name, string path, NamespaceTable namespaces, List<SpecProblem> problems)
    {
        if (name.Length == 0)
        {
            problems.Add(new SpecProblem("linux.sysctl", "names must not be empty"));
        }
        else if (IpcSysctls.Contains(name) || name.StartsWith("fs.mqueue.", StringComparison.Ordinal))
        {
            RequireNamespace(NamespaceType.Ipc, "ipc", path, namespaces, problems);
        }
        else if (name.StartsWith("net.", StringComparison.Ordinal))
        {
            RequireNamespace(NamespaceType.Network, "network", path, namespaces, problems);
        }
        else if (name == "kernel.domainname")
        {
            RequireOwnNamespace(NamespaceType.Uts, "uts", path, namespaces, problems);
        }
        else if (name == "kernel.hostname")
        {
            problems.Add(new SpecProblem(path, "use the hostname field instead of this sysctl"));
        }
        else
        {
            problems.Add(new SpecProblem(path, "not allowed: this sysctl is not namespaced, so setting it would change the host"));
        }
    }

    /// <summary>Joining an existing namespace is fine here (it is not the host's: the engine can check that).</summary>
    private static void RequireNamespace(NamespaceType type, string typeName, string path, NamespaceTable namespaces, List<SpecProblem> problems)
    {
        if (!namespaces.TryGet(type, out _))
        {
            problems.Add(new SpecProblem(path, $"needs a {typeName} namespace of the container's own (add {{\"type\": \"{typeName}\"}} to linux.namespaces)"));
        }
    }

    private static void ValidateDevice(LinuxDevice device, string path, List<SpecProblem> problems)
    {
        if (device is null)
        {
            problems.Add(new SpecProblem(path, "must not be null"));
            return;
        }

        ValidateAbsolutePath(device.Path, SpecPath.Property(path, "path"), problems);
        if (device.Path.Length > 0 && HasDotDot(device.Path))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "path"), $"must not contain \"..\", got \"{device.Path}\""));
        }

        if (device.Type is not ("c" or "u" or "b" or "p"))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "type"),
                $"unknown device type \"{device.Type}\" (expected c, u, b or p)"));
        }

        if (device.Major < 0 || device.Minor < 0)
        {
            problems.Add(new SpecProblem(path, Invariant($"device numbers must not be negative, got {device.Major}:{device.Minor}")));
        }

        if (device.FileMode is > 4095)
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "fileMode"),
                Invariant($"must be permission bits, at most 4095 (07777 octal), got {device.FileMode}")));
        }
    }
}
