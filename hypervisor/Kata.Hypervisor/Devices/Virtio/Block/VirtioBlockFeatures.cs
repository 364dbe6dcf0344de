namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>virtio-blk feature bits (virtio 1.2 §5.2.3), as bit numbers and as masks.</summary>
public static class VirtioBlockFeatures
{
    /// <summary>VIRTIO_BLK_F_SIZE_MAX: config size_max is the largest single segment.</summary>
    public const int SizeMaxBit = 1;
    /// <summary>VIRTIO_BLK_F_SEG_MAX: config seg_max is the most data segments in a request.</summary>
    public const int SegMaxBit = 2;
    /// <summary>VIRTIO_BLK_F_RO: the device is read-only.</summary>
    public const int ReadOnlyBit = 5;
    /// <summary>VIRTIO_BLK_F_BLK_SIZE: config blk_size is the logical block size.</summary>
    public const int BlockSizeBit = 6;
    /// <summary>VIRTIO_BLK_F_FLUSH: VIRTIO_BLK_T_FLUSH is supported.</summary>
    public const int FlushBit = 9;

    public const ulong SegMax = 1UL << SegMaxBit;
    public const ulong ReadOnly = 1UL << ReadOnlyBit;
    public const ulong BlockSize = 1UL << BlockSizeBit;
    public const ulong Flush = 1UL << FlushBit;
}
