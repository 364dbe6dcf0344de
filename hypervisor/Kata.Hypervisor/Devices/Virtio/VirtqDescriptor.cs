using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// <c>struct virtq_desc</c> (virtio 1.2 §2.7.5): 16 bytes, little-endian, 16-byte aligned in the descriptor table.
/// Read from guest memory as a copy, so a guest rewriting it meanwhile cannot change what was validated.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1, Size = 16)]
public readonly record struct VirtqDescriptor(ulong Address, uint Length, VirtqDescriptorFlags Flags, ushort Next)
{
    public const int Size = 16;

    public bool HasNext => (Flags & VirtqDescriptorFlags.Next) != 0;
    public bool IsWritable => (Flags & VirtqDescriptorFlags.Write) != 0;
    public bool IsIndirect => (Flags & VirtqDescriptorFlags.Indirect) != 0;
}
