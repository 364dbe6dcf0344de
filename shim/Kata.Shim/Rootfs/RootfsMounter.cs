using Kata.Shim.Interop;
using Kata.Shim.Protos.Types;

namespace Kata.Shim.Rootfs;

/// <summary>
/// Mounts the rootfs containerd sends with Create (its snapshotter's overlay or bind mounts) at &lt;bundle&gt;/rootfs on
/// the host, in order, as containerd's runc shim does; unmounts them again on delete.
/// </summary>
public static class RootfsMounter
{
    /// <summary>mount(2) takes at most one page of data (overlay lowerdir lists of deep images exceed it).</summary>
    private const int MaxMountDataBytes = 4095;

    public static void MountAll(IReadOnlyList<Mount> mounts, string target)
    {
        Directory.CreateDirectory(target);
        int done = 0;
        try
        {
            foreach (Mount mount in mounts)
            {
                MountOne(mount, target);
                done++;
            }
        }
        catch
        {
            for (int i = 0; i < done; i++)
            {
                TryUnmount(target);
            }
            throw;
        }
    }

    public static void MountOne(Mount mount, string target)
    {
        MountOptions options = MountOptions.Parse(mount.Options);
        if (options.Data.Length > MaxMountDataBytes)
        {
            throw new NotSupportedException(
                $"rootfs mount {mount.Type} of {mount.Source}: its options are {options.Data.Length} bytes, more than mount(2) takes ({MaxMountDataBytes})");
        }
        if (options.Bind || mount.Type == "bind")
        {
            ulong flags = Libc.MS_BIND | (options.Recursive ? Libc.MS_REC : 0);
            Check(Libc.Mount(mount.Source, target, null, flags, null), mount, target);
            if (options.ReadOnly || options.Flags != 0)
            {
                // A bind mount ignores its flags; they take effect on a remount (mount(2), "Creating a bind mount").
                Check(Libc.Mount(mount.Source, target, null, Libc.MS_REMOUNT | Libc.MS_BIND | options.Flags, null), mount, target);
            }
            return;
        }
        Check(Libc.Mount(mount.Source, target, mount.Type, options.Flags, options.Data.Length == 0 ? null : options.Data), mount, target);
    }

    /// <summary>Unmounts everything at <paramref name="target"/> (stacked mounts too); true when something was mounted.</summary>
    public static bool TryUnmount(string target)
    {
        bool any = false;
        for (int i = 0; i < 64; i++)
        {
            if (Libc.Umount2(target, 0) == 0 || Libc.Umount2(target, Libc.MNT_DETACH) == 0)
            {
                any = true;
                continue;
            }
            break;
        }
        return any;
    }

    private static void Check(int result, Mount mount, string target)
    {
        if (result != 0)
        {
            var error = ErrnoException.FromLastError("mount", $"{mount.Type} {mount.Source} on {target} (options {string.Join(',', mount.Options)})");
            throw error;
        }
    }
}
