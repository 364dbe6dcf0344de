using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Boot;

/// <summary>struct boot_e820_entry (arch/x86/include/uapi/asm/bootparam.h): packed, 20 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BootE820Entry
{
    public ulong Address;
    public ulong Size;
    public E820Type Type;
}
