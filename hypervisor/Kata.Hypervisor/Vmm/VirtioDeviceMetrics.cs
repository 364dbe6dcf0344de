using Kata.Hypervisor.Devices.Virtio;

namespace Kata.Hypervisor.Vmm;

/// <summary>One virtio-mmio device in the <c>metrics</c> reply: where it sits, its transport's and its own counters.</summary>
public sealed record VirtioDeviceMetrics
{
    /// <summary>The device's slot: its order on the kernel command line (/dev/vda is the first disk's).</summary>
    public required int Slot { get; init; }
    public required VirtioDeviceType Device { get; init; }
    /// <summary>Guest-physical base of the device's 4 KiB MMIO window.</summary>
    public required ulong MmioBase { get; init; }
    public required uint Irq { get; init; }
    /// <summary>Queue notifications from the guest that reached the device (ioeventfd or QueueNotify writes).</summary>
    public required long Notifications { get; init; }
    /// <summary>Interrupts the device raised toward the guest.</summary>
    public required long Interrupts { get; init; }
    /// <inheritdoc cref="VirtioDeviceActivity.RequestsCompleted"/>
    public required long RequestsCompleted { get; init; }
    /// <inheritdoc cref="VirtioDeviceActivity.BytesRead"/>
    public required long BytesRead { get; init; }
    /// <inheritdoc cref="VirtioDeviceActivity.BytesWritten"/>
    public required long BytesWritten { get; init; }
    /// <inheritdoc cref="VirtioDeviceActivity.InvalidChains"/>
    public required long InvalidChains { get; init; }
    /// <summary>The device's <see cref="VirtioDeviceActivity.Errors"/> plus the guest's register misuse the transport refused.</summary>
    public required long Errors { get; init; }
    /// <inheritdoc cref="VirtioDeviceActivity.ResetsSent"/>
    public long? ResetsSent { get; init; }
    /// <summary>Every counter of the device by name.</summary>
    public required IReadOnlyDictionary<string, long> DeviceCounters { get; init; }
    /// <summary>Every counter of the virtio-mmio transport by name (<see cref="VirtioMmioCounter"/>).</summary>
    public required IReadOnlyDictionary<string, long> TransportCounters { get; init; }
}
