using System.Text;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Devices.Legacy;
using Kata.Hypervisor.Tests.Infrastructure;
using Kata.Hypervisor.Vmm;
using Serilog;
using static Iced.Intel.AssemblerRegisters;

namespace Kata.Hypervisor.Tests.Guests;

/// <summary>
/// Tiny guests booted by the product <see cref="MicroVm"/> (in-kernel irqchip and PIT, the legacy devices on its
/// buses, its vCPU threads), through a test <see cref="IGuestBoot"/>. Every wait is bounded; disposing the VM ends it.
/// </summary>
public sealed class MicroVmGuestTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory = Directory.CreateTempSubdirectory("kata-guests-").FullName;
    private readonly ILogger _logger;
    private readonly TestLogSink _log;

    public MicroVmGuestTests()
    {
        _logger = TestLogSink.CreateLogger(out _log);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task HelloThroughThe8250_ThenI8042Reset_IsACleanGuestShutdown()
    {
        string serialPath = Path.Combine(_directory, "serial.log");
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, a =>
        {
            TinyGuestPrograms.EmitPrint(a, "hello\n");
            TinyGuestPrograms.EmitI8042Reset(a);
        }), serialPath);

        vm.Start();
        VmExitStatus status = await WaitForExit(vm);
        long serialBytes = vm.GetMetrics().SerialBytesOut;
        vm.Dispose();

        Assert.Equal(VmExitKind.GuestShutdown, status.Kind);
        Assert.Equal(0, status.ExitCode);
        Assert.Null(status.RegisterDump);
        Assert.Equal(6, serialBytes);
        Assert.Equal("hello\n", File.ReadAllText(serialPath));
        Assert.Equal(VmState.Stopped, vm.State);
    }

    [Fact]
    public async Task OutputWrittenJustBeforeTheReset_ReachesTheSerialFile()
    {
        // No newline: the serial writer holds a partial line back briefly; ending the VM must still flush it.
        string serialPath = Path.Combine(_directory, "serial.log");
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, a =>
        {
            TinyGuestPrograms.EmitPrint(a, "login: ");
            TinyGuestPrograms.EmitI8042Reset(a);
        }), serialPath);

        vm.Start();
        VmExitStatus status = await WaitForExit(vm);
        vm.Dispose();

        Assert.Equal(VmExitKind.GuestShutdown, status.Kind);
        Assert.Equal("login: ", File.ReadAllText(serialPath));
    }

    [Fact]
    public async Task TripleFault_EndsTheVmWithTripleFault_ExitCode1_AndARegisterDump()
    {
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, a =>
        {
            a.mov(rax, 0x1122_3344_5566_7788UL);
            a.ud2();
        }, emptyIdt: true));

        vm.Start();
        VmExitStatus status = await WaitForExit(vm);

        Assert.Equal(VmExitKind.TripleFault, status.Kind);
        Assert.Equal(1, status.ExitCode);
        Assert.NotNull(status.RegisterDump);
        Assert.Contains("RIP", status.RegisterDump, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("1122334455667788", status.RegisterDump.Replace("_", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1L, vm.GetMetrics().ExitsByKind.GetValueOrDefault("Shutdown"));
    }

    [Fact]
    public async Task GarbageToEveryPort_ThenReset_TheDevicesSurviveAndTheVmExitsCleanly()
    {
        string serialPath = Path.Combine(_directory, "serial.log");
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Real, a =>
        {
            a.cli();
            TinyGuestPrograms.EmitByteFlood(a);
            TinyGuestPrograms.EmitWideFlood(a, dwords: false);
            TinyGuestPrograms.EmitWideFlood(a, dwords: true);
            // The devices still answer: after a driver's re-initialisation (the garbage set MCR loopback), the UART
            // reports its transmitter empty and carries a line; then the i8042 resets the machine.
            TinyGuestPrograms.EmitUartInit(a);
            TinyGuestPrograms.EmitPrint(a, "still alive\n");
            TinyGuestPrograms.EmitI8042Reset(a);
        }), serialPath);

        vm.Start();
        VmExitStatus status = await WaitForExit(vm);
        VmMetrics metrics = vm.GetMetrics();
        vm.Dispose();

        Assert.Equal(VmExitKind.GuestShutdown, status.Kind);
        Assert.Equal(0, status.ExitCode);
        Assert.EndsWith("still alive\n", File.ReadAllText(serialPath, Encoding.Latin1));
        // At least the byte writes to every port KVM does not emulate in the kernel reached the VMM.
        Assert.True(metrics.ExitsByKind.GetValueOrDefault("Io") > 0x10000 - PortFloodGuestTests.InKernelPorts.Length,
            string.Join(", ", metrics.ExitsByKind));
        Assert.DoesNotContain(_log.Messages, m => m.StartsWith("Error", StringComparison.Ordinal) || m.StartsWith("Fatal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PauseResumeAndMetrics_WhileTheGuestSpinsOnPortWrites()
    {
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, TinyGuestPrograms.EmitPortSpin));
        Assert.Equal(VmState.Created, vm.State);

        vm.Start();
        Assert.Equal(VmState.Running, vm.State);
        await PollUntil(() => IoExits(vm) > 0, "the guest never wrote to a port");

        vm.Pause();
        Assert.Equal(VmState.Paused, vm.State);
        vm.Pause(); // idempotent
        VmMetrics paused = vm.GetMetrics();
        await Task.Delay(100, TestContext.Current.CancellationToken);
        VmMetrics stillPaused = vm.GetMetrics();

        Assert.Equal(VmState.Paused, paused.State);
        Assert.Equal(paused.ExitsByKind.GetValueOrDefault("Io"), stillPaused.ExitsByKind.GetValueOrDefault("Io"));

        vm.Resume();
        Assert.Equal(VmState.Running, vm.State);
        vm.Resume(); // idempotent
        long atPause = paused.ExitsByKind.GetValueOrDefault("Io");
        await PollUntil(() => IoExits(vm) > atPause, "the guest did not run again after Resume");

        VmMetrics running = vm.GetMetrics();
        Assert.Equal(VmState.Running, running.State);
        Assert.True(running.ExitsByKind.GetValueOrDefault("Interrupted") >= 1, string.Join(", ", running.ExitsByKind));
        Assert.Single(running.VcpuCpuTimeMs);
        Assert.True(running.RssKiB > 0);
        Assert.True(running.UptimeMs > 0);
        Assert.Null(running.BootTimeMs);
        Assert.False(vm.Exited.IsCompleted);
    }

    [Fact]
    public async Task Pause_ThatTimesOut_LeavesTheVmRunning()
    {
        // The vCPU is held inside a device handler past Pause's own limit; Pause fails. It must not leave the
        // vCPU parked behind a withdrawn pause that Resume (state still Running) would not undo.
        const ushort slowPort = 0x5000;
        using var slowDevice = new BlockingBusDevice();
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, a =>
        {
            a.mov(dx, slowPort);
            a.@out(dx, al);
            TinyGuestPrograms.EmitPortSpin(a);
        }));
        vm.PortBus.Register(slowPort, 1, slowDevice);
        vm.Start();
        Assert.True(slowDevice.Entered.WaitOne(PollTimeout), "the guest never reached the slow device");

        Assert.Throws<TimeoutException>(vm.Pause);
        slowDevice.Release();

        Assert.Equal(VmState.Running, vm.State);
        await PollUntil(() => IoExits(vm) > 2, "the guest did not run on after the failed pause");
        vm.Pause();
        Assert.Equal(VmState.Paused, vm.State);
    }

    [Fact]
    public async Task Pause_WithTwoVcpus_ParksBoth_EvenTheOneWaitingForStartup()
    {
        // vCPU 1 is an application processor: with the in-kernel LAPIC it waits inside KVM_RUN for INIT/SIPI, which
        // this guest never sends. Pause must still get it out of the kernel.
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, TinyGuestPrograms.EmitPortSpin), vcpus: 2);
        vm.Start();
        await PollUntil(() => IoExits(vm) > 0, "the boot vCPU never wrote to a port");

        vm.Pause();
        long atPause = IoExits(vm);
        Assert.Equal(VmState.Paused, vm.State);
        vm.Resume();
        await PollUntil(() => IoExits(vm) > atPause, "the guest did not run again after Resume");

        VmExitStatus status = await vm.ShutdownAsync(TimeSpan.FromMilliseconds(300)).WaitAsync(ExitTimeout, TestContext.Current.CancellationToken);
        Assert.Equal(VmExitKind.HostShutdown, status.Kind);
        Assert.Equal(2, vm.GetMetrics().VcpuCpuTimeMs.Count);
    }

    [Fact]
    public async Task ShutdownAsync_GuestIgnoresCtrlAltDel_IsForcedAfterTheGrace()
    {
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, TinyGuestPrograms.EmitPortSpin));
        vm.Start();
        await PollUntil(() => IoExits(vm) > 0, "the guest never wrote to a port");

        VmExitStatus status = await vm.ShutdownAsync(TimeSpan.FromMilliseconds(300)).WaitAsync(ExitTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(VmExitKind.HostShutdown, status.Kind);
        Assert.Equal(0, status.ExitCode);
        Assert.Same(status, await vm.Exited);
        Assert.Equal(VmState.Stopped, vm.State);
        Assert.Throws<InvalidOperationException>(vm.Pause);
    }

    [Fact]
    public async Task ShutdownAsync_GuestAnswersCtrlAltDel_WithAReset_IsAGuestShutdown()
    {
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, a =>
        {
            // Poll the i8042 like a keyboard driver with interrupts off; on the Ctrl make code (set 1: 0x1D), reset.
            var poll = a.CreateLabel();
            a.Label(ref poll);
            a.@in(al, (byte)TinyGuestPrograms.I8042Command);
            a.test(al, 1);
            a.jz(poll);
            a.@in(al, (byte)TinyGuestPrograms.I8042Data);
            a.cmp(al, 0x1d);
            a.jne(poll);
            TinyGuestPrograms.EmitI8042Reset(a);
        }));
        vm.Start();
        await PollUntil(() => IoExits(vm) > 0, "the guest never polled the i8042");

        VmExitStatus status = await vm.ShutdownAsync(ExitTimeout).WaitAsync(ExitTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(VmExitKind.GuestShutdown, status.Kind);
        Assert.Equal(0, status.ExitCode);
    }

    [Fact]
    public async Task ShutdownAsync_BeforeStart_EndsTheVm()
    {
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, TinyGuestPrograms.EmitPortSpin));

        VmExitStatus status = await vm.ShutdownAsync(TimeSpan.FromSeconds(1)).WaitAsync(ExitTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(VmExitKind.HostShutdown, status.Kind);
        Assert.Equal(VmState.Stopped, vm.State);
    }

    [Fact]
    public async Task BootTimerWrite_SetsBootTimeInTheMetrics()
    {
        using MicroVm vm = Build(new TinyGuestBoot(TinyGuestMode.Long64, a =>
        {
            a.mov(rbx, Layout.BootTimerAddress.Value);
            a.mov(__byte_ptr[rbx], BootTimer.MagicValue);
            TinyGuestPrograms.EmitI8042Reset(a);
        }));
        Assert.Null(vm.GetMetrics().BootTimeMs);

        vm.Start();
        VmExitStatus status = await WaitForExit(vm);
        VmMetrics metrics = vm.GetMetrics();

        Assert.Equal(VmExitKind.GuestShutdown, status.Kind);
        Assert.NotNull(metrics.BootTimeMs);
        Assert.True(metrics.BootTimeMs > 0);
        Assert.True(metrics.ExitsByKind.GetValueOrDefault("Mmio") >= 1);
        Assert.Contains(_log.Messages, m => m.Contains("Guest-boot-time", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_LoadsTheGuestOnce_AndConfiguresEveryVcpu()
    {
        var boot = new TinyGuestBoot(TinyGuestMode.Long64, TinyGuestPrograms.EmitPortSpin);
        using MicroVm vm = Build(boot, vcpus: 2);

        Assert.Equal(1, boot.LoadCount);
        Assert.Equal(2, boot.ConfiguredVcpus);
        Assert.Equal(VmState.Created, vm.State);
        Assert.Equal(2, vm.GetMetrics().VcpuCpuTimeMs.Count);
    }

    [Fact]
    public void Build_WhenTheGuestCannotBeLoaded_ThrowsAndClosesWhatItOpened()
    {
        // A bad kernel is a user error the CLI reports and a long-running shim survives: the half-built VM's
        // serial file, eventfds and threads must not outlive the failed build.
        string serialPath = Path.Combine(_directory, "serial.log");

        var failure = Assert.Throws<InvalidDataException>(() => Build(new TinyGuestFailingBoot(), serialPath));

        Assert.Equal(TinyGuestFailingBoot.FailureMessage, failure.Message);
        Assert.DoesNotContain(serialPath, OpenFiles());
    }

    private static string[] OpenFiles() =>
        [.. new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Select(fd =>
        {
            try
            {
                return fd.LinkTarget ?? "";
            }
            catch (IOException)
            {
                return ""; // closed while we listed it
            }
        })];

    private MicroVm Build(IGuestBoot boot, string? serialPath = null, int vcpus = 1)
    {
        KvmRequirement.EnsureAvailable();
        var config = new VmConfig
        {
            // MicroVm.Build skips Validate and the test boot ignores the kernel; any existing file will do.
            KernelPath = typeof(MicroVmGuestTests).Assembly.Location,
            MemoryMib = 32,
            Vcpus = vcpus,
            Serial = serialPath is null ? SerialOutput.None : SerialOutput.File,
            SerialPath = serialPath,
        };
        return MicroVm.Build(config, _logger, boot);
    }

    private static async Task<VmExitStatus> WaitForExit(MicroVm vm) =>
        await vm.Exited.WaitAsync(ExitTimeout, TestContext.Current.CancellationToken);

    private static long IoExits(MicroVm vm) => vm.GetMetrics().ExitsByKind.GetValueOrDefault("Io");

    private static async Task PollUntil(Func<bool> condition, string failure)
    {
        DateTime deadline = DateTime.UtcNow + PollTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
