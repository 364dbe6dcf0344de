using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.Rootfs;

/// <summary>
/// Device nodes and /dev symlinks in the rootfs (runtime-spec config-linux.md "Devices", "Default Devices",
/// "/dev symbolic links"). Nodes are made with mknod(2); where that is not allowed (EPERM, e.g. a restricted devices
/// cgroup) the host's node is bind-mounted instead, as runc does in a user namespace.
/// </summary>
internal sealed class DeviceNodes
{
    public static readonly IReadOnlyList<LinuxDevice> Defaults =
    [
        new() { Path = "/dev/null", Type = "c", Major = 1, Minor = 3, FileMode = 0x1b6 },
        new() { Path = "/dev/zero", Type = "c", Major = 1, Minor = 5, FileMode = 0x1b6 },
        new() { Path = "/dev/full", Type = "c", Major = 1, Minor = 7, FileMode = 0x1b6 },
        new() { Path = "/dev/random", Type = "c", Major = 1, Minor = 8, FileMode = 0x1b6 },
        new() { Path = "/dev/urandom", Type = "c", Major = 1, Minor = 9, FileMode = 0x1b6 },
        new() { Path = "/dev/tty", Type = "c", Major = 5, Minor = 0, FileMode = 0x1b6 },
    ];

    private static readonly (string Link, string Target)[] Symlinks =
    [
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
    ];

    private readonly string _rootfs;

    public DeviceNodes(string rootfs)
    {
        _rootfs = rootfs;
    }

    /// <summary>The default devices and symlinks are only made when the container has its own /dev (a non-bind mount
    /// at /dev), as in runc; a bind-mounted host /dev already has them.</summary>
    public static bool HasOwnDev(RuntimeSpec spec) =>
        (spec.Mounts ?? []).Any(m => m.Destination.TrimEnd('/') == "/dev" && m.Type != "bind"
            && !(m.Options ?? []).Any(o => o is "bind" or "rbind"));

    public void Create(RuntimeSpec spec)
    {
        var ownDev = HasOwnDev(spec);
        var devices = (spec.Linux?.Devices ?? []).ToList();
        if (ownDev)
        {
            devices.AddRange(Defaults.Where(d => devices.All(s => s.Path != d.Path)));
        }
        var previousUmask = Libc.Umask(0);
        try
        {
            foreach (var device in devices)
            {
                CreateNode(device);
            }
        }
        finally
        {
            Libc.Umask(previousUmask);
        }
        if (ownDev)
        {
            CreateSymlinks();
        }
    }

    private void CreateNode(LinuxDevice device)
    {
        if (!device.Path.StartsWith("/dev/", StringComparison.Ordinal))
        {
            throw new ContainerConfigException($"linux.devices: path '{device.Path}' must be under /dev");
        }
        var kind = device.Type switch
        {
            "c" or "u" => LinuxConstants.S_IFCHR,
            "b" => LinuxConstants.S_IFBLK,
            "p" => LinuxConstants.S_IFIFO,
            _ => throw new ContainerConfigException($"linux.devices: {device.Path} has type '{device.Type}'; expected c, u, b or p"),
        };
        var permissions = (device.FileMode ?? 0x1b6) & 0xfff;
        var target = SecurePath.Join(_rootfs, device.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target))
        {
            File.Delete(target);
        }
        if (Libc.MkNod(target, kind | permissions, MakeDevice(device.Major, device.Minor)) < 0)
        {
            var errno = Errno.Last;
            if (errno != Errno.EPERM || kind == LinuxConstants.S_IFIFO)
            {
                throw new SyscallException("mknod", errno, target);
            }
            FileSystemPaths.EnsureFile(target);
            Errno.Check(Libc.Mount(device.Path, target, "bind", LinuxConstants.MS_BIND, null), "mount (bind device from host)", target);
            return;
        }
        Errno.Check(Libc.Chown(target, device.Uid ?? 0, device.Gid ?? 0), "chown", target);
    }

    /// <summary>makedev(3) for Linux's 32-bit dev_t encoding.</summary>
    public static ulong MakeDevice(long major, long minor)
    {
        var ma = (ulong)major;
        var mi = (ulong)minor;
        return ((ma & 0xfffff000UL) << 32) | ((ma & 0xfffUL) << 8) | ((mi & 0xffffff00UL) << 12) | (mi & 0xffUL);
    }

    private void CreateSymlinks()
    {
        var links = Symlinks.ToList();
        if (File.Exists("/proc/kcore"))
        {
            links.Add(("/dev/core", "/proc/kcore"));
        }
        foreach (var (link, target) in links)
        {
            var path = Path.Combine(_rootfs, link.TrimStart('/'));
            if (Libc.Symlink(target, path) < 0 && Errno.Last != Errno.EEXIST)
            {
                throw new SyscallException("symlink", Errno.Last, path);
            }
        }

        // /dev/ptmx must be the devpts instance's ptmx (devpts "newinstance"), not a host node (runc setupPtmx).
        var ptmx = Path.Combine(_rootfs, "dev/ptmx");
        if (File.Exists(ptmx) || new FileInfo(ptmx).LinkTarget is not null)
        {
            File.Delete(ptmx);
        }
        Errno.Check(Libc.Symlink("pts/ptmx", ptmx), "symlink", ptmx);
    }
}
