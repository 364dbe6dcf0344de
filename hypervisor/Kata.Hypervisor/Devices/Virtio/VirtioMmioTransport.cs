using System.Buffers.Binary;
using Kata.Hypervisor.Kvm;
using Kata.Hypervisor.Memory;
using Serilog;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// The virtio-mmio transport, version 2 (virtio 1.2 §4.2), for one <see cref="IVirtioDevice"/>: its 4 KiB register
/// window on the MMIO bus, the device status state machine (§2.1, §3.1.1), feature negotiation in two 32-bit halves,
/// queue set-up, the interrupt status register and line (§4.2.3.4), and the configuration space at 0x100. In the
/// spirit of Firecracker's devices/virtio/mmio.rs.
/// <para>
/// Threading: registers are accessed from vCPU threads; the device's queue work runs on the
/// <see cref="VirtioEventLoop"/> thread (after <see cref="AttachToEventLoop"/>: a queue notification is an eventfd,
/// signalled in the kernel by an ioeventfd on QueueNotify, or by this transport when the write reaches userspace).
/// One lock serializes register state and every call into the device, so a reset from a vCPU waits for the
/// notification being processed and the device never sees two calls at once. InterruptStatus and InterruptACK are
/// lock-free, so the guest's interrupt handler never waits for device work.
/// </para>
/// <para>
/// The guest is hostile: nothing it writes throws out of here. Invalid accesses, transitions and set-ups are refused,
/// counted in <see cref="Counters"/> and logged (rate-limited); device errors set DEVICE_NEEDS_RESET.
/// </para>
/// </summary>
public sealed partial class VirtioMmioTransport : IBusDevice, IVirtioInterrupt, IDisposable
{
    /// <summary>The MMIO window of one device.</summary>
    public const ulong WindowSize = 0x1000;

    /// <summary>VendorID: "KATA" in little-endian (the value is informational; Linux does not check it).</summary>
    public const uint VendorId = 0x4154_414b;

    private const int DeferredKickRounds = 64;

    private readonly object _lock = new();
    private readonly IVirtioDevice _device;
    private readonly GuestMemory _memory;
    private readonly IInterruptLine _interruptLine;
    private readonly ILogger _logger;
    private readonly VirtQueue[] _queues;
    private readonly VirtioMmioQueueRegisters[] _queueRegisters;
    private readonly bool[] _deferredKicks;
    private readonly RateLimitedLog _guestWarnings = new();
    private readonly RateLimitedLog _deviceErrors = new();
    private byte _status;
    private uint _deviceFeaturesSel;
    private uint _driverFeaturesSel;
    private uint _queueSel;
    private ulong _driverFeatures;
    private int _interruptStatus;
    private volatile bool _activated;
    private bool _deviceNeedsResetCall;
    private bool _disposed;
    private int _interruptFailureLogged;
    private EventFd[]? _queueEvents;
    private VirtioEventRegistration[]? _queueRegistrations;

    /// <param name="device">The device behind the transport.</param>
    /// <param name="memory">Guest RAM, where the queues live.</param>
    /// <param name="interruptLine">The device's interrupt (an irqfd in the VMM), raised when InterruptStatus gains a bit.</param>
    /// <param name="logger">Receives the transport's and the queues' messages.</param>
    public VirtioMmioTransport(IVirtioDevice device, GuestMemory memory, IInterruptLine interruptLine, ILogger logger)
    {
        _device = device;
        _memory = memory;
        _interruptLine = interruptLine;
        _logger = logger.ForContext("VirtioDevice", device.DeviceType);
        IReadOnlyList<ushort> maxSizes = device.QueueMaxSizes;
        _queues = new VirtQueue[maxSizes.Count];
        _queueRegisters = new VirtioMmioQueueRegisters[maxSizes.Count];
        _deferredKicks = new bool[maxSizes.Count];
        for (int i = 0; i < maxSizes.Count; i++)
        {
            _queues[i] = new VirtQueue(memory, i, maxSizes[i], _logger);
            _queueRegisters[i] = VirtioMmioQueueRegisters.Initial(maxSizes[i]);
        }
        OfferedFeatures = (device.AvailableFeatures | VirtioFeatures.Version1) & ~VirtioFeatures.UnsupportedByTransport;
    }

    public IVirtioDevice Device => _device;

    /// <summary>What DeviceFeatures presents: the device's features, VIRTIO_F_VERSION_1, nothing the transport cannot honour.</summary>
    public ulong OfferedFeatures { get; }

