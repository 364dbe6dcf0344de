using System.Runtime.InteropServices;
using Kata.Agent.Interop;
using Kata.Agent.Protocol;

namespace Kata.Agent.Containers;

/// <summary>
/// Mounts a request's <see cref="Storage"/> before the container is created, as Kata's agent does (src/agent/src/mount.rs):
/// <c>blk</c> finds the virtio-blk disk whose serial is <c>source</c> (/sys/block/vd*/serial) and mounts it;
/// <c>bind</c>, <c>tmpfs</c>, <c>overlay</c> and <c>local</c> mount what they say.
/// </summary>
public static class StorageMounter
{
    private const ulong MsRdonly = 0x1, MsNosuid = 0x2, MsNodev = 0x4, MsNoexec = 0x8, MsBind = 0x1000, MsRec = 0x4000;

    public static void Mount(Storage storage, string sysBlock = "/sys/block")
    {
        if (string.IsNullOrEmpty(storage.MountPoint) || !Path.IsPathRooted(storage.MountPoint))
        {
            throw new ArgumentException($"storage {storage.Source}: mount_point must be an absolute path (got \"{storage.MountPoint}\")");
        }
        (ulong flags, string data) = ParseOptions(storage.Options);
        string source;
        string fsType;
        switch (storage.Driver)
        {
            case "blk":
                source = FindDiskBySerial(storage.Source, sysBlock);
                fsType = storage.Fstype;
                break;
            case "bind":
                source = storage.Source;
                fsType = "none";
                flags |= MsBind | MsRec;
                break;
            case "tmpfs" or "overlay" or "local":
                source = string.IsNullOrEmpty(storage.Source) ? storage.Driver : storage.Source;
                fsType = storage.Driver == "local" ? storage.Fstype : storage.Driver;
                break;
            default:
                throw new NotSupportedException($"storage driver \"{storage.Driver}\" (for {storage.MountPoint}) is not supported: use blk, bind, tmpfs, overlay or local");
        }
        Directory.CreateDirectory(storage.MountPoint);
        if (storage.Driver == "overlay")
        {
            CreateOverlayDirectories(storage);
        }
        if (AgentLibc.Mount(source, storage.MountPoint, fsType, flags, data.Length == 0 ? null : data) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"mounting storage {source} ({fsType}) on {storage.MountPoint}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        if ((flags & (MsBind | MsRdonly)) == (MsBind | MsRdonly))
        {
            // A bind mount ignores MS_RDONLY until it is remounted (mount(2), "MS_BIND").
            _ = AgentLibc.Mount("none", storage.MountPoint, "none", flags | 0x20 /* MS_REMOUNT */, null);
        }
    }

    public static void Unmount(string mountPoint)
    {
        // MNT_DETACH: a process still holding a file there must not keep the container from going away.
        _ = AgentLibc.Umount2(mountPoint, 2);
    }

    /// <summary>
    /// overlayfs needs its upperdir and workdir to exist on one filesystem (Documentation/filesystems/overlayfs.rst);
    /// when they lie on a tmpfs storage mounted just before, nobody else can have made them, so the agent makes them
    /// (as Kata's agent does for its writable overlays).
    /// </summary>
    private static void CreateOverlayDirectories(Storage storage)
    {
        foreach (string option in storage.Options)
        {
            int equals = option.IndexOf('=');
            if (equals > 0 && option[..equals] is "upperdir" or "workdir" && Path.IsPathRooted(option[(equals + 1)..]))
            {
                Directory.CreateDirectory(option[(equals + 1)..]);
            }
        }
    }

    /// <summary>/dev/vdX of the virtio-blk disk whose serial (VIRTIO_BLK_T_GET_ID) is <paramref name="serial"/>.</summary>
    public static string FindDiskBySerial(string serial, string sysBlock)
    {
        if (Directory.Exists(sysBlock))
        {
            foreach (string disk in Directory.EnumerateDirectories(sysBlock, "vd*").Order(StringComparer.Ordinal))
            {
                string serialFile = Path.Combine(disk, "serial");
                if (File.Exists(serialFile) && File.ReadAllText(serialFile).Trim() == serial)
                {
                    return "/dev/" + Path.GetFileName(disk);
                }
            }
        }
        throw new FileNotFoundException($"no virtio-blk disk with serial \"{serial}\" in {sysBlock}");
    }

    private static (ulong Flags, string Data) ParseOptions(IEnumerable<string> options)
    {
        ulong flags = 0;
        var data = new List<string>();
        foreach (string option in options)
        {
            switch (option)
            {
                case "ro": flags |= MsRdonly; break;
                case "rw": break;
                case "nosuid": flags |= MsNosuid; break;
                case "nodev": flags |= MsNodev; break;
                case "noexec": flags |= MsNoexec; break;
                case "bind": flags |= MsBind; break;
                case "rbind": flags |= MsBind | MsRec; break;
                default: data.Add(option); break;
            }
        }
        return (flags, string.Join(',', data));
    }
}
