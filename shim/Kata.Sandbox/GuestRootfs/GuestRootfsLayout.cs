using Kata.Agent.Protocol;
using Kata.Sandbox.RootfsImages;

namespace Kata.Sandbox.GuestRootfs;

/// <summary>
/// Where a container's rootfs lives inside the VM, and the <see cref="Storage"/> list that makes the agent build it
/// (mounted in order, unmounted in reverse when the container is removed):
/// the read-only image disk at <c>…/&lt;id&gt;/lower</c>, a tmpfs at <c>…/&lt;id&gt;/upper</c>, and an overlay of the two
/// (upperdir and workdir on the one tmpfs, as overlayfs requires) at <c>…/&lt;id&gt;/rootfs</c>, which becomes
/// root.path: the container can write, and its writes vanish with it, as with runc on a fresh snapshot.
/// </summary>
public static class GuestRootfsLayout
{
    /// <summary>The agent's directory for container filesystems inside the guest.</summary>
    public const string ContainersDirectory = "/run/kata-style/containers";

    public static string ContainerDirectory(string containerId) => $"{ContainersDirectory}/{containerId}";
    public static string LowerDirectory(string containerId) => ContainerDirectory(containerId) + "/lower";
    public static string UpperMount(string containerId) => ContainerDirectory(containerId) + "/upper";
    public static string RootfsDirectory(string containerId) => ContainerDirectory(containerId) + "/rootfs";

    /// <summary>
    /// "rootfs-&lt;id&gt;" cut to the 20 bytes of a virtio-blk serial (VIRTIO_BLK_ID_BYTES). Unique within a VM as long as
    /// the container ids differ in their first 13 characters (containerd's ids are random 64-hex-digit strings).
    /// </summary>
    public static string DiskSerial(string containerId)
    {
        string serial = "rootfs-" + containerId;
        return serial.Length <= SandboxDisk.MaxSerialBytes ? serial : serial[..SandboxDisk.MaxSerialBytes];
    }

    public static SandboxDisk Disk(string containerId, RootfsImage image) => new(image.Path, DiskSerial(containerId), readOnly: true);

    public static IReadOnlyList<Storage> Storages(string containerId, RootfsImage image)
    {
        string upper = UpperMount(containerId);
        var disk = new Storage
        {
            Driver = "blk",
            Source = DiskSerial(containerId),
            Fstype = image.FilesystemType,
            MountPoint = LowerDirectory(containerId),
        };
        disk.Options.Add("ro");
        var scratch = new Storage { Driver = "tmpfs", Source = "tmpfs", Fstype = "tmpfs", MountPoint = upper };
        scratch.Options.Add("mode=0755");
        var overlay = new Storage { Driver = "overlay", Source = "overlay", Fstype = "overlay", MountPoint = RootfsDirectory(containerId) };
        overlay.Options.Add($"lowerdir={LowerDirectory(containerId)}");
        overlay.Options.Add($"upperdir={upper}/upper");
        overlay.Options.Add($"workdir={upper}/work");
        return [disk, scratch, overlay];
    }
}
