namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// One virtio device behind a transport (virtio 1.2 §2 "Basic Facilities of a Virtio Device"). The transport owns the
/// registers, the status state machine, feature negotiation and queue set-up; the device supplies what it offers and
/// does the work.
/// <para>
/// Threading: the transport calls every member with its lock held (<see cref="VirtioDeviceContext.SyncRoot"/>), so
/// calls never overlap. <see cref="Activate"/>, <see cref="Reset"/> and the config accessors run on a vCPU thread;
/// <see cref="ProcessQueue"/> runs on the <see cref="VirtioEventLoop"/> thread (or, in unit tests without a loop, on
/// the thread that wrote QueueNotify). Work a device starts on its own (a socket handler on the event loop) must take
/// <c>lock (context.SyncRoot)</c> before it touches queues or device state, and re-check that it is still active.
/// </para>
/// <para>
/// The guest is hostile: a device never throws because of what the guest wrote. An exception escaping a member is
/// a device bug; the transport logs it, counts it and sets DEVICE_NEEDS_RESET.
/// </para>
/// </summary>
public interface IVirtioDevice
{
    /// <summary>The device type (§5), read by the driver from DeviceID.</summary>
    VirtioDeviceType DeviceType { get; }

    /// <summary>
    /// Feature bits the device offers (§2.2, §6). Device-type bits plus any of <see cref="VirtioFeatures.EventIndex"/>
    /// and <see cref="VirtioFeatures.IndirectDescriptors"/> the device is happy to have (<see cref="VirtQueue"/>
    /// implements both). The transport always adds <see cref="VirtioFeatures.Version1"/> and never offers
    /// <see cref="VirtioFeatures.UnsupportedByTransport"/>.
    /// </summary>
    ulong AvailableFeatures { get; }

    /// <summary>The largest size (a power of 2, at most 32768) of each of the device's queues; the count is the number of queues.</summary>
    IReadOnlyList<ushort> QueueMaxSizes { get; }

    /// <summary>
    /// Reads the device-specific configuration space (§2.5) at <paramref name="offset"/> (relative to its start).
    /// Bytes past the end of the device's configuration read 0.
    /// </summary>
    void ReadConfig(ulong offset, Span<byte> data);

    /// <summary>Writes the configuration space; writes the device does not understand are ignored.</summary>
    void WriteConfig(ulong offset, ReadOnlySpan<byte> data);

    /// <summary>The configuration atomicity value (§2.5.1): changes whenever the configuration space may have changed.</summary>
    uint ConfigGeneration { get; }

    /// <summary>
    /// The driver set DRIVER_OK (§3.1.1 step 8): start using <paramref name="context"/>'s queues. Queues the driver
    /// did not enable have <see cref="VirtQueue.IsReady"/> false. Throwing here (a host-side failure, e.g. a socket
    /// that cannot be bound) sets DEVICE_NEEDS_RESET.
    /// </summary>
    void Activate(VirtioDeviceContext context);

    /// <summary>
    /// The driver wrote 0 to the status (§2.4, device reset), or the VMM is shutting down: drop every reference to the
    /// context and its queues, release what Activate acquired, and return to the state before <see cref="Activate"/>.
    /// Called once after every Activate call, including one that threw.
    /// </summary>
    void Reset();

    /// <summary>
    /// The driver notified queue <paramref name="queueIndex"/> (an available buffer notification, §2.7.13.4): pop
    /// and complete what is available. Must return in bounded time whatever the guest put in the queue; a device
    /// that stops early calls <see cref="VirtioDeviceContext.RequestQueueProcessing"/> to be called again.
    /// </summary>
    void ProcessQueue(int queueIndex);
}
