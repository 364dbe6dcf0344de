namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>Why a descriptor chain the driver made available was rejected (virtio 1.2 §2.7.4, §2.7.5).</summary>
public enum DescriptorChainError
{
    None = 0,
    /// <summary>The available ring names a head descriptor index ≥ the queue size.</summary>
    HeadIndexOutOfRange,
    /// <summary>A descriptor's <c>next</c> is ≥ the size of the table it is in (queue or indirect table).</summary>
    NextIndexOutOfRange,
    /// <summary>More descriptors than the table holds: the chain loops (§2.7.5.2 forbids loops; §2.7.5.3.1 caps the length at the queue size).</summary>
    ChainTooLong,
    /// <summary>A buffer is not wholly inside one region of guest RAM.</summary>
    BufferOutsideGuestMemory,
    /// <summary>A buffer's address + length overflows 64 bits.</summary>
    AddressOverflow,
    /// <summary>The buffers add up to more than 2^32 - 1 bytes (§2.7.5.2: a chain is at most 2^32 bytes).</summary>
    ChainTooLarge,
    /// <summary>A device-readable buffer follows a device-writable one (§2.7.4.2) on a queue that requires the order.</summary>
    ReadableAfterWritable,
    /// <summary>VIRTQ_DESC_F_INDIRECT without VIRTIO_F_INDIRECT_DESC negotiated (§2.7.5.3.1).</summary>
    IndirectNotNegotiated,
    /// <summary>An indirect table whose length is 0 or not a multiple of 16 bytes.</summary>
    IndirectTableBadLength,
    /// <summary>An indirect table with more entries than the queue size (§2.7.5.3.1: no chain longer than the queue size).</summary>
    IndirectTableTooLarge,
    /// <summary>An indirect table that is not wholly inside guest RAM, or whose address + length overflows.</summary>
    IndirectTableOutsideGuestMemory,
    /// <summary>VIRTQ_DESC_F_INDIRECT inside an indirect table (§2.7.5.3.1: one table per descriptor).</summary>
    NestedIndirect,
    /// <summary>Both VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT set (§2.7.5.3.1).</summary>
    IndirectWithNext,
}
