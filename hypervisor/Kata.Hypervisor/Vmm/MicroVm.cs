using System.Diagnostics;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Devices;
using Kata.Hypervisor.Devices.Legacy;
using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Devices.Virtio.Rng;
using Kata.Hypervisor.Devices.Virtio.Vsock;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Serilog;

namespace Kata.Hypervisor.Vmm;

/// <summary>
/// One microVM: KVM VM with guest memory, the in-kernel irqchip and PIT, the legacy devices on the port and MMIO
/// buses, and one thread per vCPU. Built by <see cref="Create"/>, started by <see cref="Start"/>, ended by the guest
/// (power off, reboot, triple fault), by KVM (internal error) or by <see cref="ShutdownAsync"/>.
/// </summary>
public sealed class MicroVm : IVmControl, IDisposable
{
    private static readonly long ProcessStartTimestamp = GetProcessStartTimestamp();

    private readonly VmConfig _config;
    private readonly ILogger _log;
    private readonly KvmSystem _kvm;
    private readonly VirtualMachine _vm;
    private readonly GuestMemory _memory;
    private readonly List<IDisposable> _owned = [];
    private readonly List<Vcpu> _vcpus = [];
    private readonly List<VcpuRunner> _runners = [];
    private readonly PauseGate _gate = new();
    private readonly TaskCompletionSource<VmExitStatus> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _stateLock = new();
    private VmState _state = VmState.Created;
    private int _disposed;
    private Serial _serial = null!;
    private I8042 _i8042 = null!;
    private BootTimer _bootTimer = null!;
    private VirtioDeviceSlots _virtio = null!;

    private MicroVm(VmConfig config, ILogger log, KvmSystem kvm, VirtualMachine vm, GuestMemory memory)
    {
        _config = config;
        _log = log;
        _kvm = kvm;
        _vm = vm;
        _memory = memory;
    }

    public Bus PortBus { get; } = new("port I/O");
    public Bus MmioBus { get; } = new("MMIO");
    public GuestMemory Memory => _memory;
    public VirtualMachine Vm => _vm;
    /// <summary>The virtio-mmio devices and their event loop (attach before the guest is loaded).</summary>
    internal VirtioDeviceSlots VirtioDevices => _virtio;

    /// <summary>Completes when the VM has ended, with how it ended.</summary>
    public Task<VmExitStatus> Exited => _exited.Task;

    public VmState State
    {
        get
        {
            lock (_stateLock)
            {
                return _state;
            }
        }
    }

    /// <summary>Builds a VM that boots the Linux kernel named in <paramref name="config"/>.</summary>
    public static MicroVm Create(VmConfig config, ILogger logger)
    {
        config.Validate();
        return Build(config, logger, new LinuxBoot(config));
    }

    internal static MicroVm Build(VmConfig config, ILogger logger, IGuestBoot boot)
    {
        KvmKind kind = KvmHost.DetectKind();
        KvmSystem kvm = KvmSystem.Open();
        VirtualMachine? vm = null;
        GuestMemory? memory = null;
        MicroVm microVm;
        try
        {
            vm = kvm.CreateVm();
            memory = new GuestMemory(Layout.RamRanges(config.MemoryBytes));
            vm.MapMemory(memory);
            vm.SetTssAddress(Layout.KvmTssAddress);
            // The in-kernel irqchip (PIC, IOAPIC, LAPICs) must exist before the vCPUs are created.
            vm.CreateIrqchip();
            vm.CreatePit();
            microVm = new MicroVm(config, logger, kvm, vm, memory);
        }
        catch
        {
            memory?.Dispose();
            vm?.Dispose();
            kvm.Dispose();
            throw;
        }
        // From here the MicroVm owns everything: a failed build disposes it whole (files, eventfds, vCPUs).
        try
        {
            microVm.BuildDevices();
            boot.Load(memory, microVm._virtio.AppendToCmdline(config.Cmdline), config.Vcpus);
            for (uint id = 0; id < config.Vcpus; id++)
            {
                Vcpu vcpu = vm.CreateVcpu(id);
                microVm._vcpus.Add(vcpu);
                boot.ConfigureVcpu(vcpu, kvm, memory, config.Vcpus);
                microVm._runners.Add(new VcpuRunner(vcpu, microVm.PortBus, microVm.MmioBus, microVm._gate, microVm.End, logger));
            }
        }
        catch
        {
            microVm.Dispose();
            throw;
        }
        logger.Information("VM built: {Boot}, {Vcpus} vCPU(s), {MemoryMib} MiB, KVM: {KvmKind}",
            boot.Description, config.Vcpus, config.MemoryMib, kind);
        return microVm;
    }

