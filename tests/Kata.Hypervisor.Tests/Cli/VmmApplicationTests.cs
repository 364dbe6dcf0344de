using System.Runtime.InteropServices;
using Kata.Hypervisor.Api;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Tests.Api;
using Kata.Hypervisor.Vmm;
using Kata.Vmm;
using Serilog.Core;

namespace Kata.Hypervisor.Tests.Cli;

/// <summary>The executable's behaviour short of booting a VM: exit codes and messages, signals, error classes.</summary>
public sealed class VmmApplicationTests : IDisposable
{
    private readonly CliTempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task UsageError_ExitCode2_MessageOnStderr_NothingOnStdout()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VmmApplication.RunAsync(["--kernel", _files.Kernel, "--vcpus", "0"], stdout, stderr);
        Assert.Equal(2, code);
        Assert.Equal("", stdout.ToString());
        Assert.StartsWith("kata-style-vmm: --vcpus: 0 is out of range (1..254)", stderr.ToString());
        Assert.Contains("--help", stderr.ToString());
    }

    [Fact]
    public async Task MissingKernel_ExitCode2()
    {
        var stderr = new StringWriter();
        int code = await VmmApplication.RunAsync(["--kernel", "/nonexistent/vmlinux"], TextWriter.Null, stderr);
        Assert.Equal(2, code);
        Assert.Contains("--kernel: /nonexistent/vmlinux does not exist", stderr.ToString());
    }

    [Fact]
    public async Task Help_ExitCode0_ListsEveryFlagOnStdout()
    {
        var stdout = new StringWriter();
        int code = await VmmApplication.RunAsync(["--help"], stdout, TextWriter.Null);
        Assert.Equal(0, code);
        foreach (string flag in new[] { "--kernel", "--initrd", "--cmdline", "--vcpus", "--memory-mib", "--serial", "--api-socket", "--elf-boot", "--config", "--log-level" })
        {
            Assert.Contains(flag, stdout.ToString());
        }
    }

    [Fact]
    public async Task Signals_FirstIsGraceful_SecondForces()
    {
        var vm = new FakeVmControl { CompleteShutdownImmediately = false };
        using SignalShutdown signals = SignalShutdown.ForTesting(vm, Logger.None);
        Assert.Equal(TimeSpan.FromSeconds(5), signals.Handle(PosixSignal.SIGTERM));
        Assert.Equal(TimeSpan.Zero, signals.Handle(PosixSignal.SIGINT));
        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.Zero], vm.ShutdownGraces.ToArray());
        vm.End(new VmExitStatus(VmExitKind.HostShutdown, "signal"));
        VmExitStatus status = await signals.Shutdown!;
        Assert.Equal(0, status.ExitCode);
    }

    [Fact]
    public void KnownErrors_AreTheHypervisorsAndHostIo()
    {
        Assert.True(VmmRunner.IsKnown(new VmConfigException("kernel: bad")));
        Assert.True(VmmRunner.IsKnown(new KvmUnavailableException("no /dev/kvm")));
        Assert.True(VmmRunner.IsKnown(new ControlApiException("api-socket: in use")));
        Assert.True(VmmRunner.IsKnown(new IOException("disk full")));
        Assert.False(VmmRunner.IsKnown(new NullReferenceException()));
        Assert.Equal("a b", VmmRunner.OneLine("a\nb\n"));
    }

    [Theory]
    [InlineData(VmExitKind.GuestShutdown, 0)]
    [InlineData(VmExitKind.HostShutdown, 0)]
    [InlineData(VmExitKind.TripleFault, 1)]
    [InlineData(VmExitKind.Error, 1)]
    public void ExitCodes_FollowTheVmExitKind(VmExitKind kind, int expected)
    {
        Assert.Equal(expected, new VmExitStatus(kind, "x").ExitCode);
        Assert.Equal(expected == 0 ? ExitCodes.Success : ExitCodes.Failure, new VmExitStatus(kind, "x").ExitCode);
    }
}
