namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>Why the driver's QueueReady = 1 was refused (virtio 1.2 §2.7 size and alignment table, §4.2.2.2).</summary>
public enum VirtQueueSetupError
{
    None = 0,
    /// <summary>QueueNum is 0.</summary>
    SizeZero,
    /// <summary>QueueNum is not a power of 2 (§2.7: "Queue Size value is always a power of 2").</summary>
    SizeNotPowerOfTwo,
    /// <summary>QueueNum is larger than QueueNumMax (§4.2.2.2).</summary>
    SizeAboveMaximum,
    /// <summary>The Descriptor Area is not 16-byte aligned (§2.7.1).</summary>
    DescriptorTableMisaligned,
    /// <summary>The Driver Area (available ring) is not 2-byte aligned.</summary>
    AvailRingMisaligned,
    /// <summary>The Device Area (used ring) is not 4-byte aligned.</summary>
    UsedRingMisaligned,
    /// <summary>The descriptor table (16 × size bytes) is not wholly in guest RAM.</summary>
    DescriptorTableOutsideGuestMemory,
    /// <summary>The available ring (6 + 2 × size bytes) is not wholly in guest RAM.</summary>
    AvailRingOutsideGuestMemory,
    /// <summary>The used ring (6 + 8 × size bytes) is not wholly in guest RAM.</summary>
    UsedRingOutsideGuestMemory,
}