    private void BuildDevices()
    {
        Stream? serialSink = _config.Serial switch
        {
            SerialOutput.Stdout => Console.OpenStandardOutput(),
            SerialOutput.File => new FileStream(_config.SerialPath!, FileMode.Append, FileAccess.Write, FileShare.ReadWrite),
            _ => null,
        };
        if (serialSink is not null)
        {
            _owned.Add(serialSink);
        }
        _serial = new Serial(IrqLine(Layout.SerialIrq), serialSink, _log);
        _owned.Add(_serial);
        PortBus.Register(0x3f8, 8, _serial);
        _i8042 = new I8042(() => End(new VmExitStatus(VmExitKind.GuestShutdown, "the guest reset the machine through the i8042 (reboot)")),
            IrqLine(1));
        PortBus.Register(0x60, 5, _i8042);
        PortBus.Register(0x70, 2, new Cmos(() => DateTimeOffset.UtcNow, _config.MemoryBytes));
        _bootTimer = new BootTimer(ProcessStartTimestamp, _log);
        MmioBus.Register(Layout.BootTimerAddress.Value, 0x1000, _bootTimer);
        if (_config.SerialInputFromStdin)
        {
            _owned.Add(new StdinPump(_serial));
        }
        // The disks are opened (and owned) before the device slots, so they are closed after the event loop stops.
        var blocks = new List<VirtioBlock>();
        foreach (BlockDeviceConfig block in _config.BlockDevices)
        {
            blocks.Add(OpenBlockDevice(block));
        }
        _virtio = new VirtioDeviceSlots(_vm, _memory, MmioBus, _log);
        _owned.Add(_virtio);
        foreach (VirtioBlock block in blocks)
        {
            _virtio.Attach(block);
        }
        if (_config.Rng)
        {
            _virtio.Attach(new VirtioRng(_log));
        }
        if (_config.VsockCid is { } vsockCid && _config.VsockUdsPath is { } vsockUds)
        {
            _virtio.Attach(CreateVsockDevice(vsockCid, vsockUds));
        }
    }

    /// <summary>virtio-vsock: its muxer binds <paramref name="udsPath"/> now and watches its sockets on the devices' event loop.</summary>
    private VirtioVsock CreateVsockDevice(ulong cid, string udsPath)
    {
        VirtioVsock device;
        try
        {
            device = new VirtioVsock(new VsockMuxerOptions { GuestCid = cid, UdsPath = udsPath }, new VsockEventLoopPoller(_virtio.EventLoop), _log);
        }
        catch (VsockException ex)
        {
            throw new VmConfigException(ex.Message, ex);
        }
        _owned.Add(device);
        return device;
    }

    private VirtioBlock OpenBlockDevice(BlockDeviceConfig block)
    {
        DiskImageFile image;
        try
        {
            image = DiskImageFile.Open(block.Path, block.ReadOnly, block.Serial);
        }
        catch (DiskImageException ex)
        {
            throw new VmConfigException($"block: {ex.Message}", ex);
        }
        var device = new VirtioBlock(image, _log);
        _owned.Add(device);
        _log.Information("virtio-blk: {Path} ({Sectors} sectors, {Mode})", block.Path, device.CapacitySectors, block.ReadOnly ? "read-only" : "read-write");
        return device;
    }

    private IrqfdLine IrqLine(uint gsi)
    {
        var line = new IrqfdLine(_vm, gsi);
        _owned.Add(line);
        return line;
    }

    public void Start()
    {
        lock (_stateLock)
        {
            if (_state != VmState.Created)
            {
                throw new InvalidOperationException($"the VM is {_state.ToString().ToLowerInvariant()}, it can only be started once");
            }
            _state = VmState.Running;
        }
        _log.Information("VM started {ElapsedMs:F1} ms after VMM start", ElapsedSinceProcessStart().TotalMilliseconds);
        foreach (VcpuRunner runner in _runners)
        {
            runner.Start();
        }
    }

