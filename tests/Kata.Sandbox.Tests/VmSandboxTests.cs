using Kata.Sandbox.Tests.Infrastructure;
using Serilog;

namespace Kata.Sandbox.Tests;

/// <summary>
/// The `vm` sandbox's error paths with the real VMM. (The full boot to the agent needs hardware KVM or a PVM guest
/// kernel: `make e2e-vm` runs it where the host can.)
/// </summary>
public class VmSandboxTests
{
    private static readonly ILogger Log = new LoggerConfiguration().CreateLogger();

    private static SandboxOptions Options(ScratchDirectory scratch, string kernel, string initrd) => new()
    {
        Id = "vmpod",
        StateDirectory = Path.Combine(scratch.Path, "vmpod"),
        Kind = SandboxKind.Vm,
        Vmm = Executables.Vmm,
        KernelPath = kernel,
        InitrdPath = initrd,
        MemoryMib = 128,
        AgentTimeout = TimeSpan.FromSeconds(60),
    };

    [Fact]
    public async Task MissingKernel_IsAClearErrorAndStartsNothing()
    {
        using var scratch = new ScratchDirectory();
        string initrd = Path.Combine(scratch.Path, "initrd");
        File.WriteAllBytes(initrd, [0]);
        await using var sandbox = new VmSandbox(Options(scratch, "/nonexistent/vmlinux", initrd), Log);

        var error = await Assert.ThrowsAsync<SandboxStartException>(() => sandbox.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("guest kernel /nonexistent/vmlinux does not exist", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(scratch.Path, "vmpod")));
    }

