using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.Rootfs;

/// <summary>
/// Builds the container's mount table inside its new mount namespace, before the root switch (runc's prepareRoot and
/// mountToRootfs; OCI runtime-spec config.md "Mounts"). Runs on the stage's main thread.
/// </summary>
internal sealed class RootfsMounter
{
    private readonly RuntimeSpec _spec;
    private readonly string _rootfs;
    private readonly string _bundle;
    private readonly bool _newCgroupNamespace;
    private readonly List<string> _warnings;

    public RootfsMounter(RuntimeSpec spec, string rootfs, string bundle, bool newCgroupNamespace, List<string> warnings)
    {
        _spec = spec;
        _rootfs = rootfs;
        _bundle = bundle;
        _newCgroupNamespace = newCgroupNamespace;
        _warnings = warnings;
    }

    /// <summary>Sets the propagation of "/" (rslave unless linux.rootfsPropagation says otherwise) so nothing we mount
    /// leaks back to the host, makes the rootfs's parent mount private (pivot_root(2) refuses a shared parent), and
    /// bind-mounts the rootfs onto itself so it is a mount point.</summary>
    public void PrepareRoot()
    {
        var propagation = _spec.Linux?.RootfsPropagation is { } name
            ? MountOptions.ParsePropagation(name)
            : LinuxConstants.MS_SLAVE | LinuxConstants.MS_REC;
        Errno.Check(Libc.Mount(null, "/", null, propagation, null), "mount (propagation of /)", "/");
        MakeParentMountPrivate();
        Errno.Check(Libc.Mount(_rootfs, _rootfs, "bind", LinuxConstants.MS_BIND | LinuxConstants.MS_REC, null),
            "mount (bind rootfs onto itself)", _rootfs);
    }

    public void MountAll()
    {
        foreach (var mount in _spec.Mounts ?? [])
        {
            MountOne(mount);
        }
    }

    private void MakeParentMountPrivate()
    {
        var parent = Path.GetDirectoryName(_rootfs.TrimEnd('/')) ?? "/";
        var holder = MountInfo.Read()
            .Where(entry => IsUnder(parent, entry.MountPoint))
            .OrderByDescending(entry => entry.MountPoint.Length)
            .FirstOrDefault();
        if (holder is not null)
        {
            Errno.Check(Libc.Mount(null, holder.MountPoint, null, LinuxConstants.MS_PRIVATE, null),
                "mount (make the rootfs parent private)", holder.MountPoint);
        }
    }

    private static bool IsUnder(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);

    private void MountOne(Mount mount)
    {
        if (!mount.Destination.StartsWith('/'))
        {
            throw new ContainerConfigException($"mounts: destination '{mount.Destination}' must be an absolute path");
        }
        var options = MountOptions.Parse(mount.Options, mount.Destination);
        var destination = SecurePath.Join(_rootfs, mount.Destination);
        var type = mount.Type ?? (options.IsBind ? "bind" : null)
            ?? throw new ContainerConfigException($"mounts: {mount.Destination} has neither a type nor a bind option");

        if (type == "bind" || options.IsBind)
        {
            MountBind(mount, options, destination);
        }
        else if (type is "cgroup" or "cgroup2")
        {
            MountCgroup(mount, options, destination, type);
        }
        else
        {
            FileSystemPaths.EnsureDirectory(destination);
            Errno.Check(Libc.Mount(mount.Source ?? type, destination, type, options.Flags, options.Data),
                $"mount ({type})", destination);
        }

        foreach (var propagation in options.Propagation)
        {
            Errno.Check(Libc.Mount(null, destination, null, propagation, null), "mount (propagation)", destination);
        }
    }

    private void MountBind(Mount mount, MountOptions options, string destination)
    {
        var source = mount.Source ?? throw new ContainerConfigException($"mounts: bind mount {mount.Destination} has no source");
        source = Path.GetFullPath(source, _bundle);
        if (Directory.Exists(source))
        {
            FileSystemPaths.EnsureDirectory(destination);
        }
        else if (File.Exists(source))
        {
            FileSystemPaths.EnsureFile(destination);
        }
        else
        {
            throw new ContainerConfigException($"mounts: the source '{source}' of bind mount {mount.Destination} does not exist");
        }

        var recursive = options.Flags & LinuxConstants.MS_REC;
        Errno.Check(Libc.Mount(source, destination, "bind", LinuxConstants.MS_BIND | recursive, options.Data),
            "mount (bind)", $"{source} -> {destination}");

        // A bind mount takes no flags on creation; ro, nosuid, … need a remount of the new mount (mount(2) "MS_REMOUNT").
        var extra = options.Flags & ~(LinuxConstants.MS_BIND | LinuxConstants.MS_REC | LinuxConstants.MS_REMOUNT);
        if (extra != 0)
        {
            Errno.Check(Libc.Mount(null, destination, null, extra | LinuxConstants.MS_BIND | LinuxConstants.MS_REMOUNT, null),
                "mount (remount bind with options)", destination);
        }
    }