    public VirtioMmioCounters Counters { get; } = new();

    /// <summary>The device's queues (the objects the device works on once active).</summary>
    public IReadOnlyList<VirtQueue> Queues => _queues;

    /// <summary>The status register.</summary>
    public VirtioDeviceStatus Status
    {
        get
        {
            lock (_lock)
            {
                return (VirtioDeviceStatus)_status;
            }
        }
    }

    /// <summary>The InterruptStatus register.</summary>
    public uint InterruptStatus => (uint)Volatile.Read(ref _interruptStatus);

    /// <summary>The features the driver wrote (negotiated once FEATURES_OK is set).</summary>
    public ulong DriverFeatures
    {
        get
        {
            lock (_lock)
            {
                return _driverFeatures;
            }
        }
    }

    /// <summary>The device is active: the driver set DRIVER_OK and it has not been reset since.</summary>
    public bool IsActivated => _activated;

    /// <summary>
    /// The kernel command-line argument that declares a virtio-mmio device to Linux
    /// (Documentation/admin-guide/kernel-parameters.txt, <c>virtio_mmio.device=&lt;size&gt;@&lt;baseaddr&gt;:&lt;irq&gt;</c>;
    /// needs CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES), e.g. <c>virtio_mmio.device=4K@0xd0001000:5</c>.
    /// </summary>
    public static string KernelCmdlineArgument(GuestAddress windowBase, uint irq, ulong windowSize = WindowSize)
    {
        string size = windowSize % (1UL << 20) == 0 ? $"{windowSize >> 20}M"
            : windowSize % 1024 == 0 ? $"{windowSize >> 10}K"
            : windowSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"virtio_mmio.device={size}@0x{windowBase.Value:x}:{irq}";
    }

    /// <summary>
    /// Moves queue notifications to <paramref name="loop"/>: one eventfd per queue, whose handler calls
    /// <see cref="IVirtioDevice.ProcessQueue"/> on the loop thread. With <paramref name="vm"/>, each eventfd is also a
    /// KVM ioeventfd on QueueNotify (at <paramref name="windowBase"/> + 0x50, 4 bytes, datamatch = the queue index),
    /// so the guest's notification never exits to userspace. Call once, before the guest runs.
    /// </summary>
    public void AttachToEventLoop(VirtioEventLoop loop, VirtualMachine? vm, GuestAddress windowBase)
    {
        var events = new EventFd[_queues.Length];
        var registrations = new VirtioEventRegistration[_queues.Length];
        try
        {
            for (int i = 0; i < _queues.Length; i++)
            {
                int queueIndex = i;
                events[i] = new EventFd();
                EventFd eventFd = events[i];
                vm?.RegisterIoeventfd(eventFd, windowBase.Add(VirtioMmioRegister.QueueNotify), 4, datamatch: (ulong)i);
                registrations[i] = loop.Add(eventFd.Handle, PollEvents.Readable, _ => OnQueueEvent(eventFd, queueIndex));
            }
            lock (_lock)
            {
                if (_queueEvents is not null || _disposed)
                {
                    throw new InvalidOperationException("the transport is already attached to an event loop, or disposed");
                }
                _queueEvents = events;
                _queueRegistrations = registrations;
            }
        }
        catch
        {
            foreach (VirtioEventRegistration? registration in registrations)
            {
                registration?.Dispose();
            }
            foreach (EventFd? eventFd in events)
            {
                eventFd?.Dispose();
            }
            throw;
        }
    }

