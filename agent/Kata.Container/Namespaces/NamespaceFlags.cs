using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.Namespaces;

/// <summary>The clone(2) flag and /proc/[pid]/ns file name of each namespace kind (namespaces(7)).</summary>
internal static class NamespaceFlags
{
    public static int CloneFlag(NamespaceType type) => type switch
    {
        NamespaceType.Pid => LinuxConstants.CLONE_NEWPID,
        NamespaceType.Network => LinuxConstants.CLONE_NEWNET,
        NamespaceType.Mount => LinuxConstants.CLONE_NEWNS,
        NamespaceType.Ipc => LinuxConstants.CLONE_NEWIPC,
        NamespaceType.Uts => LinuxConstants.CLONE_NEWUTS,
        NamespaceType.User => LinuxConstants.CLONE_NEWUSER,
        NamespaceType.Cgroup => LinuxConstants.CLONE_NEWCGROUP,
        NamespaceType.Time => LinuxConstants.CLONE_NEWTIME,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown namespace type"),
    };

    public static string ProcFileName(NamespaceType type) => type switch
    {
        NamespaceType.Pid => "pid",
        NamespaceType.Network => "net",
        NamespaceType.Mount => "mnt",
        NamespaceType.Ipc => "ipc",
        NamespaceType.Uts => "uts",
        NamespaceType.User => "user",
        NamespaceType.Cgroup => "cgroup",
        NamespaceType.Time => "time",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown namespace type"),
    };
}
