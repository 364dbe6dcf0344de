using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>Bus entry (Intel MP spec 1.4, §4.3.2, Linux struct mpc_bus): 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct MpTableBusEntry
{
    public MpTableEntryType EntryType;  // 0x00 1
    public byte BusId;                  // 0x01
    public fixed byte BusType[6];       // 0x02 "ISA   " (table 4-8), space padded
}
