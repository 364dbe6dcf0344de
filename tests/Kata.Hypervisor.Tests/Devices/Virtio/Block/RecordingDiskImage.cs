using Kata.Hypervisor.Devices.Virtio.Block;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Block;

/// <summary>
/// A real <see cref="IDiskImage"/> with a window onto what the device does with it: every write range is recorded,
/// flushes are counted, and reads, writes or flushes can be made to fail as a host error would (an
/// <see cref="IOException"/>), for the error paths a healthy file cannot produce on demand.
/// </summary>
internal sealed class RecordingDiskImage : IDiskImage
{
    private readonly IDiskImage _inner;
    private readonly List<(ulong Offset, int Length)> _writes = [];
    private int _flushes;

    public RecordingDiskImage(IDiskImage inner) => _inner = inner;

    public bool FailReads { get; set; }
    public bool FailWrites { get; set; }
    public bool FailFlushes { get; set; }

    public int Flushes => Volatile.Read(ref _flushes);

    public IReadOnlyList<(ulong Offset, int Length)> Writes
    {
        get
        {
            lock (_writes)
            {
                return [.. _writes];
            }
        }
    }

    public string Path => _inner.Path;
    public ulong SizeBytes => _inner.SizeBytes;
    public bool IsReadOnly => _inner.IsReadOnly;
    public ReadOnlyMemory<byte> Serial => _inner.Serial;

    public int Read(Span<byte> destination, ulong offset)
    {
        if (FailReads)
        {
            throw new IOException("injected read error (EIO)");
        }
        return _inner.Read(destination, offset);
    }

    public void Write(ReadOnlySpan<byte> source, ulong offset)
    {
        if (FailWrites)
        {
            throw new IOException("injected write error (ENOSPC)");
        }
        lock (_writes)
        {
            _writes.Add((offset, source.Length));
        }
        _inner.Write(source, offset);
    }

    public void Flush()
    {
        if (FailFlushes)
        {
            throw new IOException("injected fsync error (EIO)");
        }
        Interlocked.Increment(ref _flushes);
        _inner.Flush();
    }

    public void Dispose() => _inner.Dispose();
}
