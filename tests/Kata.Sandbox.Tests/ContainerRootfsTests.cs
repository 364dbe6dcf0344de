using System.Text;
using System.Text.Json.Nodes;
using Kata.Agent.Protocol;
using Kata.Sandbox.GuestRootfs;
using Kata.Sandbox.RootfsImages;
using Kata.Sandbox.Tests.Infrastructure;
using Serilog;

namespace Kata.Sandbox.Tests;

/// <summary>How a container's rootfs reaches the agent for each sandbox kind: the disk, the storages, root.path, and the refusals.</summary>
public class ContainerRootfsTests
{
    private static readonly ILogger Log = new LoggerConfiguration().CreateLogger();

    private static readonly RootfsImage SomeImage = new("/var/lib/kata-style/images/abc.erofs", "abc", RootfsImageFormat.Erofs, 4096, CacheHit: false);

    /// <summary>A config.json like ctr's: the guest-made mounts, an annotation, and a member the model may not know.</summary>
    private static byte[] Spec(params string[] extraMounts) => Encoding.UTF8.GetBytes($$"""
        {
          "ociVersion": "1.1.0",
          "process": { "args": ["echo", "hi"], "cwd": "/" },
          "root": { "path": "rootfs", "readonly": false },
          "annotations": { "io.kubernetes.cri.sandbox-id": "pod1" },
          "x-unknown-member": [1, 2, 3],
          "mounts": [
            { "destination": "/proc", "type": "proc", "source": "proc" },
            { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
            { "destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance"] },
            { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue" },
            { "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"] },
            { "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro"] }
            {{string.Concat(extraMounts.Select(m => "," + m))}}
          ]
        }
        """);

    private static RootfsImageBuilder NeverBuilds() => throw new InvalidOperationException("no image may be built for this container");

    [Fact]
    public void TheGuestStorages_AreTheDiskBySerial_ATmpfs_AndAnOverlayOfThem()
    {
        IReadOnlyList<Storage> storages = GuestRootfsLayout.Storages("c1", SomeImage);

        Assert.Equal(3, storages.Count);
        Assert.Equal(new Storage { Driver = "blk", Source = "rootfs-c1", Fstype = "erofs", MountPoint = "/run/kata-style/containers/c1/lower", Options = { "ro" } }, storages[0]);
        Assert.Equal(new Storage { Driver = "tmpfs", Source = "tmpfs", Fstype = "tmpfs", MountPoint = "/run/kata-style/containers/c1/upper", Options = { "mode=0755" } }, storages[1]);
        Assert.Equal(new Storage
        {
            Driver = "overlay", Source = "overlay", Fstype = "overlay", MountPoint = "/run/kata-style/containers/c1/rootfs",
            Options =
            {
                "lowerdir=/run/kata-style/containers/c1/lower",
                "upperdir=/run/kata-style/containers/c1/upper/upper",
                "workdir=/run/kata-style/containers/c1/upper/work",
            },
        }, storages[2]);
    }

    [Theory]
    [InlineData("c1", "rootfs-c1")]
    [InlineData("0123456789abc", "rootfs-0123456789abc")]
    [InlineData("0123456789abcdef0123456789abcdef", "rootfs-0123456789abc")]
    public void TheDiskSerial_IsRootfsDashId_CutToTwentyBytes(string id, string serial)
    {
        Assert.Equal(serial, GuestRootfsLayout.DiskSerial(id));
        SandboxDisk disk = GuestRootfsLayout.Disk(id, SomeImage);
        Assert.Equal($"/var/lib/kata-style/images/abc.erofs,ro,serial={serial}", disk.VmmArgument);
    }

    [Theory]
    [InlineData("relative.img", "s")]
    [InlineData("/a,b.img", "s")]
    [InlineData("/a.img", "")]
    [InlineData("/a.img", "with space")]
    [InlineData("/a.img", "rootfs-0123456789abcdef")]
    [InlineData("/a.img", "a,b")]
    public void ADiskWithABadPathOrSerial_IsRefused(string path, string serial)
    {
        Assert.Throws<ArgumentException>(() => new SandboxDisk(path, serial, readOnly: true));
    }

    [Fact]
    public void TheProcessSandbox_UsesTheHostDirectory_WithNoDisksOrStorages()
    {
        var rootfs = ContainerRootfs.ForNewSandbox(SandboxKind.Process, "c1", Spec(), "/bundles/c1/rootfs", NeverBuilds, Log);

        Assert.Empty(rootfs.Disks);
        Assert.Empty(rootfs.Storages);
        Assert.Null(rootfs.Image);
        JsonNode spec = JsonNode.Parse(rootfs.SpecJson)!;
        Assert.Equal("/bundles/c1/rootfs", (string?)spec["root"]!["path"]);
    }

