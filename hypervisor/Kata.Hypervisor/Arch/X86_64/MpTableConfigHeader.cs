using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>MP configuration table header (Intel MP spec 1.4, §4.2, Linux struct mpc_table): 44 bytes, "PCMP".</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct MpTableConfigHeader
{
    /// <summary>"PCMP" read as a little-endian uint.</summary>
    public const uint SignatureValue = 0x504d_4350;

    public uint Signature;               // 0x00 "PCMP"
    public ushort BaseTableLength;       // 0x04 header + base entries
    public byte SpecRev;                 // 0x06 4
    public byte Checksum;                // 0x07 the base table sums to 0
    public fixed byte OemId[8];          // 0x08 space padded
    public fixed byte ProductId[12];     // 0x10 space padded
    public uint OemTablePointer;         // 0x1c 0: none
    public ushort OemTableSize;          // 0x20
    public ushort EntryCount;            // 0x22 entries in the base table
    public uint LocalApicAddress;        // 0x24 0xfee00000
    public ushort ExtendedTableLength;   // 0x28
    public byte ExtendedTableChecksum;   // 0x2a
    public byte Reserved;                // 0x2b
}
