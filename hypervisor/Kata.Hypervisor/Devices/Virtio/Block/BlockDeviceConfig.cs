namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>
/// One virtio-blk disk as the user asks for it (<c>--block PATH[,ro][,serial=NAME]</c>, or <c>{"path": …, "readOnly": …, "serial": …}</c> in the
/// VMM's JSON config): a raw image file or a host block device.
/// </summary>
public sealed record BlockDeviceConfig
{
    /// <summary>The raw image file or block device.</summary>
    public required string Path { get; init; }

    /// <summary>Open it read-only and offer VIRTIO_BLK_F_RO: the guest's writes fail with VIRTIO_BLK_S_IOERR.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// The serial GET_ID returns (at most 20 printable ASCII bytes, VIRTIO_BLK_ID_BYTES), which the guest shows in
    /// /sys/block/vdX/serial so it can find a disk by name; null: built from the file's identity (see DiskImageFile).
    /// </summary>
    public string? Serial { get; init; }
}
