namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary><c>virtio_blk_req.type</c> (virtio 1.2 §5.2.6). Only the first four are served; the rest are answered VIRTIO_BLK_S_UNSUPP.</summary>
public enum VirtioBlockRequestType : uint
{
    /// <summary>VIRTIO_BLK_T_IN: read sectors into the device-writable data buffers.</summary>
    In = 0,
    /// <summary>VIRTIO_BLK_T_OUT: write the device-readable data buffers to sectors.</summary>
    Out = 1,
    /// <summary>VIRTIO_BLK_T_FLUSH: make completed writes durable (VIRTIO_BLK_F_FLUSH).</summary>
    Flush = 4,
    /// <summary>VIRTIO_BLK_T_GET_ID: the device's serial number, 20 bytes.</summary>
    GetId = 8,
    /// <summary>VIRTIO_BLK_T_GET_LIFETIME (not offered).</summary>
    GetLifetime = 10,
    /// <summary>VIRTIO_BLK_T_DISCARD (VIRTIO_BLK_F_DISCARD, not offered).</summary>
    Discard = 11,
    /// <summary>VIRTIO_BLK_T_WRITE_ZEROES (VIRTIO_BLK_F_WRITE_ZEROES, not offered).</summary>
    WriteZeroes = 13,
    /// <summary>VIRTIO_BLK_T_SECURE_ERASE (VIRTIO_BLK_F_SECURE_ERASE, not offered).</summary>
    SecureErase = 14,
}
