namespace Kata.Oci.Spec;

/// <summary>What the kernel calls each namespace type: its clone(2)/unshare(2)/setns(2) flag and its /proc/[pid]/ns file.</summary>
public static class NamespaceTypeInfo
{
    /// <summary>The CLONE_NEW* flag (include/uapi/linux/sched.h).</summary>
    public static int CloneFlag(this NamespaceType type) => type switch
    {
        NamespaceType.Time => 0x0000_0080,    // CLONE_NEWTIME
        NamespaceType.Mount => 0x0002_0000,   // CLONE_NEWNS
        NamespaceType.Cgroup => 0x0200_0000,  // CLONE_NEWCGROUP
        NamespaceType.Uts => 0x0400_0000,     // CLONE_NEWUTS
        NamespaceType.Ipc => 0x0800_0000,     // CLONE_NEWIPC
        NamespaceType.User => 0x1000_0000,    // CLONE_NEWUSER
        NamespaceType.Pid => 0x2000_0000,     // CLONE_NEWPID
        NamespaceType.Network => 0x4000_0000, // CLONE_NEWNET
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown namespace type"),
    };

    /// <summary>The file name under /proc/[pid]/ns/ (namespaces(7)): "net" for network, "mnt" for mount.</summary>
    public static string ProcFileName(this NamespaceType type) => type switch
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

    /// <summary>The spec string ("network"), for messages and for writing.</summary>
    public static string SpecName(this NamespaceType type) => NamespaceTypeConverter.Instance.ToSpecName(type);
}
