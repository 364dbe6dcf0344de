using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// A descriptor chain popped from a <see cref="VirtQueue"/>: the head index to return through the used ring, and
/// either the validated buffers (device-readable ones first, §2.7.4.2) or the <see cref="Error"/> that rejected the
/// chain. The buffers stay in guest memory; the driver can rewrite their contents at any time, so a device copies
/// what it parses (<see cref="ReadReadable"/>) before it checks it. Reads and writes are bounded by the segments and
/// never throw.
/// </summary>
public sealed class DescriptorChain
{
    private readonly GuestMemory _memory;
    private readonly DescriptorSegment[] _segments;

    internal DescriptorChain(GuestMemory memory, ushort headIndex, DescriptorSegment[] segments, uint readableLength, uint writableLength)
    {
        _memory = memory;
        HeadIndex = headIndex;
        _segments = segments;
        ReadableLength = readableLength;
        WritableLength = writableLength;
    }

    private DescriptorChain(GuestMemory memory, ushort headIndex, DescriptorChainError error)
    {
        _memory = memory;
        HeadIndex = headIndex;
        _segments = [];
        Error = error;
    }

    /// <summary>The descriptor index the driver put in the available ring; the used element's id.</summary>
    public ushort HeadIndex { get; }

    /// <summary>Why the chain was rejected, or <see cref="DescriptorChainError.None"/>.</summary>
    public DescriptorChainError Error { get; }

    public bool IsValid => Error == DescriptorChainError.None;

    /// <summary>The buffers in chain order, zero-length ones left out; empty for an invalid chain.</summary>
    public IReadOnlyList<DescriptorSegment> Segments => _segments;

    /// <summary>Total bytes of the device-readable buffers.</summary>
    public uint ReadableLength { get; }

    /// <summary>Total bytes of the device-writable buffers.</summary>
    public uint WritableLength { get; }

    internal static DescriptorChain Invalid(GuestMemory memory, ushort headIndex, DescriptorChainError error) =>
        new(memory, headIndex, error);

    /// <summary>
    /// Copies device-readable bytes, starting <paramref name="offset"/> bytes into the readable part, into
    /// <paramref name="destination"/>; returns how many were copied (fewer when the readable part ends first).
    /// </summary>
    public int ReadReadable(Span<byte> destination, ulong offset = 0) => Copy(destination, offset, writable: false, source: default, toGuest: false);

    /// <summary>
    /// Copies <paramref name="source"/> into the device-writable buffers, starting <paramref name="offset"/> bytes into
    /// the writable part; returns how many bytes were written (fewer when the writable part ends first).
    /// </summary>
    public int WriteWritable(ReadOnlySpan<byte> source, ulong offset = 0) => Copy(default, offset, writable: true, source, toGuest: true);

    /// <summary>
    /// Lets <paramref name="fill"/> write straight into the device-writable buffers, one span per buffer, in order,
    /// up to <paramref name="maxBytes"/> in all; returns the bytes handed out. For producers that fill memory in place
    /// (an entropy source, a file read).
    /// </summary>
    public int FillWritable(Action<Span<byte>> fill, int maxBytes)
    {
        int total = 0;
        foreach (DescriptorSegment segment in _segments)
        {
            if (total >= maxBytes)
            {
                break;
            }
            if (!segment.IsWritable)
            {
                continue;
            }
            int length = (int)Math.Min(segment.Length, (uint)(maxBytes - total));
            if (!_memory.TryGetSpan(segment.Address, (ulong)length, out Span<byte> span))
            {
                break;
            }
            fill(span);
            total += length;
        }
        return total;
    }

    private int Copy(Span<byte> destination, ulong offset, bool writable, ReadOnlySpan<byte> source, bool toGuest)
    {
        int wanted = toGuest ? source.Length : destination.Length;
        int done = 0;
        ulong skip = offset;
        foreach (DescriptorSegment segment in _segments)
        {
            if (done == wanted)
            {
                break;
            }
            if (segment.IsWritable != writable)
            {
                continue;
            }
            if (skip >= segment.Length)
            {
                skip -= segment.Length;
                continue;
            }
            int length = (int)Math.Min(segment.Length - skip, (ulong)(wanted - done));
            // The segment was checked when the chain was popped; a failure here would be a VMM bug, not the guest's.
            if (!_memory.TryGetSpan(new GuestAddress(segment.Address.Value + skip), (ulong)length, out Span<byte> guest))
            {
                break;
            }
            if (toGuest)
            {
                source.Slice(done, length).CopyTo(guest);
            }
            else
            {
                guest.CopyTo(destination.Slice(done, length));
            }
            done += length;
            skip = 0;
        }
        return done;
    }
}
