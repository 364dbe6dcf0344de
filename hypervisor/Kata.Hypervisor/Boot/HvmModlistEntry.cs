using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Boot;

/// <summary>struct hvm_modlist_entry (xen start_info.h): one boot module; Linux takes the first as its initrd. 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct HvmModlistEntry
{
    public ulong Paddr;           // 0x00
    public ulong Size;            // 0x08
    public ulong CmdlinePaddr;    // 0x10
    public ulong Reserved;        // 0x18
}
