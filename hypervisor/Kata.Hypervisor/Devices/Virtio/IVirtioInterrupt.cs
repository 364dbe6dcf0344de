namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// How a device notifies the driver, implemented by the transport (virtio 1.2 §2.3 "Notifications"; for MMIO
/// §4.2.3.4: one interrupt line and the InterruptStatus register). Thread-safe; never throws.
/// </summary>
public interface IVirtioInterrupt
{
    /// <summary>A used buffer notification for <paramref name="queueIndex"/> (InterruptStatus bit 0).</summary>
    void SignalUsedBuffer(int queueIndex);

    /// <summary>A configuration change notification (InterruptStatus bit 1), after the device bumped its config generation.</summary>
    void SignalConfigChange();

    /// <summary>
    /// The device is in an error state it cannot leave without a reset (§2.1.2): the transport sets
    /// DEVICE_NEEDS_RESET, sends a configuration change notification if DRIVER_OK is set, and stops handing the device
    /// queue notifications until the driver resets it. <paramref name="reason"/> is logged.
    /// </summary>
    void SignalNeedsReset(string reason);
}
