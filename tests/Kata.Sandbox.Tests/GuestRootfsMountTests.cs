using Kata.Agent.Containers;
using Kata.Agent.Protocol;
using Kata.Sandbox.GuestRootfs;
using Kata.Sandbox.RootfsImages;
using Kata.Sandbox.Tests.Infrastructure;
using Serilog;

namespace Kata.Sandbox.Tests;

/// <summary>
/// The storages the host sends for a `vm` container, mounted by the agent's own <see cref="StorageMounter"/> on this
/// host, with the image on a loop device standing in for the virtio-blk disk (found by its serial in a sysfs-like
/// directory): the same mount sequence the guest runs, short of the VM.
/// </summary>
public class GuestRootfsMountTests
{
    private static readonly ILogger Log = new LoggerConfiguration().CreateLogger();

    [Fact]
    public void TheStorages_MountTheImageReadOnly_UnderAWritableOverlay()
    {
        if (!HostCommand.IsRoot || !File.Exists("/usr/sbin/mkfs.erofs") && !File.Exists("/usr/bin/mkfs.erofs"))
        {
            Assert.Skip("needs root (loop devices, mounts) and mkfs.erofs (`make deps`)");
        }
        using var scratch = new ScratchDirectory();
        var source = new SampleRootfs(Path.Combine(scratch.Path, "rootfs"));
        RootfsImage image = new RootfsImageBuilder(Path.Combine(scratch.Path, "cache"), RootfsImageFormat.Erofs, Log).Build(source.Path);
        string containerId = "mnttest-" + Guid.NewGuid().ToString("N")[..8];
        IReadOnlyList<Storage> storages = GuestRootfsLayout.Storages(containerId, image);
        string loop = HostCommand.Run("losetup", "--find", "--show", "--read-only", image.Path);
        // The guest sees the disk as /dev/vdX with /sys/block/vdX/serial; here a node of that kind of name for the loop device.
        string diskName = "vdkatatest" + Guid.NewGuid().ToString("N")[..6];
        string sysBlock = Path.Combine(scratch.Path, "sys-block");
        Directory.CreateDirectory(Path.Combine(sysBlock, diskName));
        File.WriteAllText(Path.Combine(sysBlock, diskName, "serial"), GuestRootfsLayout.DiskSerial(containerId) + "\n");
        string[] numbers = HostCommand.Run("stat", "-c", "%t %T", loop).Split(' ');
        HostCommand.Run("mknod", "/dev/" + diskName, "b", Convert.ToInt32(numbers[0], 16).ToString(System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt32(numbers[1], 16).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var mounted = new List<string>();
        try
        {
            foreach (Storage storage in storages)
            {
                StorageMounter.Mount(storage, sysBlock);
                mounted.Add(storage.MountPoint);
            }

            string rootfs = GuestRootfsLayout.RootfsDirectory(containerId);
            Assert.Equal("sample\n", File.ReadAllText(Path.Combine(rootfs, "etc/hostname")));
            Assert.True(File.Exists(Path.Combine(rootfs, "bin/busybox")));
            // The container can write (into the tmpfs upper layer); the image stays as it was.
            File.WriteAllText(Path.Combine(rootfs, "etc/hostname"), "changed\n");
            Assert.Equal("changed\n", File.ReadAllText(Path.Combine(rootfs, "etc/hostname")));
            Assert.Equal("changed\n", File.ReadAllText(Path.Combine(GuestRootfsLayout.UpperMount(containerId), "upper/etc/hostname")));
            Assert.Equal("sample\n", File.ReadAllText(Path.Combine(GuestRootfsLayout.LowerDirectory(containerId), "etc/hostname")));
            Assert.Throws<IOException>(() => File.WriteAllText(Path.Combine(GuestRootfsLayout.LowerDirectory(containerId), "etc/new"), "x"));
            string mounts = File.ReadAllText("/proc/self/mountinfo");
            Assert.Contains($" {GuestRootfsLayout.LowerDirectory(containerId)} ro,", mounts, StringComparison.Ordinal);
        }
        finally
        {
            foreach (string mountPoint in Enumerable.Reverse(mounted))
            {
                StorageMounter.Unmount(mountPoint);
            }
            HostCommand.TryRun("losetup", "-d", loop);
            File.Delete("/dev/" + diskName);
            HostCommand.TryRun("rm", "-rf", GuestRootfsLayout.ContainerDirectory(containerId));
        }
    }
}
