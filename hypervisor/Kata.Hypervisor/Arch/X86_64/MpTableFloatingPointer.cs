using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// MP floating pointer structure (Intel MP spec 1.4, §4.1, Linux struct mpf_intel): 16 bytes, "_MP_", found by the
/// OS scanning the last KiB of base memory, and pointing at the configuration table.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct MpTableFloatingPointer
{
    /// <summary>"_MP_" read as a little-endian uint.</summary>
    public const uint SignatureValue = 0x5f50_4d5f;

    public uint Signature;              // 0x00 "_MP_"
    public uint PhysicalAddressPointer; // 0x04 MP configuration table address
    public byte Length;                 // 0x08 in 16-byte paragraphs: 1
    public byte SpecRev;                // 0x09 4 = MP spec 1.4
    public byte Checksum;               // 0x0a all 16 bytes sum to 0
    public fixed byte Features[5];      // 0x0b feature byte 1 = 0: a configuration table is present
}
