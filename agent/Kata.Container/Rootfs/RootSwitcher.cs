using Kata.Container.Interop;

namespace Kata.Container.Rootfs;

/// <summary>
/// Makes the prepared rootfs the process's "/".
/// <para>pivot_root(2) is used as runc does it (pivot_root(".", ".") then a lazy unmount of the old root stacked
/// underneath), so no host mount stays reachable. pivot_root fails with EINVAL when the current root is the initial
/// ramfs/initramfs, which is where the agent runs as PID 1 in the VM. Then (or when asked: NoPivotRoot) the fallback is
/// runc's --no-pivot: detach every mount outside the rootfs, MS_MOVE the rootfs onto "/" and chroot(2) into it. The
/// fallback is weaker: a process that keeps CAP_SYS_CHROOT could escape the chroot within the container's mount
/// namespace, which then only holds the container's own mounts.</para>
/// </summary>
internal static class RootSwitcher
{
    /// <summary>Switches to <paramref name="rootfs"/>; returns true when pivot_root was used, false for the fallback.</summary>
    public static bool Switch(string rootfs, bool noPivotRoot)
    {
        if (!noPivotRoot)
        {
            var errno = TryPivotRoot(rootfs);
            if (errno == 0)
            {
                return true;
            }
            if (errno != Errno.EINVAL)
            {
                throw new SyscallException("pivot_root", errno, rootfs);
            }
        }
        MoveRoot(rootfs);
        return false;
    }

    private static int TryPivotRoot(string rootfs)
    {
        using var oldRoot = new FileDescriptor(Errno.Check(
            Libc.Open("/", LinuxConstants.O_DIRECTORY | LinuxConstants.O_RDONLY | LinuxConstants.O_CLOEXEC, 0), "open", "/"));
        using var newRoot = new FileDescriptor(Errno.Check(
            Libc.Open(rootfs, LinuxConstants.O_DIRECTORY | LinuxConstants.O_RDONLY | LinuxConstants.O_CLOEXEC, 0), "open", rootfs));
        Errno.Check(Libc.Fchdir(newRoot.Fd), "fchdir", rootfs);
        if (Libc.PivotRoot(".", ".") < 0)
        {
            return Errno.Last;
        }

        // The old root is now stacked under the new one at "."; make it a slave so the unmount does not propagate to
        // the host, then detach it.
        Errno.Check(Libc.Fchdir(oldRoot.Fd), "fchdir", "old root");
        Errno.Check(Libc.Mount(null, ".", null, LinuxConstants.MS_SLAVE | LinuxConstants.MS_REC, null), "mount (old root rslave)", ".");
        Errno.Check(Libc.Umount2(".", LinuxConstants.MNT_DETACH), "umount2", "old root");
        Errno.Check(Libc.Chdir("/"), "chdir", "/");
        return 0;
    }

    private static void MoveRoot(string rootfs)
    {
        var prefix = rootfs.TrimEnd('/') + "/";
        var outside = MountInfo.Read()
            .Where(e => e.MountPoint != "/" && e.MountPoint != rootfs.TrimEnd('/')
                && !e.MountPoint.StartsWith(prefix, StringComparison.Ordinal)
                && !prefix.StartsWith(e.MountPoint + "/", StringComparison.Ordinal))
            .OrderByDescending(e => e.MountPoint.Length);
        foreach (var entry in outside)
        {
            // Private first, so the detach is not propagated back to the host's namespace; failures (already gone
            // with a parent, busy) leave the mount hidden under the new root, which is what runc accepts too.
            Libc.Mount(null, entry.MountPoint, null, LinuxConstants.MS_PRIVATE | LinuxConstants.MS_REC, null);
            Libc.Umount2(entry.MountPoint, LinuxConstants.MNT_DETACH);
        }
        Errno.Check(Libc.Chdir(rootfs), "chdir", rootfs);
        Errno.Check(Libc.Mount(rootfs, "/", null, LinuxConstants.MS_MOVE, null), "mount (MS_MOVE rootfs onto /)", rootfs);
        Errno.Check(Libc.Chroot("."), "chroot", rootfs);
        Errno.Check(Libc.Chdir("/"), "chdir", "/");
    }
}
