namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// Device-independent feature bits (virtio 1.2 §6 "Reserved Feature Bits"), as bit numbers and as masks. Feature bits
/// 0..23 belong to the device type, 24..40 to the queue and transport.
/// </summary>
public static class VirtioFeatures
{
    /// <summary>VIRTIO_F_INDIRECT_DESC: the driver may use indirect descriptor tables (§2.7.5.3).</summary>
    public const int IndirectDescriptorsBit = 28;
    /// <summary>VIRTIO_F_EVENT_IDX: used_event / avail_event notification suppression (§2.7.7, §2.7.10).</summary>
    public const int EventIndexBit = 29;
    /// <summary>VIRTIO_F_VERSION_1: compliance with virtio 1.x; mandatory for virtio-mmio version 2.</summary>
    public const int Version1Bit = 32;
    /// <summary>VIRTIO_F_ACCESS_PLATFORM: buffers go through an IOMMU (not supported).</summary>
    public const int AccessPlatformBit = 33;
    /// <summary>VIRTIO_F_RING_PACKED: packed virtqueues (§2.8, not supported).</summary>
    public const int RingPackedBit = 34;
    /// <summary>VIRTIO_F_IN_ORDER (not supported).</summary>
    public const int InOrderBit = 35;
    /// <summary>VIRTIO_F_NOTIFICATION_DATA (not supported: QueueNotify carries the queue index only).</summary>
    public const int NotificationDataBit = 38;
    /// <summary>VIRTIO_F_RING_RESET: per-queue reset (not supported).</summary>
    public const int RingResetBit = 40;

    public const ulong IndirectDescriptors = 1UL << IndirectDescriptorsBit;
    public const ulong EventIndex = 1UL << EventIndexBit;
    public const ulong Version1 = 1UL << Version1Bit;

    /// <summary>Features this split-virtqueue, virtio-mmio implementation cannot honour; the transport never offers them.</summary>
    public const ulong UnsupportedByTransport =
        (1UL << AccessPlatformBit) | (1UL << RingPackedBit) | (1UL << InOrderBit) | (1UL << NotificationDataBit) | (1UL << RingResetBit);

    /// <summary>Whether <paramref name="bit"/> is set in <paramref name="features"/>.</summary>
    public static bool Has(ulong features, int bit) => (uint)bit < 64 && (features & (1UL << bit)) != 0;
}
