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
}
