namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>The status byte at the end of every request (virtio 1.2 §5.2.6).</summary>
public enum VirtioBlockStatus : byte
{
    /// <summary>VIRTIO_BLK_S_OK.</summary>
    Ok = 0,
    /// <summary>VIRTIO_BLK_S_IOERR: a malformed request, an out-of-range sector, a write to a read-only disk, or a host I/O error.</summary>
    IoError = 1,
    /// <summary>VIRTIO_BLK_S_UNSUPP: a request type the device does not implement.</summary>
    Unsupported = 2,
}
