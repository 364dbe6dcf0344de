namespace Kata.Hypervisor.Memory;

/// <summary>One contiguous range of guest RAM backed by one host mapping.</summary>
public sealed class GuestMemoryRegion : IDisposable
{
    private readonly MmapRegion _mapping;

    public GuestMemoryRegion(GuestAddress start, ulong size)
    {
        if (size == 0 || start.CheckedAdd(size) is null)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"region {start}+0x{size:x} is empty or wraps");
        }
        Start = start;
        Size = size;
        _mapping = MmapRegion.Anonymous(size);
    }

    public GuestAddress Start { get; }
    public ulong Size { get; }
    public GuestAddress End => new(Start.Value + Size);
    public IntPtr HostAddress => _mapping.Address;

    public bool Contains(GuestAddress address) => address >= Start && address.Value - Start.Value < Size;

    /// <summary>A span over [address, address+length) if it lies wholly in this region.</summary>
    internal unsafe bool TryGetSpan(GuestAddress address, ulong length, out Span<byte> span)
    {
        span = default;
        if (!Contains(address))
        {
            return false;
        }
        ulong offset = address.Value - Start.Value;
        if (length > Size - offset || length > int.MaxValue)
        {
            return false;
        }
        span = new Span<byte>((byte*)_mapping.Address + offset, (int)length);
        return true;
    }

    public void Dispose() => _mapping.Dispose();
}
