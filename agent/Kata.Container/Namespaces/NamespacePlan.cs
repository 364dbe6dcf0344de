using Kata.Oci.Spec;

namespace Kata.Container.Namespaces;

/// <summary>
/// The namespaces of a container, checked: each type at most once, and only the kinds this engine can set up.
/// <para>User and time namespaces are refused: unshare(CLONE_NEWUSER) fails with EINVAL in a multi-threaded process
/// (every .NET process is one), and a new time namespace only applies to children created without CLONE_VM, which
/// posix_spawn cannot do. Both would need a native pre-runtime stage like runc's nsexec.</para>
/// </summary>
internal sealed class NamespacePlan
{
    /// <summary>The order in which the stage enters namespaces on its main thread (runc's nsexec order, less user and
    /// pid); cgroup comes last so the cgroup namespace is rooted at the container's cgroup, which the engine placed the
    /// stage in before sending the config.</summary>
    private static readonly NamespaceType[] StageOrder =
        [NamespaceType.Ipc, NamespaceType.Uts, NamespaceType.Network, NamespaceType.Mount, NamespaceType.Cgroup];

    private NamespacePlan(LinuxNamespace? pid, IReadOnlyList<LinuxNamespace> stage)
    {
        Pid = pid;
        Stage = stage;
    }

    /// <summary>The pid namespace entry (new or joined), or null to stay in the engine's pid namespace.</summary>
    public LinuxNamespace? Pid { get; }

    /// <summary>The other namespaces, in the order the stage enters them.</summary>
    public IReadOnlyList<LinuxNamespace> Stage { get; }

    public bool Has(NamespaceType type) => (Pid is not null && type == NamespaceType.Pid) || Stage.Any(n => n.Type == type);

    public bool IsNew(NamespaceType type) =>
        type == NamespaceType.Pid ? Pid is { Path: null } : Stage.Any(n => n.Type == type && n.Path is null);

    public static NamespacePlan From(RuntimeSpec spec)
    {
        var namespaces = spec.Linux?.Namespaces ?? [];
        var seen = new HashSet<NamespaceType>();
        foreach (var entry in namespaces)
        {
            if (!seen.Add(entry.Type))
            {
                throw new ContainerConfigException($"linux.namespaces: type '{NamespaceFlags.ProcFileName(entry.Type)}' is listed more than once");
            }
            if (entry.Type is NamespaceType.User)
            {
                throw new NotSupportedException("linux.namespaces: user namespaces are not supported by this engine "
                    + "(unshare(CLONE_NEWUSER) and setns into a user namespace need a single-threaded process, and a .NET "
                    + "stage never is one); remove the \"user\" entry and linux.uidMappings/gidMappings, the container then "
                    + "runs with the host's ids (inside the VM sandbox: the guest's)");
            }
            if (entry.Type is NamespaceType.Time)
            {
                throw new NotSupportedException("linux.namespaces: time namespaces are not supported by this engine "
                    + "(they apply only to children created without CLONE_VM, which posix_spawn cannot do)");
            }
            if (entry.Path is { } path)
            {
                if (!Path.IsPathFullyQualified(path))
                {
                    throw new ContainerConfigException($"linux.namespaces: the {NamespaceFlags.ProcFileName(entry.Type)} namespace path '{path}' must be absolute");
                }
                if (!File.Exists(path))
                {
                    throw new ContainerConfigException($"linux.namespaces: the {NamespaceFlags.ProcFileName(entry.Type)} namespace path '{path}' does not exist");
                }
            }
        }

        var pid = namespaces.FirstOrDefault(n => n.Type == NamespaceType.Pid);
        var stage = StageOrder
            .Select(type => namespaces.FirstOrDefault(n => n.Type == type))
            .OfType<LinuxNamespace>()
            .ToList();
        return new NamespacePlan(pid, stage);
    }
}