    public void Pause()
    {
        lock (_stateLock)
        {
            ThrowIfEnded();
            if (_state == VmState.Paused)
            {
                return;
            }
            _gate.RequestPause();
            foreach (VcpuRunner runner in _runners)
            {
                runner.Kick();
            }
            if (!_gate.WaitUntilParked(_runners.Count, TimeSpan.FromSeconds(5)) && !Exited.IsCompleted)
            {
                // Withdraw the pause, or a vCPU busy in a device now would park later behind a Running state.
                _gate.Resume();
                throw new TimeoutException("the vCPUs did not pause within 5 s (a vCPU is busy in a device)");
            }
            if (Exited.IsCompleted)
            {
                throw new InvalidOperationException("the VM stopped while it was being paused");
            }
            _state = VmState.Paused;
        }
        _log.Information("VM paused");
    }

    public void Resume()
    {
        lock (_stateLock)
        {
            ThrowIfEnded();
            if (_state != VmState.Paused)
            {
                return;
            }
            _gate.Resume();
            _state = VmState.Running;
        }
        _log.Information("VM resumed");
    }

    public async Task<VmExitStatus> ShutdownAsync(TimeSpan grace)
    {
        if (State == VmState.Created)
        {
            End(new VmExitStatus(VmExitKind.HostShutdown, "shut down before it started"));
            return await Exited;
        }
        if (!Exited.IsCompleted)
        {
            if (State == VmState.Paused)
            {
                Resume();
            }
            _log.Information("Shutting down: sending Ctrl+Alt+Del to the guest, {GraceMs} ms grace", grace.TotalMilliseconds);
            _i8042.TriggerCtrlAltDel();
            Task finished = await Task.WhenAny(Exited, Task.Delay(grace));
            if (finished != Exited)
            {
                End(new VmExitStatus(VmExitKind.HostShutdown, $"forced shutdown: the guest did not stop within {grace.TotalMilliseconds} ms"));
            }
        }
        return await Exited;
    }

    public VmMetrics GetMetrics()
    {
        var exits = new Dictionary<string, long>();
        foreach (VcpuRunner runner in _runners)
        {
            runner.Exits.AddTo(exits);
        }
        return new VmMetrics
        {
            State = State,
            UptimeMs = ElapsedSinceProcessStart().TotalMilliseconds,
            ExitsByKind = exits,
            VcpuCpuTimeMs = _runners.Select(r => ProcessStats.ThreadCpuTimeMs(r.ThreadId)).ToArray(),
            RssKiB = ProcessStats.ResidentSetKiB(),
            SerialBytesOut = _serial.BytesOut,
            BootTimeMs = _bootTimer.BootTimeMs,
            VirtioDevices = _virtio.CollectMetrics(),
        };
    }

    /// <summary>Ends the VM once (the first reason wins) and stops every vCPU.</summary>
    private void End(VmExitStatus status)
    {
        if (!_exited.TrySetResult(status))
        {
            return;
        }
        // Release parked vCPUs and stop running ones before taking the state lock: a Pause holding that lock while it
        // waits for the vCPUs to park must see the VM end at once, not after its timeout.
        _gate.Stop();
        foreach (VcpuRunner runner in _runners)
        {
            runner.RequestStop();
        }
        lock (_stateLock)
        {
            _state = VmState.Stopped;
        }
        if (status.ExitCode == 0)
        {
            _log.Information("VM stopped: {Reason}", status.Reason);
        }
        else
        {
            _log.Error("VM stopped: {Reason}", status.Reason);
        }
    }

    private void ThrowIfEnded()
    {
        if (_state == VmState.Stopped)
        {
            throw new InvalidOperationException("the VM has stopped");
        }
        if (_state == VmState.Created)
        {
            throw new InvalidOperationException("the VM has not been started");
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        End(new VmExitStatus(VmExitKind.HostShutdown, "the VMM is shutting down"));
        foreach (VcpuRunner runner in _runners)
        {
            if (!runner.Join(TimeSpan.FromSeconds(5)))
            {
                _log.Warning("a vCPU thread did not stop within 5 s");
            }
        }
        foreach (Vcpu vcpu in _vcpus)
        {
            vcpu.Dispose();
        }
        // Reverse order of creation: the UART flushes its pending output before its sink closes.
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        _vm.Dispose();
        _memory.Dispose();
        _kvm.Dispose();
    }

    internal static TimeSpan ElapsedSinceProcessStart() => Stopwatch.GetElapsedTime(ProcessStartTimestamp);

    /// <summary>The Stopwatch timestamp of this process's start, so boot times include the runtime's own start-up.</summary>
    private static long GetProcessStartTimestamp()
    {
        TimeSpan sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        return Stopwatch.GetTimestamp() - (long)(sinceStart.TotalSeconds * Stopwatch.Frequency);
    }
}
