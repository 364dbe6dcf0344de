using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Boot;

/// <summary>struct hvm_memmap_table_entry (xen start_info.h): one PVH memory map range. 24 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct HvmMemmapTableEntry
{
    public ulong Addr;            // 0x00
    public ulong Size;            // 0x08
    public E820Type Type;         // 0x10 XEN_HVM_MEMMAP_TYPE_*, numbered as e820
    public uint Reserved;         // 0x14 must be zero
}
