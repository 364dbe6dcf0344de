using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>Walking and validating descriptor chains (virtio 1.2 §2.7.4, §2.7.5, §2.7.5.3).</summary>
public sealed partial class VirtQueue
{
    /// <summary>
    /// Follows the chain at <paramref name="head"/> through <c>next</c> and at most one indirect table, copying each
    /// descriptor out of guest memory once and validating it. Bounded: at most <see cref="Size"/> descriptors in the
    /// queue's table and at most the indirect table's entry count (itself at most Size) inside it, so a loop ends as
    /// <see cref="DescriptorChainError.ChainTooLong"/>.
    /// </summary>
    private DescriptorChain ReadChain(ushort head)
    {
        if (head >= Size)
        {
            return DescriptorChain.Invalid(_memory, head, DescriptorChainError.HeadIndexOutOfRange);
        }
        var segments = new List<DescriptorSegment>(4);
        GuestAddress table = DescriptorTable;
        uint tableEntries = Size;
        uint budget = Size;
        bool inIndirect = false;
        uint index = head;
        ulong readable = 0, writable = 0;
        bool seenWritable = false;
        while (true)
        {
            if (budget == 0)
            {
                return DescriptorChain.Invalid(_memory, head, DescriptorChainError.ChainTooLong);
            }
            budget--;
            if (!_memory.TryRead(table.Add((ulong)VirtqDescriptor.Size * index), out VirtqDescriptor descriptor))
            {
                // The queue's table was validated at set-up and an indirect table before switching to it.
                return DescriptorChain.Invalid(_memory, head, inIndirect
                    ? DescriptorChainError.IndirectTableOutsideGuestMemory
                    : DescriptorChainError.BufferOutsideGuestMemory);
            }
            if (descriptor.IsIndirect)
            {
                DescriptorChainError indirectError = CheckIndirect(descriptor, inIndirect);
                if (indirectError != DescriptorChainError.None)
                {
                    return DescriptorChain.Invalid(_memory, head, indirectError);
                }
                // §2.7.5.3: the chain continues at entry 0 of the table; the WRITE flag of this descriptor is ignored
                // (§2.7.5.3.2), and no chain follows it (INDIRECT | NEXT was refused above).
                table = new GuestAddress(descriptor.Address);
                tableEntries = descriptor.Length / VirtqDescriptor.Size;
                budget = tableEntries;
                inIndirect = true;
                index = 0;
                continue;
            }
            DescriptorChainError bufferError = CheckBuffer(descriptor, ref seenWritable, ref readable, ref writable);
            if (bufferError != DescriptorChainError.None)
            {
                return DescriptorChain.Invalid(_memory, head, bufferError);
            }
            if (descriptor.Length != 0)
            {
                segments.Add(new DescriptorSegment(new GuestAddress(descriptor.Address), descriptor.Length, descriptor.IsWritable));
            }
            if (!descriptor.HasNext)
            {
                return new DescriptorChain(_memory, head, [.. segments], (uint)readable, (uint)writable);
            }
            if (descriptor.Next >= tableEntries)
            {
                return DescriptorChain.Invalid(_memory, head, DescriptorChainError.NextIndexOutOfRange);
            }
            index = descriptor.Next;
        }
    }

    private DescriptorChainError CheckIndirect(VirtqDescriptor descriptor, bool inIndirect)
    {
        if (!IndirectDescriptors)
        {
            return DescriptorChainError.IndirectNotNegotiated;
        }
        if (inIndirect)
        {
            return DescriptorChainError.NestedIndirect;
        }
        if (descriptor.HasNext)
        {
            return DescriptorChainError.IndirectWithNext;
        }
        if (descriptor.Length == 0 || descriptor.Length % VirtqDescriptor.Size != 0)
        {
            return DescriptorChainError.IndirectTableBadLength;
        }
        if (descriptor.Length / VirtqDescriptor.Size > Size)
        {
            return DescriptorChainError.IndirectTableTooLarge;
        }
        if (descriptor.Address % 16 != 0 || !IsGuestRam(_memory, new GuestAddress(descriptor.Address), descriptor.Length))
        {
            return DescriptorChainError.IndirectTableOutsideGuestMemory;
        }
        return DescriptorChainError.None;
    }

    /// <summary>Checks one buffer descriptor and adds its length to the readable or writable total.</summary>
    private DescriptorChainError CheckBuffer(VirtqDescriptor descriptor, ref bool seenWritable, ref ulong readable, ref ulong writable)
    {
        var address = new GuestAddress(descriptor.Address);
        if (address.CheckedAdd(descriptor.Length) is null)
        {
            return DescriptorChainError.AddressOverflow;
        }
        // A zero-length buffer carries nothing: its address is never used, so it is not checked.
        if (descriptor.Length != 0 && !IsGuestRam(_memory, address, descriptor.Length))
        {
            return DescriptorChainError.BufferOutsideGuestMemory;
        }
        if (descriptor.IsWritable)
        {
            seenWritable = true;
            writable += descriptor.Length;
        }
        else
        {
            if (seenWritable && RequireReadableBeforeWritable)
            {
                return DescriptorChainError.ReadableAfterWritable;
            }
            readable += descriptor.Length;
        }
        return readable + writable > uint.MaxValue ? DescriptorChainError.ChainTooLarge : DescriptorChainError.None;
    }
}