    /// <summary>
    /// cgroup2 is mounted as asked. A "cgroup" (v1) mount on a v1 host becomes, as in runc, a tmpfs with one mount per
    /// host hierarchy: the hierarchy itself when the container has its own cgroup namespace (which then shows only the
    /// container's subtree), otherwise a bind of the container's own cgroup directory. A hierarchy that cannot be
    /// mounted is reported as a warning rather than failing the container.
    /// </summary>
    private void MountCgroup(Mount mount, MountOptions options, string destination, string type)
    {
        var table = MountInfo.Read();
        var hostIsV2 = table.Any(e => e.MountPoint == "/sys/fs/cgroup" && e.FileSystemType == "cgroup2");
        FileSystemPaths.EnsureDirectory(destination);
        if (type == "cgroup2" || hostIsV2)
        {
            Errno.Check(Libc.Mount(mount.Source ?? "cgroup", destination, "cgroup2", options.Flags, options.Data),
                "mount (cgroup2)", destination);
            return;
        }

        var writableFlags = options.Flags & ~LinuxConstants.MS_RDONLY;
        Errno.Check(Libc.Mount("tmpfs", destination, "tmpfs", writableFlags, "mode=755"), "mount (cgroup v1 tmpfs)", destination);
        var ownCgroups = ReadOwnCgroups();
        foreach (var hierarchy in table.Where(e => e.FileSystemType == "cgroup"))
        {
            var controllers = ControllerOptions(hierarchy.SuperOptions);
            var name = Path.GetFileName(hierarchy.MountPoint);
            var target = Path.Combine(destination, name);
            try
            {
                Directory.CreateDirectory(target);
                if (_newCgroupNamespace)
                {
                    Errno.Check(Libc.Mount("cgroup", target, "cgroup", options.Flags, string.Join(',', controllers)),
                        "mount (cgroup v1)", target);
                }
                else
                {
                    var own = ownCgroups.FirstOrDefault(c => c.Controllers.SetEquals(controllers)).Path ?? "/";
                    var source = hierarchy.MountPoint + own.TrimEnd('/');
                    Errno.Check(Libc.Mount(source, target, "bind", LinuxConstants.MS_BIND, null), "mount (bind cgroup v1)", target);
                    Errno.Check(Libc.Mount(null, target, null, options.Flags | LinuxConstants.MS_BIND | LinuxConstants.MS_REMOUNT, null),
                        "mount (remount cgroup v1)", target);
                }
            }
            catch (SyscallException exception)
            {
                _warnings.Add($"cgroup v1 hierarchy {hierarchy.MountPoint} not mounted in the container: {exception.Message}");
            }
        }
        if ((options.Flags & LinuxConstants.MS_RDONLY) != 0)
        {
            Errno.Check(Libc.Mount(null, destination, null, options.Flags | LinuxConstants.MS_REMOUNT, "mode=755"),
                "mount (remount cgroup v1 tmpfs read-only)", destination);
        }
    }

    private static HashSet<string> ControllerOptions(string superOptions) =>
        superOptions.Split(',')
            .Where(o => o is not ("rw" or "ro") && (!o.Contains('=') || o.StartsWith("name=", StringComparison.Ordinal))
                && o is not ("xattr" or "noprefix" or "cpuset_v2_mode" or "clone_children"))
            .ToHashSet(StringComparer.Ordinal);

    private static List<(HashSet<string> Controllers, string Path)> ReadOwnCgroups() =>
        File.ReadAllLines("/proc/self/cgroup")
            .Select(line => line.Split(':', 3))
            .Where(parts => parts.Length == 3 && parts[1].Length > 0)
            .Select(parts => (parts[1].Split(',').ToHashSet(StringComparer.Ordinal), parts[2]))
            .ToList();
}
