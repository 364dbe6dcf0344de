using Kata.Container.Cgroups.Interop;
using Kata.Container.Interop;

namespace Kata.Container.Cgroups;

/// <summary>
/// Tells how the host mounts cgroups, by the filesystem type of /sys/fs/cgroup (statfs(2) f_type), the way runc's
/// cgroups.IsCgroup2UnifiedMode and systemd do: cgroup2 there is unified; tmpfs there is v1, hybrid when
/// /sys/fs/cgroup/unified is a cgroup2 mount.
/// </summary>
public static class CgroupModeDetector
{
    public const string DefaultRoot = "/sys/fs/cgroup";

    public static CgroupMode Detect(string root = DefaultRoot)
    {
        var rootType = FileSystemType(root);
        if (rootType == CgroupNative.Cgroup2SuperMagic)
        {
            return CgroupMode.Unified;
        }
        if (rootType != CgroupNative.TmpfsMagic)
        {
            throw new CgroupException(
                $"{root} is neither a cgroup2 mount nor a tmpfs of v1 hierarchies (filesystem magic 0x{rootType:x}); " +
                "cannot tell the cgroup mode", root);
        }
        var unified = Path.Combine(root, "unified");
        return Directory.Exists(unified) && FileSystemType(unified) == CgroupNative.Cgroup2SuperMagic
            ? CgroupMode.Hybrid
            : CgroupMode.Legacy;
    }

    internal static unsafe long FileSystemType(string path)
    {
        StatFs buffer;
        Errno.Check(CgroupNative.Statfs(path, &buffer), "statfs", path);
        return buffer.Type;
    }
}
