using System.Runtime.InteropServices;
using Kata.Agent.Interop;
using Serilog;

namespace Kata.Agent.Guest;

/// <summary>
/// What the agent does first as the guest's init (PID 1 on the initramfs): the pseudo filesystems every
/// container and the engine rely on, as systemd or Kata's agent (src/agent/src/main.rs, init_agent_as_init) mount
/// them. Idempotent: a target that is already a mount point is left alone.
/// </summary>
public static class GuestInit
{
    private const ulong MsNosuid = 0x2, MsNodev = 0x4, MsNoexec = 0x8, MsRelatime = 0x200000;

    /// <summary>The mounts, in order (a later target may live inside an earlier one).</summary>
    public static IReadOnlyList<(string Source, string Target, string FsType, ulong Flags, string? Data)> Mounts { get; } =
    [
        ("proc", "proc", "proc", MsNosuid | MsNodev | MsNoexec, null),
        ("sysfs", "sys", "sysfs", MsNosuid | MsNodev | MsNoexec, null),
        ("devtmpfs", "dev", "devtmpfs", MsNosuid, "mode=0755"),
        ("devpts", "dev/pts", "devpts", MsNosuid | MsNoexec, "newinstance,ptmxmode=0666,mode=0620"),
        ("shm", "dev/shm", "tmpfs", MsNosuid | MsNodev, "mode=1777"),
        ("tmpfs", "run", "tmpfs", MsNosuid | MsNodev, "mode=0755"),
        ("tmpfs", "tmp", "tmpfs", MsNosuid | MsNodev, "mode=1777"),
        ("cgroup2", "sys/fs/cgroup", "cgroup2", MsNosuid | MsNodev | MsNoexec | MsRelatime, "nsdelegate"),
    ];

    /// <summary>Mounts <see cref="Mounts"/> under <paramref name="root"/> ("/" in the guest; a scratch directory in tests).</summary>
    public static void MountPseudoFilesystems(string root, ILogger log)
    {
        foreach (var (source, target, fsType, flags, data) in Mounts)
        {
            string path = Path.Combine(root, target);
            Directory.CreateDirectory(path);
            if (IsMountPoint(path))
            {
                log.Debug("{Target} is already mounted", path);
                continue;
            }
            if (AgentLibc.Mount(source, path, fsType, flags, data) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"mount -t {fsType} {source} {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
            }
            log.Debug("mounted {FsType} on {Target}", fsType, path);
        }
    }

    /// <summary>True when <paramref name="path"/> is a mount point (its device differs from its parent's, or it is "/").</summary>
    public static bool IsMountPoint(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd('/');
        if (full.Length == 0)
        {
            return true;
        }
        if (!File.Exists("/proc/self/mountinfo"))
        {
            // Before /proc is mounted (the first thing init does) nothing but the initramfs root is mounted.
            return false;
        }
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            // mountinfo(5): "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw"; field 5 is the mount point.
            string[] fields = line.Split(' ');
            if (fields.Length > 4 && UnescapeMountinfo(fields[4]) == full)
            {
                return true;
            }
        }
        return false;
    }

    private static string UnescapeMountinfo(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
             .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);

    /// <summary>Flushes the filesystems and powers the VM off (reboot(2) LINUX_REBOOT_CMD_POWER_OFF); the VMM sees the guest end.</summary>
    public static void PowerOff(ILogger log)
    {
        log.Information("powering off");
        AgentLibc.Sync();
        if (AgentLibc.Reboot(AgentLibc.RebootPowerOff) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            log.Error("reboot(POWER_OFF) failed: {Error} (errno {Errno})", Marshal.GetPInvokeErrorMessage(errno), errno);
        }
    }
}
