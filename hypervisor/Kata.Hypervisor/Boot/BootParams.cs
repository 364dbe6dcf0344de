using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// struct boot_params, the 4 KiB "zero page" (Documentation/arch/x86/zero-page.rst), handed to the kernel's 64-bit
/// entry in %rsi. Only the fields a VMM fills are named; everything else stays zero.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct BootParams
{
    public const int Size = 0x1000;

    /// <summary>0x070 acpi_rsdp_addr: physical address of the ACPI RSDP (0: the kernel searches for it).</summary>
    [FieldOffset(0x070)] public ulong AcpiRsdpAddr;
    /// <summary>0x0c0 ext_ramdisk_image: upper 32 bits of the ramdisk address.</summary>
    [FieldOffset(0x0c0)] public uint ExtRamdiskImage;
    /// <summary>0x0c4 ext_ramdisk_size: upper 32 bits of the ramdisk size.</summary>
    [FieldOffset(0x0c4)] public uint ExtRamdiskSize;
    /// <summary>0x0c8 ext_cmd_line_ptr: upper 32 bits of the command line address.</summary>
    [FieldOffset(0x0c8)] public uint ExtCmdLinePtr;
    /// <summary>0x1e8 e820_entries: number of entries in <see cref="E820Table"/>.</summary>
    [FieldOffset(0x1e8)] public byte E820Entries;
    /// <summary>0x1ef sentinel: must stay 0 (the kernel zeroes fields a broken loader left behind otherwise).</summary>
    [FieldOffset(0x1ef)] public byte Sentinel;
    /// <summary>0x1f1 hdr: the setup header (boot.rst).</summary>
    [FieldOffset(SetupHeader.OffsetInBootParams)] public SetupHeader Hdr;
    /// <summary>0x2d0 e820_table: the memory map.</summary>
    [FieldOffset(0x2d0)] public BootE820Table E820Table;
}
