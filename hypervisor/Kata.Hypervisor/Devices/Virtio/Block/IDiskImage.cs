namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>
/// The storage behind a <see cref="VirtioBlock"/>: positional reads and writes (no shared file position, so nothing
/// depends on the order of calls), a flush, and what the guest is told about it. Host failures are thrown as
/// <see cref="IOException"/> (or <see cref="ObjectDisposedException"/> after disposal); the device turns them into
/// VIRTIO_BLK_S_IOERR.
/// </summary>
public interface IDiskImage : IDisposable
{
    /// <summary>The path shown in log lines.</summary>
    string Path { get; }

    /// <summary>Size in bytes, a multiple of <see cref="VirtioBlock.SectorSize"/>, fixed when the image was opened.</summary>
    ulong SizeBytes { get; }

    /// <summary>Opened read-only: <see cref="Write"/> must not be called.</summary>
    bool IsReadOnly { get; }

    /// <summary>The serial number GET_ID returns: at most 20 bytes (VIRTIO_BLK_ID_BYTES).</summary>
    ReadOnlyMemory<byte> Serial { get; }

    /// <summary>Reads from <paramref name="offset"/> into <paramref name="destination"/>; returns the bytes read (fewer only at the end of the file).</summary>
    int Read(Span<byte> destination, ulong offset);

    /// <summary>Writes all of <paramref name="source"/> at <paramref name="offset"/>.</summary>
    void Write(ReadOnlySpan<byte> source, ulong offset);

    /// <summary>Makes completed writes durable (fsync(2)).</summary>
    void Flush();
}
