namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>What a <see cref="VirtioBlock"/> counts (its metrics, see <see cref="VirtioBlockCounters"/>).</summary>
public enum VirtioBlockCounter
{
    /// <summary>VIRTIO_BLK_T_IN requests completed with OK.</summary>
    Reads,
    /// <summary>VIRTIO_BLK_T_OUT requests completed with OK.</summary>
    Writes,
    /// <summary>VIRTIO_BLK_T_FLUSH requests completed with OK.</summary>
    Flushes,
    /// <summary>VIRTIO_BLK_T_GET_ID requests completed with OK.</summary>
    GetIds,
    /// <summary>Bytes read from the image into guest memory.</summary>
    BytesRead,
    /// <summary>Bytes written from guest memory to the image.</summary>
    BytesWritten,
    /// <summary>Requests of a type the device does not implement (VIRTIO_BLK_S_UNSUPP).</summary>
    UnsupportedRequests,
    /// <summary>Requests with a short header, data in the wrong direction or a length that is not whole sectors (IOERR).</summary>
    MalformedRequests,
    /// <summary>Requests whose sectors go past the capacity (IOERR).</summary>
    OutOfRangeRequests,
    /// <summary>Writes refused because the disk is read-only (IOERR).</summary>
    ReadOnlyViolations,
    /// <summary>Host-side I/O failures: pread/pwrite/fsync errors, an image shorter than when it was opened (IOERR).</summary>
    HostIoErrors,
    /// <summary>Chains the queue rejected (<see cref="DescriptorChainError"/>), returned with length 0.</summary>
    InvalidChains,
    /// <summary>Chains whose last buffer is not a device-writable status byte, returned with length 0 and nothing written.</summary>
    ChainsWithoutStatus,
}