    [Fact]
    public void TheVmSandbox_BuildsTheImage_AttachesIt_AndPointsRootPathAtTheOverlay()
    {
        if (!HostCommand.IsRoot || !File.Exists("/usr/sbin/mkfs.erofs") && !File.Exists("/usr/bin/mkfs.erofs"))
        {
            Assert.Skip("needs root and mkfs.erofs (`make deps`)");
        }
        using var scratch = new ScratchDirectory();
        var source = new SampleRootfs(Path.Combine(scratch.Path, "rootfs"));
        var builder = new RootfsImageBuilder(Path.Combine(scratch.Path, "cache"), RootfsImageFormat.Erofs, Log);

        var rootfs = ContainerRootfs.ForNewSandbox(SandboxKind.Vm, "c1", Spec(), source.Path, () => builder, Log);

        RootfsImage image = Assert.IsType<RootfsImage>(rootfs.Image);
        Assert.True(File.Exists(image.Path));
        SandboxDisk disk = Assert.Single(rootfs.Disks);
        Assert.Equal((image.Path, "rootfs-c1", true), (disk.Path, disk.Serial, disk.ReadOnly));
        Assert.Equal(GuestRootfsLayout.Storages("c1", image), rootfs.Storages);
        JsonObject spec = (JsonObject)JsonNode.Parse(rootfs.SpecJson)!;
        Assert.Equal("/run/kata-style/containers/c1/rootfs", (string?)spec["root"]!["path"]);
        // Everything else is passed on as it was, members the OCI model may not know included.
        JsonObject original = (JsonObject)JsonNode.Parse(Spec())!;
        original["root"]!["path"] = "/run/kata-style/containers/c1/rootfs";
        Assert.True(JsonNode.DeepEquals(original, spec), spec.ToJsonString());

        var request = new CreateContainerRequest { ContainerId = "c1" };
        rootfs.ApplyTo(request);
        Assert.Equal(rootfs.Storages, request.Storages);
        Assert.Equal(rootfs.SpecJson.ToArray(), request.OciSpecJson.ToByteArray());
    }

    [Theory]
    [InlineData("""{ "destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "rw"] }""", "/data", "bind mount of the host's /srv/data")]
    [InlineData("""{ "destination": "/etc/hosts", "type": "none", "source": "/var/lib/pods/hosts", "options": ["bind", "ro"] }""", "/etc/hosts", "bind mount of the host's /var/lib/pods/hosts")]
    [InlineData("""{ "destination": "/etc/resolv.conf", "source": "/etc/resolv.conf", "options": ["rbind"] }""", "/etc/resolv.conf", "bind mount")]
    [InlineData("""{ "destination": "/mnt/disk", "type": "ext4", "source": "/dev/sdb1" }""", "/mnt/disk", "of type \"ext4\" (source /dev/sdb1)")]
    public void AHostMount_IsRefusedNamingItsDestination_BeforeAnyImageIsBuilt(string mount, string destination, string reason)
    {
        var error = Assert.Throws<NotSupportedException>(() =>
            ContainerRootfs.ForNewSandbox(SandboxKind.Vm, "c1", Spec(mount), "/bundles/c1/rootfs", NeverBuilds, Log));

        Assert.StartsWith($"container c1: mount {destination} ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheProcessSandbox_KeepsBindMounts()
    {
        var rootfs = ContainerRootfs.ForNewSandbox(SandboxKind.Process, "c1",
            Spec("""{ "destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind"] }"""), "/r", NeverBuilds, Log);
        Assert.Contains("/srv/data", Encoding.UTF8.GetString(rootfs.SpecJson), StringComparison.Ordinal);
    }

    [Fact]
    public void AContainerAddedToARunningVm_IsRefusedNamingItAndTheReason()
    {
        var running = new VmSandbox(new SandboxOptions { Id = "pod1", StateDirectory = "/nonexistent/pod1" }, Log);

        var error = Assert.Throws<NotSupportedException>(() => ContainerRootfs.ForRunningSandbox(running, "c2", Spec(), "/bundles/c2/rootfs"));

        Assert.Equal("container c2: cannot be added to the running vm sandbox pod1: its rootfs needs a new virtio-blk disk and kata-style-vmm cannot hotplug disks yet (only a pod's first container runs in a VM)",
            error.Message);
    }

    [Fact]
    public void AContainerAddedToARunningProcessSandbox_UsesItsHostDirectory()
    {
        var running = new ProcessSandbox(new SandboxOptions { Id = "pod1", StateDirectory = "/nonexistent/pod1", Kind = SandboxKind.Process }, Log);

        var rootfs = ContainerRootfs.ForRunningSandbox(running, "c2", Spec(), "/bundles/c2/rootfs");

        Assert.Empty(rootfs.Storages);
        Assert.Equal("/bundles/c2/rootfs", (string?)JsonNode.Parse(rootfs.SpecJson)!["root"]!["path"]);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    public void AMalformedSpec_IsAFormatErrorNamingTheContainer(string json)
    {
        var error = Assert.Throws<FormatException>(() =>
            ContainerRootfs.ForNewSandbox(SandboxKind.Vm, "c9", Encoding.UTF8.GetBytes(json), "/r", NeverBuilds, Log));
        Assert.StartsWith("container c9: config.json ", error.Message, StringComparison.Ordinal);
    }
}
