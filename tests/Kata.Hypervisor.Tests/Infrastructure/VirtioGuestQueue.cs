using System.Buffers.Binary;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// The driver's side of one split virtqueue in real guest memory, as a guest driver keeps it (virtio 1.2 §2.7.13,
/// §2.7.14): it writes descriptors and the available ring, publishes avail idx, and reads the used ring. It also
/// writes whatever a hostile driver would (raw descriptors, any avail idx, any head) for the error-path tests.
/// </summary>
public sealed class VirtioGuestQueue
{
    private readonly GuestMemory _memory;
    private ushort _nextDescriptor;

    public VirtioGuestQueue(GuestMemory memory, int index, ushort size, GuestAddress descriptorTable, GuestAddress availRing, GuestAddress usedRing)
    {
        _memory = memory;
        Index = index;
        Size = size;
        DescriptorTable = descriptorTable;
        AvailRing = availRing;
        UsedRing = usedRing;
    }

    public int Index { get; }
    public ushort Size { get; }
    public GuestAddress DescriptorTable { get; }
    public GuestAddress AvailRing { get; }
    public GuestAddress UsedRing { get; }

    /// <summary>The driver's copy of avail idx (what it last published).</summary>
    public ushort AvailIndex { get; private set; }

    /// <summary>How far the driver has read the used ring.</summary>
    public ushort LastSeenUsed { get; private set; }

    /// <summary>Bytes of guest memory the three rings take from <see cref="DescriptorTable"/> (for laying out the next queue).</summary>
    public static ulong Footprint(ushort size) => UsedOffset(size) + 6 + 8UL * size;

    internal static ulong UsedOffset(ushort size) => (16UL * size + 6 + 2UL * size + 3) & ~3UL;

    public void WriteDescriptor(int index, ulong address, uint length, VirtqDescriptorFlags flags, ushort next) =>
        WriteDescriptorAt(DescriptorTable, index, address, length, flags, next);

    /// <summary>Writes a descriptor into any table (an indirect one) at <paramref name="table"/>.</summary>
    public void WriteDescriptorAt(GuestAddress table, int index, ulong address, uint length, VirtqDescriptorFlags flags, ushort next)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, address);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[12..], (ushort)flags);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[14..], next);
        _memory.Write(new GuestAddress(table.Value + (ulong)index * 16), bytes);
    }

    /// <summary>
    /// Puts a chain of <paramref name="buffers"/> into free descriptors (round robin over the table), offers its head in
    /// the available ring and publishes avail idx. Returns the head.
    /// </summary>
    public ushort Offer(params (ulong Address, uint Length, bool Writable)[] buffers)
    {
        if (buffers.Length == 0 || buffers.Length > Size)
        {
            throw new ArgumentException($"a chain needs 1..{Size} buffers", nameof(buffers));
        }
        ushort head = _nextDescriptor;
        for (int i = 0; i < buffers.Length; i++)
        {
            ushort index = (ushort)((head + i) % Size);
            bool last = i == buffers.Length - 1;
            var flags = (buffers[i].Writable ? VirtqDescriptorFlags.Write : 0) | (last ? 0 : VirtqDescriptorFlags.Next);
            WriteDescriptor(index, buffers[i].Address, buffers[i].Length, flags, last ? (ushort)0 : (ushort)((index + 1) % Size));
        }
        _nextDescriptor = (ushort)((head + buffers.Length) % Size);
        OfferHead(head);
        return head;
    }

    /// <summary>Writes <paramref name="head"/> into the next available ring entry and publishes avail idx + 1.</summary>
    public void OfferHead(ushort head)
    {
        PutInRing(head);
        PublishAvailIndex((ushort)(AvailIndex + 1));
    }

    /// <summary>Writes <paramref name="head"/> at the next ring entry without publishing (for batching).</summary>
    public void PutInRing(ushort head, int ahead = 0) =>
        _memory.Write(new GuestAddress(AvailRing.Value + 4 + 2UL * (ushort)((AvailIndex + ahead) % Size)), head);

    /// <summary>Publishes any avail idx (a hostile driver can jump it).</summary>
    public void PublishAvailIndex(ushort availIndex)
    {
        AvailIndex = availIndex;
        Interlocked.MemoryBarrier();
        _memory.Write(new GuestAddress(AvailRing.Value + 2), availIndex);
    }

    /// <summary>avail.flags: VIRTQ_AVAIL_F_NO_INTERRUPT = 1.</summary>
    public void SetAvailFlags(ushort flags) => _memory.Write(new GuestAddress(AvailRing.Value), flags);

    /// <summary>used_event, after the available ring's entries (VIRTIO_F_EVENT_IDX).</summary>
    public void SetUsedEvent(ushort usedEvent) => _memory.Write(new GuestAddress(AvailRing.Value + 4 + 2UL * Size), usedEvent);

    /// <summary>avail_event, after the used ring's entries, as the device last wrote it.</summary>
    public ushort ReadAvailEvent() => _memory.Read<ushort>(new GuestAddress(UsedRing.Value + 4 + 8UL * Size));

    public ushort ReadUsedIndex() => _memory.Read<ushort>(new GuestAddress(UsedRing.Value + 2));

    public ushort ReadUsedFlags() => _memory.Read<ushort>(UsedRing);

    /// <summary>Reads used elements the device published since the last call (§2.7.14).</summary>
    public IReadOnlyList<(uint Id, uint Length)> TakeUsed()
    {
        var used = new List<(uint, uint)>();
        ushort usedIndex = ReadUsedIndex();
        while (LastSeenUsed != usedIndex)
        {
            ulong element = UsedRing.Value + 4 + 8UL * (uint)(LastSeenUsed % Size);
            used.Add((_memory.Read<uint>(new GuestAddress(element)), _memory.Read<uint>(new GuestAddress(element + 4))));
            LastSeenUsed++;
        }
        return used;
    }
}
