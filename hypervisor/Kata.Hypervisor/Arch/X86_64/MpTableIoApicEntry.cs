using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>I/O APIC entry (Intel MP spec 1.4, §4.3.3, Linux struct mpc_ioapic): 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct MpTableIoApicEntry
{
    /// <summary>Flags bit 0: the I/O APIC is usable.</summary>
    public const byte FlagEnabled = 0x01;

    public MpTableEntryType EntryType;  // 0x00 2
    public byte IoApicId;               // 0x01
    public byte IoApicVersion;          // 0x02
    public byte Flags;                  // 0x03
    public uint Address;                // 0x04
}
