namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>
/// One virtio-blk disk as the user asks for it (<c>--block PATH[,ro]</c>, or <c>{"path": …, "readOnly": …}</c> in the
/// VMM's JSON config): a raw image file or a host block device.
/// </summary>
public sealed record BlockDeviceConfig
{
    /// <summary>The raw image file or block device.</summary>
    public required string Path { get; init; }

    /// <summary>Open it read-only and offer VIRTIO_BLK_F_RO: the guest's writes fail with VIRTIO_BLK_S_IOERR.</summary>
    public bool ReadOnly { get; init; }
}
