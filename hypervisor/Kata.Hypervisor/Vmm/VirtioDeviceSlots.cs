using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Devices;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Serilog;

namespace Kata.Hypervisor.Vmm;

/// <summary>
/// The VM's virtio-mmio devices: slot n gets the 4 KiB window at <see cref="Layout.VirtioMmioStart"/> + n × 4 KiB and
/// IRQ <see cref="Layout.FirstDeviceIrq"/> + n (an irqfd on the in-kernel irqchip), its transport on the MMIO bus, one
/// ioeventfd per queue on QueueNotify, and a <c>virtio_mmio.device=</c> argument for the kernel command line. Owns the
/// one <see cref="VirtioEventLoop"/> every device's notifications go through.
/// </summary>
internal sealed class VirtioDeviceSlots : IDisposable
{
    private readonly VirtualMachine _vm;
    private readonly GuestMemory _memory;
    private readonly Bus _mmioBus;
    private readonly ILogger _logger;
    private readonly List<VirtioMmioTransport> _transports = [];
    private readonly List<IrqfdLine> _lines = [];
    private readonly List<(GuestAddress Window, uint Irq)> _placements = [];
    private readonly List<string> _cmdlineArguments = [];

    public VirtioDeviceSlots(VirtualMachine vm, GuestMemory memory, Bus mmioBus, ILogger logger)
    {
        _vm = vm;
        _memory = memory;
        _mmioBus = mmioBus;
        _logger = logger;
        EventLoop = new VirtioEventLoop(logger);
    }

    /// <summary>The most devices the IRQ range holds.</summary>
    public static int Capacity => (int)(Layout.LastDeviceIrq - Layout.FirstDeviceIrq + 1);

    public VirtioEventLoop EventLoop { get; }

    public IReadOnlyList<VirtioMmioTransport> Transports => _transports;

    /// <summary>The <c>virtio_mmio.device=</c> arguments of the attached devices, in slot order.</summary>
    public IReadOnlyList<string> CmdlineArguments => _cmdlineArguments;

    /// <summary>Puts <paramref name="device"/> in the next slot; call before the guest is loaded (its command line names the slot).</summary>
    public VirtioMmioTransport Attach(IVirtioDevice device)
    {
        int slot = _transports.Count;
        if (slot >= Capacity)
        {
            throw new VmConfigException($"virtio: at most {Capacity} virtio devices fit the interrupt lines {Layout.FirstDeviceIrq}..{Layout.LastDeviceIrq}");
        }
        uint irq = Layout.FirstDeviceIrq + (uint)slot;
        GuestAddress window = Layout.VirtioMmioStart.Add((ulong)slot * Layout.VirtioMmioWindowSize);
        IrqfdLine line = new(_vm, irq);
        VirtioMmioTransport? transport = null;
        try
        {
            transport = new VirtioMmioTransport(device, _memory, line, _logger.ForContext("VirtioSlot", slot));
            transport.AttachToEventLoop(EventLoop, _vm, window);
            _mmioBus.Register(window.Value, Layout.VirtioMmioWindowSize, transport);
        }
        catch
        {
            transport?.Dispose();
            line.Dispose();
            throw;
        }
        _transports.Add(transport);
        _lines.Add(line);
        _placements.Add((window, irq));
        _cmdlineArguments.Add(VirtioMmioTransport.KernelCmdlineArgument(window, irq, Layout.VirtioMmioWindowSize));
        _logger.Information("virtio {Device} at {Window} IRQ {Irq}", device.DeviceType, window, irq);
        return transport;
    }

    /// <summary>Each device's counters, in slot order (any thread: the counters are read lock-free).</summary>
    public IReadOnlyList<VirtioDeviceMetrics> CollectMetrics()
    {
        var devices = new List<VirtioDeviceMetrics>(_transports.Count);
        for (int slot = 0; slot < _transports.Count; slot++)
        {
            VirtioMmioTransport transport = _transports[slot];
            var counters = transport.Device as IVirtioDeviceCounters;
            VirtioDeviceActivity activity = counters?.ReadActivity() ?? default;
            VirtioMmioCounters mmio = transport.Counters;
            long registerMisuse = mmio[VirtioMmioCounter.InvalidRegisterAccesses] + mmio[VirtioMmioCounter.InvalidStatusTransitions]
                + mmio[VirtioMmioCounter.RefusedFeatureNegotiations] + mmio[VirtioMmioCounter.RefusedQueueSetups]
                + mmio[VirtioMmioCounter.DeviceFailures];
            devices.Add(new VirtioDeviceMetrics
            {
                Slot = slot,
                Device = transport.Device.DeviceType,
                MmioBase = _placements[slot].Window.Value,
                Irq = _placements[slot].Irq,
                Notifications = mmio[VirtioMmioCounter.QueueNotifications],
                Interrupts = mmio[VirtioMmioCounter.InterruptsRaised],
                RequestsCompleted = activity.RequestsCompleted,
                BytesRead = activity.BytesRead,
                BytesWritten = activity.BytesWritten,
                InvalidChains = activity.InvalidChains,
                Errors = activity.Errors + registerMisuse,
                ResetsSent = activity.ResetsSent,
                DeviceCounters = counters?.SnapshotCounters() ?? new Dictionary<string, long>(),
                TransportCounters = mmio.Snapshot(),
            });
        }
        return devices;
    }

    /// <summary><paramref name="cmdline"/> followed by the devices' <c>virtio_mmio.device=</c> arguments.</summary>
    public string AppendToCmdline(string cmdline) =>
        _cmdlineArguments.Count == 0 ? cmdline : string.Join(' ', [cmdline.TrimEnd(), .. _cmdlineArguments]);

    /// <summary>Stops the event loop first (no handler runs afterwards), then resets the devices and closes their descriptors.</summary>
    public void Dispose()
    {
        EventLoop.Dispose();
        foreach (VirtioMmioTransport transport in _transports)
        {
            transport.Dispose();
        }
        foreach (IrqfdLine line in _lines)
        {
            line.Dispose();
        }
    }
}
