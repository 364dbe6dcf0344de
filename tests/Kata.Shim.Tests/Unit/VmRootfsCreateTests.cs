using Google.Protobuf;
using Kata.Sandbox;
using Kata.Sandbox.Configuration;
using Kata.Sandbox.RootfsImages;
using Kata.Shim.Events;
using Kata.Shim.Pod;
using Kata.Shim.Protos.Task;
using Kata.Shim.Service;
using Kata.Shim.Tests.Infrastructure;
using Serilog;

namespace Kata.Shim.Tests.Unit;

/// <summary>
/// The shim's Create for a `vm` pod up to the sandbox start: the container's rootfs (the bundle's, or containerd's
/// overlay mounts) becomes a cached read-only image handed to the sandbox as a disk; host bind mounts are refused.
/// </summary>
[Collection(nameof(UnstartableSandbox))]
public sealed class VmRootfsCreateTests : IDisposable
{
    private readonly TempDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private sealed class NoEvents : IEventSink
    {
        public void Publish(IMessage taskEvent)
        {
        }
    }

    private KataConfiguration Configuration => new()
    {
        Sandbox = SandboxKind.Vm,
        StateDirectory = _scratch.File("state"),
        ImageCacheDirectory = _scratch.File("images"),
        RootfsFormat = RootfsImageFormat.Erofs,
    };

    private TaskService Service()
    {
        ILogger log = new LoggerConfiguration().CreateLogger();
        return new TaskService("default", new NoEvents(), new PodSandbox(UnstartableSandbox.Create, log), _ => Configuration, log);
    }

    private string Bundle(string name, string mounts = "")
    {
        string bundle = Directory.CreateDirectory(_scratch.File(name)).FullName;
        string bin = Directory.CreateDirectory(Path.Combine(bundle, "rootfs", "bin")).FullName;
        File.Copy("/bin/busybox", Path.Combine(bin, "busybox"));
        File.CreateSymbolicLink(Path.Combine(bin, "echo"), "busybox");
        File.WriteAllText(Path.Combine(bundle, "config.json"),
            $$"""{"ociVersion":"1.2.0","process":{"args":["echo","hi"],"cwd":"/"},"root":{"path":"rootfs"},"mounts":[{"destination":"/proc","type":"proc","source":"proc"}{{mounts}}]}""");
        return bundle;
    }

    private static void RequireImageTools()
    {
        if (Environment.UserName != "root" || !File.Exists("/bin/busybox") || !File.Exists("/usr/sbin/mkfs.erofs") && !File.Exists("/usr/bin/mkfs.erofs"))
        {
            Assert.Skip("needs root, /bin/busybox and mkfs.erofs (`make deps`)");
        }
    }

    private static SandboxOptions LastStarted(string id)
    {
        lock (UnstartableSandbox.Started)
        {
            return UnstartableSandbox.Started.Last(options => options.Id == id);
        }
    }

    [Fact]
    public async Task TheBundlesRootfs_IsAttachedToTheVmAsAReadOnlyImageDisk()
    {
        RequireImageTools();
        string bundle = Bundle("vm1");

        var error = await Assert.ThrowsAsync<SandboxStartException>(() =>
            Service().CreateAsync(new CreateTaskRequest { Id = "vm1", Bundle = bundle }, TestContext.Current.CancellationToken));

        Assert.Contains("had 1 disk(s)", error.Message, StringComparison.Ordinal);
        SandboxDisk disk = Assert.Single(LastStarted("vm1").Disks);
        Assert.Equal(("rootfs-vm1", true), (disk.Serial, disk.ReadOnly));
        Assert.Equal(_scratch.File("images"), Path.GetDirectoryName(disk.Path));
        Assert.True(File.Exists(disk.Path));
    }

    [Fact]
    public async Task ContainerdsOverlayMounts_AreImagedAndUnmountedAgain()
    {
        RequireImageTools();
        string bundle = Bundle("vm2");
        // The snapshot as containerd sends it: the bundle's rootfs as the lower layer, a fresh upper and work dir.
        string lower = _scratch.File("layer");
        Directory.Move(Path.Combine(bundle, "rootfs"), lower);
        Directory.CreateDirectory(Path.Combine(bundle, "rootfs"));
        string upper = Directory.CreateDirectory(_scratch.File("upper")).FullName;
        string work = Directory.CreateDirectory(_scratch.File("work")).FullName;
        var request = new CreateTaskRequest { Id = "vm2", Bundle = bundle };
        request.Rootfs.Add(new Protos.Types.Mount { Type = "overlay", Source = "overlay", Options = { $"workdir={work}", $"upperdir={upper}", $"lowerdir={lower}" } });

        await Assert.ThrowsAsync<SandboxStartException>(() => Service().CreateAsync(request, TestContext.Current.CancellationToken));

        SandboxDisk disk = Assert.Single(LastStarted("vm2").Disks);
        Assert.True(File.Exists(disk.Path));
        Assert.DoesNotContain($" {Path.Combine(bundle, "rootfs")} ", File.ReadAllText("/proc/self/mountinfo"), StringComparison.Ordinal);
        // Mounted read-only: nothing was written into containerd's upper layer.
        Assert.Empty(Directory.GetFileSystemEntries(upper));
    }

    [Fact]
    public async Task AHostBindMount_IsRefusedNamingItsDestination_AndNoSandboxStarts()
    {
        string bundle = Bundle("vm3", """,{"destination":"/data","type":"bind","source":"/srv","options":["rbind"]}""");

        var error = await Assert.ThrowsAsync<NotSupportedException>(() =>
            Service().CreateAsync(new CreateTaskRequest { Id = "vm3", Bundle = bundle }, TestContext.Current.CancellationToken));

        Assert.StartsWith("container vm3: mount /data is a bind mount of the host's /srv", error.Message, StringComparison.Ordinal);
        lock (UnstartableSandbox.Started)
        {
            Assert.DoesNotContain(UnstartableSandbox.Started, options => options.Id == "vm3");
        }
        Assert.False(Directory.Exists(_scratch.File("images")));
    }
}
