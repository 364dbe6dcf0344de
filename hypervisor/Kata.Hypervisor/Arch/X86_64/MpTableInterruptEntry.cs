using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// I/O interrupt assignment (Intel MP spec 1.4, §4.3.4, Linux struct mpc_intsrc) and local interrupt assignment
/// (§4.3.5, struct mpc_lintsrc) entries, which share this 8-byte layout.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct MpTableInterruptEntry
{
    /// <summary>Interrupt types (table 4-11).</summary>
    public const byte TypeInt = 0;
    public const byte TypeNmi = 1;
    public const byte TypeSmi = 2;
    public const byte TypeExtInt = 3;
    /// <summary>Flags 0: polarity and trigger mode conform to the bus (table 4-10).</summary>
    public const ushort FlagsConformToBus = 0;
    /// <summary>Destination APIC id 0xff: all local APICs (§4.3.5).</summary>
    public const byte AllLocalApics = 0xff;

    public MpTableEntryType EntryType;  // 0x00 3 (I/O) or 4 (local)
    public byte InterruptType;          // 0x01
    public ushort Flags;                // 0x02
    public byte SourceBusId;            // 0x04
    public byte SourceBusIrq;           // 0x05
    public byte DestinationApicId;      // 0x06 I/O APIC id, or local APIC id
    public byte DestinationPin;         // 0x07 I/O APIC INTIN#, or local APIC LINTIN#
}