    public void Read(ulong offset, Span<byte> data)
    {
        try
        {
            if (offset >= VirtioMmioRegister.Config)
            {
                ReadConfig(offset - VirtioMmioRegister.Config, data);
                return;
            }
            if (data.Length != 4 || offset % 4 != 0)
            {
                // §4.2.2.2: the driver MUST only use 32-bit wide and aligned accesses to the control registers.
                data.Clear();
                GuestError(VirtioMmioCounter.InvalidRegisterAccesses, "read of {Width} bytes at register offset 0x{Offset:x} (only aligned 32-bit accesses are valid)", data.Length, offset);
                return;
            }
            BinaryPrimitives.WriteUInt32LittleEndian(data, ReadRegister(offset));
        }
        catch (Exception e)
        {
            data.Clear();
            DeviceBug(e, "a register read");
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        try
        {
            if (offset >= VirtioMmioRegister.Config)
            {
                WriteConfig(offset - VirtioMmioRegister.Config, data);
                return;
            }
            if (data.Length != 4 || offset % 4 != 0)
            {
                GuestError(VirtioMmioCounter.InvalidRegisterAccesses, "write of {Width} bytes at register offset 0x{Offset:x} (only aligned 32-bit accesses are valid)", data.Length, offset);
                return;
            }
            WriteRegister(offset, BinaryPrimitives.ReadUInt32LittleEndian(data));
        }
        catch (Exception e)
        {
            DeviceBug(e, "a register write");
        }
    }

    void IVirtioInterrupt.SignalUsedBuffer(int queueIndex)
    {
        // §2.1.2: no used buffer notifications before DRIVER_OK (or after a reset).
        if (_activated)
        {
            RaiseInterrupt(VirtioMmioRegister.InterruptUsedBuffer);
        }
    }

    void IVirtioInterrupt.SignalConfigChange()
    {
        if ((Volatile.Read(ref _status) & (byte)VirtioDeviceStatus.DriverOk) != 0)
        {
            RaiseInterrupt(VirtioMmioRegister.InterruptConfigChange);
        }
    }

    void IVirtioInterrupt.SignalNeedsReset(string reason)
    {
        lock (_lock)
        {
            EnterNeedsReset(reason);
        }
    }

    /// <summary>Resets the device if active and stops taking notifications; the VMM disposes the transport after the vCPUs stopped.</summary>
    public void Dispose()
    {
        EventFd[]? events;
        VirtioEventRegistration[]? registrations;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            ResetDevice();
            events = _queueEvents;
            registrations = _queueRegistrations;
            _queueEvents = null;
            _queueRegistrations = null;
        }
        foreach (VirtioEventRegistration registration in registrations ?? [])
        {
            registration.Dispose();
        }
        foreach (EventFd eventFd in events ?? [])
        {
            eventFd.Dispose();
        }
    }

    /// <summary>Sets InterruptStatus bits and raises an edge on the line when a bit was not set before (§4.2.3.4).</summary>
    private void RaiseInterrupt(uint bits)
    {
        int previous = Interlocked.Or(ref _interruptStatus, (int)bits);
        if ((previous & (int)bits) == (int)bits)
        {
            // Still pending: the driver has not acknowledged yet and will look at the rings after it does.
            return;
        }
        Counters.Increment(VirtioMmioCounter.InterruptsRaised);
        try
        {
            _interruptLine.Trigger();
        }
        catch (Exception e)
        {
            Counters.Increment(VirtioMmioCounter.DeviceFailures);
            if (Interlocked.Exchange(ref _interruptFailureLogged, 1) == 0)
            {
                _logger.Error(e, "Raising the virtio interrupt failed; counting further failures");
            }
        }
    }

    /// <summary>Lock held. §2.1.2: DEVICE_NEEDS_RESET, and a configuration change notification once DRIVER_OK is set.</summary>
    private void EnterNeedsReset(string reason)
    {
        if (_status == 0 || (_status & (byte)VirtioDeviceStatus.DeviceNeedsReset) != 0 || _disposed)
        {
            return;
        }
        _status |= (byte)VirtioDeviceStatus.DeviceNeedsReset;
        Counters.Increment(VirtioMmioCounter.NeedsResets);
        if (_deviceErrors.TryEnter(out long suppressed))
        {
            _logger.Warning("virtio {Device}: DEVICE_NEEDS_RESET: {Reason} ({Suppressed} similar messages suppressed)", _device.DeviceType, reason, suppressed);
        }
        if ((_status & (byte)VirtioDeviceStatus.DriverOk) != 0)
        {
            RaiseInterrupt(VirtioMmioRegister.InterruptConfigChange);
        }
    }

    /// <summary>A guest mistake: counted, and logged within the rate limit.</summary>
    private void GuestError(VirtioMmioCounter counter, string messageTemplate, params object?[] values)
    {
        Counters.Increment(counter);
        if (_guestWarnings.TryEnter(out long suppressed))
        {
            _logger.Warning("virtio-mmio {Device}: " + messageTemplate + " ({Suppressed} similar warnings suppressed)",
                [_device.DeviceType, .. values, suppressed]);
        }
    }

    private void DeviceBug(Exception e, string during)
    {
        Counters.Increment(VirtioMmioCounter.DeviceFailures);
        if (_deviceErrors.TryEnter(out long suppressed))
        {
            _logger.Error(e, "virtio-mmio {Device}: unexpected failure during {During} ({Suppressed} similar errors suppressed)",
                _device.DeviceType, during, suppressed);
        }
    }
}
