using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.Rootfs;

/// <summary>
/// After the root switch: read-only paths, masked paths and the read-only root (runtime-spec config-linux.md
/// "Masked Paths", "Readonly Paths"; config.md "root.readonly"), in runc's order.
/// </summary>
internal static class PathRestrictions
{
    public static void Apply(RuntimeSpec spec)
    {
        foreach (var path in spec.Linux?.ReadonlyPaths ?? [])
        {
            MakeReadonly(path);
        }
        foreach (var path in spec.Linux?.MaskedPaths ?? [])
        {
            Mask(path);
        }
        if (spec.Root?.Readonly == true)
        {
            Errno.Check(Libc.Mount(null, "/", null,
                LinuxConstants.MS_BIND | LinuxConstants.MS_REMOUNT | LinuxConstants.MS_RDONLY, null), "mount (remount / read-only)", "/");
        }
    }

    private static void MakeReadonly(string path)
    {
        RequireAbsolute(path, "linux.readonlyPaths");
        if (Libc.Mount(path, path, null, LinuxConstants.MS_BIND | LinuxConstants.MS_REC, null) < 0)
        {
            if (Errno.Last == Errno.ENOENT)
            {
                return; // the spec says paths that do not exist are skipped
            }
            throw new SyscallException("mount (bind read-only path)", Errno.Last, path);
        }
        Errno.Check(Libc.Mount(null, path, null,
            LinuxConstants.MS_BIND | LinuxConstants.MS_REMOUNT | LinuxConstants.MS_RDONLY | LinuxConstants.MS_REC, null),
            "mount (remount read-only)", path);
    }

    private static void Mask(string path)
    {
        RequireAbsolute(path, "linux.maskedPaths");
        if (Directory.Exists(path))
        {
            Errno.Check(Libc.Mount("tmpfs", path, "tmpfs", LinuxConstants.MS_RDONLY, null), "mount (mask directory)", path);
        }
        else if (File.Exists(path))
        {
            Errno.Check(Libc.Mount("/dev/null", path, null, LinuxConstants.MS_BIND, null), "mount (mask file)", path);
        }
    }

    private static void RequireAbsolute(string path, string field)
    {
        if (!path.StartsWith('/'))
        {
            throw new ContainerConfigException($"{field}: '{path}' must be an absolute path");
        }
    }
}
