using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Memory;

/// <summary>
/// Guest physical memory: sorted, non-overlapping regions. Every access is bounds-checked. The Try* methods are for
/// device code handling guest-supplied addresses (they return false, never throw); the others are for the VMM's own
/// set-up (boot loaders), where an out-of-range access is a host bug and throws <see cref="GuestMemoryException"/>.
/// An access may not span two regions: the regions are separated by holes (the MMIO gap).
/// </summary>
public sealed class GuestMemory : IDisposable
{
    private readonly GuestMemoryRegion[] _regions;

    public GuestMemory(IEnumerable<(GuestAddress Start, ulong Size)> ranges)
    {
        var sorted = ranges.OrderBy(r => r.Start.Value).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i - 1].Start.Value + sorted[i - 1].Size > sorted[i].Start.Value)
            {
                throw new ArgumentException($"guest memory ranges overlap at {sorted[i].Start}");
            }
        }
        _regions = new GuestMemoryRegion[sorted.Length];
        try
        {
            for (int i = 0; i < sorted.Length; i++)
            {
                _regions[i] = new GuestMemoryRegion(sorted[i].Start, sorted[i].Size);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<GuestMemoryRegion> Regions => _regions;

    public ulong TotalSize => _regions.Aggregate(0UL, (sum, r) => sum + r.Size);

    /// <summary>The highest guest address that is RAM, plus one.</summary>
    public GuestAddress End => _regions.Length == 0 ? GuestAddress.Zero : _regions[^1].End;

    public bool IsValidRange(GuestAddress address, ulong length) => TryGetSpan(address, length, out _);

    /// <summary>A span over guest RAM, or false if any byte of the range is not RAM.</summary>
    public bool TryGetSpan(GuestAddress address, ulong length, out Span<byte> span)
    {
        foreach (GuestMemoryRegion region in _regions)
        {
            if (region.Contains(address))
            {
                return region.TryGetSpan(address, length, out span);
            }
        }
        span = default;
        return false;
    }

    public bool TryRead(GuestAddress address, Span<byte> destination)
    {
        if (!TryGetSpan(address, (ulong)destination.Length, out Span<byte> source))
        {
            return false;
        }
        source.CopyTo(destination);
        return true;
    }

    public bool TryWrite(GuestAddress address, ReadOnlySpan<byte> source)
    {
        if (!TryGetSpan(address, (ulong)source.Length, out Span<byte> destination))
        {
            return false;
        }
        source.CopyTo(destination);
        return true;
    }

    /// <summary>Reads a little-endian unmanaged value (x86 guests are little-endian, as are virtio 1.x structures).</summary>
    public bool TryRead<T>(GuestAddress address, out T value) where T : unmanaged
    {
        if (!TryGetSpan(address, (ulong)Unsafe.SizeOf<T>(), out Span<byte> span))
        {
            value = default;
            return false;
        }
        value = MemoryMarshal.Read<T>(span);
        return true;
    }

    public bool TryWrite<T>(GuestAddress address, T value) where T : unmanaged
    {
        if (!TryGetSpan(address, (ulong)Unsafe.SizeOf<T>(), out Span<byte> span))
        {
            return false;
        }
        MemoryMarshal.Write(span, in value);
        return true;
    }

    public void Read(GuestAddress address, Span<byte> destination)
    {
        if (!TryRead(address, destination))
        {
            throw new GuestMemoryException(address, (ulong)destination.Length);
        }
    }

    public void Write(GuestAddress address, ReadOnlySpan<byte> source)
    {
        if (!TryWrite(address, source))
        {
            throw new GuestMemoryException(address, (ulong)source.Length);
        }
    }

    public T Read<T>(GuestAddress address) where T : unmanaged =>
        TryRead(address, out T value) ? value : throw new GuestMemoryException(address, (ulong)Unsafe.SizeOf<T>());

    public void Write<T>(GuestAddress address, T value) where T : unmanaged
    {
        if (!TryWrite(address, value))
        {
            throw new GuestMemoryException(address, (ulong)Unsafe.SizeOf<T>());
        }
    }

    /// <summary>Copies <paramref name="length"/> bytes from a host stream into guest RAM (kernel and initrd loading).</summary>
    public void WriteFromStream(GuestAddress address, Stream source, ulong length)
    {
        if (!TryGetSpan(address, length, out Span<byte> destination))
        {
            throw new GuestMemoryException(address, length);
        }
        source.ReadExactly(destination);
    }

    public void Dispose()
    {
        foreach (GuestMemoryRegion? region in _regions)
        {
            region?.Dispose();
        }
    }
}