    [Fact]
    public async Task VmmThatExitsAtOnce_IsAClearErrorQuotingTheVmm()
    {
        using var scratch = new ScratchDirectory();
        string notAKernel = Path.Combine(scratch.Path, "vmlinux");
        File.WriteAllText(notAKernel, "this is not a kernel\n");
        string initrd = Path.Combine(scratch.Path, "initrd");
        File.WriteAllBytes(initrd, [0]);
        await using var sandbox = new VmSandbox(Options(scratch, notAKernel, initrd), Log);

        var error = await Assert.ThrowsAsync<SandboxStartException>(() => sandbox.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("exited before the agent answered", error.Message, StringComparison.Ordinal);
        Assert.Contains("--- VMM log", error.Message, StringComparison.Ordinal);
        Assert.Contains(notAKernel, error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code", await sandbox.Ended, StringComparison.Ordinal);
    }

    [Fact]
    public void TheVmmArguments_AttachTheRootfsDisksByPathReadOnlyAndSerial_BeforeTheOtherDevices()
    {
        using var scratch = new ScratchDirectory();
        var disk = new SandboxDisk("/var/lib/kata-style/images/abc.erofs", "rootfs-c1", readOnly: true);
        var sandbox = new VmSandbox(Options(scratch, "/k/vmlinux", "/k/initrd") with { Disks = [disk] }, Log);

        IReadOnlyList<string> arguments = sandbox.VmmArguments;

        int block = arguments.ToList().IndexOf("--block");
        Assert.True(block >= 0, string.Join(' ', arguments));
        Assert.Equal("/var/lib/kata-style/images/abc.erofs,ro,serial=rootfs-c1", arguments[block + 1]);
        Assert.Single(arguments, a => a == "--block");
        Assert.Contains("--rng", arguments);
        Assert.Equal(Path.Combine(scratch.Path, "vmpod", "vsock.sock"), arguments[arguments.ToList().IndexOf("--vsock-uds") + 1]);
    }

    [Fact]
    public async Task TheFirstContainersRootfsImage_IsHandedToTheVmmItStarts()
    {
        if (!HostCommand.IsRoot || !File.Exists("/usr/sbin/mkfs.erofs") && !File.Exists("/usr/bin/mkfs.erofs"))
        {
            Assert.Skip("needs root and mkfs.erofs (`make deps`)");
        }
        using var scratch = new ScratchDirectory();
        var source = new SampleRootfs(Path.Combine(scratch.Path, "rootfs"));
        var builder = new RootfsImages.RootfsImageBuilder(Path.Combine(scratch.Path, "cache"), RootfsImages.RootfsImageFormat.Erofs, Log);
        var rootfs = GuestRootfs.ContainerRootfs.ForNewSandbox(SandboxKind.Vm, "c1", """{"root":{"path":"rootfs"}}"""u8, source.Path, () => builder, Log);
        var (kernel, initrd) = PlaceholderGuestImage(scratch);
        var options = Options(scratch, kernel, initrd) with { Vmm = FakeVmm.Create(scratch.Path, "exit 1"), Disks = rootfs.Disks };
        await using var sandbox = new VmSandbox(options, Log);

        await Assert.ThrowsAsync<SandboxStartException>(() => sandbox.StartAsync(TestContext.Current.CancellationToken));

        string[] arguments = File.ReadAllLines(FakeVmm.ArgumentsFile(scratch.Path));
        int block = Array.IndexOf(arguments, "--block");
        Assert.True(block >= 0, string.Join(' ', arguments));
        Assert.Equal($"{rootfs.Image!.Path},ro,serial=rootfs-c1", arguments[block + 1]);
        Assert.True(File.Exists(rootfs.Image.Path));
    }

    [Fact]
    public async Task AMissingDiskImage_IsAClearErrorAndStartsNothing()
    {
        using var scratch = new ScratchDirectory();
        var (kernel, initrd) = PlaceholderGuestImage(scratch);
        string missing = Path.Combine(scratch.Path, "gone.erofs");
        var options = Options(scratch, kernel, initrd) with
        {
            Vmm = FakeVmm.Create(scratch.Path, "exit 0"),
            Disks = [new SandboxDisk(missing, "rootfs-c1", readOnly: true)],
        };
        await using var sandbox = new VmSandbox(options, Log);

        var error = await Assert.ThrowsAsync<SandboxStartException>(() => sandbox.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal($"vm sandbox vmpod: disk image {missing} (serial rootfs-c1) does not exist", error.Message);
        Assert.False(File.Exists(FakeVmm.PidFile(scratch.Path)));
    }

    [Fact]
    public async Task AVmmThatExitsAtOnce_IsAClearErrorQuotingItsLogAndTheConsole_WellWithinTheTimeout()
    {
        using var scratch = new ScratchDirectory();
        var (kernel, initrd) = PlaceholderGuestImage(scratch);
        var options = Options(scratch, kernel, initrd) with
        {
            Vmm = FakeVmm.Create(scratch.Path, "echo 'fake-vmm: /dev/kvm: permission denied' >&2; exit 3"),
            AgentTimeout = TimeSpan.FromMinutes(10),
        };
        await using var sandbox = new VmSandbox(options, Log);

        // The wait must end because the VMM ended, long before the 10-minute agent timeout.
        var error = await Assert.ThrowsAsync<SandboxStartException>(
            () => sandbox.StartAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken));

        Assert.StartsWith("vm sandbox vmpod: it exited before the agent answered", error.Message, StringComparison.Ordinal);
        Assert.Contains("fake-vmm: /dev/kvm: permission denied", error.Message, StringComparison.Ordinal);
        Assert.Contains("--- guest console", error.Message, StringComparison.Ordinal);
        Assert.Contains("Linux version 6.12.0-fake", error.Message, StringComparison.Ordinal);
        Assert.Equal("the VMM (pid " + FakeVmm.Pid(scratch.Path) + ") exited with code 3", await sandbox.Ended);
    }

    [Fact]
    public async Task AVmmWhoseAgentNeverAnswers_TimesOutQuotingTheConsole_AndTheVmmIsGone()
    {
        using var scratch = new ScratchDirectory();
        var (kernel, initrd) = PlaceholderGuestImage(scratch);
        // Alive, but nobody listens on the vsock socket: exactly what a guest that never starts its agent looks like.
        var options = Options(scratch, kernel, initrd) with
        {
            Vmm = FakeVmm.Create(scratch.Path, "echo 'fake-vmm: guest running'; exec sleep 600"),
            AgentTimeout = TimeSpan.FromSeconds(2),
        };
        await using var sandbox = new VmSandbox(options, Log);

        var error = await Assert.ThrowsAsync<SandboxStartException>(() => sandbox.StartAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith("vm sandbox vmpod: the agent did not answer its health check within 2 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("fake-vmm: guest running", error.Message, StringComparison.Ordinal);
        Assert.Contains("Linux version 6.12.0-fake", error.Message, StringComparison.Ordinal);
        int pid = FakeVmm.Pid(scratch.Path);
        Assert.False(FakeVmm.IsRunning(pid), $"the fake VMM (pid {pid}) is still running");
        Assert.Contains("exited with code", await sandbox.Ended.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuestWhoseAgentNeverAnswers_TimesOutWithTheConsoleLog_AndTheVmmIsStopped()
    {
        string kernel = Path.Combine(Executables.GuestDirectory, "vmlinux");
        if (!File.Exists(kernel))
        {
            Assert.Skip($"no guest kernel at {kernel} (make guest-kernel)");
        }
        if (!File.Exists("/dev/kvm"))
        {
            Assert.Skip("no /dev/kvm on this host");
        }
        using var scratch = new ScratchDirectory();
        // An initramfs with no agent in it: whatever the host, nothing answers on vsock port 1024.
        string initrd = Path.Combine(scratch.Path, "empty.cpio");
        File.WriteAllBytes(initrd, new byte[512]);
        // earlyprintk: on a PVM host the kernel stalls before the 8250 driver takes over the console.
        var options = Options(scratch, kernel, initrd) with { AgentTimeout = TimeSpan.FromSeconds(20), KernelParams = "earlyprintk=serial" };
        await using var sandbox = new VmSandbox(options, Log);

        var error = await Assert.ThrowsAsync<SandboxStartException>(() => sandbox.StartAsync(TestContext.Current.CancellationToken));

        // Either the wait runs out, or (on a PVM host) the guest kernel stops at an instruction PVM cannot emulate and
        // the VMM ends first: both are "the agent never answered", reported with the console.
        Assert.True(error.Message.Contains("did not answer its health check within 20 s", StringComparison.Ordinal)
            || error.Message.Contains("exited before the agent answered", StringComparison.Ordinal), error.Message);
        Assert.Contains("--- guest console", error.Message, StringComparison.Ordinal);
        Assert.Contains("Linux version", File.ReadAllText(sandbox.ConsolePath), StringComparison.Ordinal);
        Assert.Contains("exited with code", await sandbox.Ended.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    /// <summary>A kernel and initrd that exist (the fake VMMs never read them).</summary>
    private static (string Kernel, string Initrd) PlaceholderGuestImage(ScratchDirectory scratch)
    {
        string kernel = Path.Combine(scratch.Path, "vmlinux");
        string initrd = Path.Combine(scratch.Path, "initrd");
        File.WriteAllBytes(kernel, [0]);
        File.WriteAllBytes(initrd, [0]);
        return (kernel, initrd);
    }
}
