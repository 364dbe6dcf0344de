namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>What a <see cref="VirtioMmioTransport"/> counts (its metrics; see <see cref="VirtioMmioCounters"/>).</summary>
public enum VirtioMmioCounter
{
    /// <summary>Register accesses that are not 32-bit aligned, hit no register, read a write-only or write a read-only one.</summary>
    InvalidRegisterAccesses,
    /// <summary>Writes to valid registers at a time they are not allowed (features after FEATURES_OK, queue set-up while ready, …).</summary>
    IgnoredRegisterWrites,
    /// <summary>Status writes that are not a valid step of the §3.1.1 sequence.</summary>
    InvalidStatusTransitions,
    /// <summary>FEATURES_OK refused: the driver accepted features not offered, or not VIRTIO_F_VERSION_1.</summary>
    RefusedFeatureNegotiations,
    /// <summary>QueueReady = 1 refused (bad size, alignment, or rings outside guest RAM).</summary>
    RefusedQueueSetups,
    /// <summary>Queue notifications handed to the device.</summary>
    QueueNotifications,
    /// <summary>Queue notifications dropped: device not active, needs reset, queue not ready, or no such queue.</summary>
    IgnoredQueueNotifications,
    /// <summary>Interrupt edges raised (InterruptStatus gained a bit).</summary>
    InterruptsRaised,
    /// <summary>Times the device entered DEVICE_NEEDS_RESET.</summary>
    NeedsResets,
    /// <summary>Exceptions from the device (bugs, or host-side failures at activation).</summary>
    DeviceFailures,
    /// <summary>Device resets by the driver.</summary>
    Resets,
    /// <summary>Successful activations (DRIVER_OK).</summary>
    Activations,
}
