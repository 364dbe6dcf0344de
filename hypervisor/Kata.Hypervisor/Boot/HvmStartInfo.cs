using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h), version 1: the PVH start-of-day structure,
/// whose guest physical address the boot vCPU gets in %ebx. 56 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct HvmStartInfo
{
    /// <summary>XEN_HVM_START_MAGIC_VALUE.</summary>
    public const uint MagicValue = 0x336e_c578;

    public uint Magic;            // 0x00
    public uint Version;          // 0x04
    public uint Flags;            // 0x08 SIF_xxx
    public uint NrModules;        // 0x0c
    public ulong ModlistPaddr;    // 0x10 array of struct hvm_modlist_entry
    public ulong CmdlinePaddr;    // 0x18
    public ulong RsdpPaddr;       // 0x20
    public ulong MemmapPaddr;     // 0x28 array of struct hvm_memmap_table_entry (version 1)
    public uint MemmapEntries;    // 0x30
    public uint Reserved;         // 0x34 must be zero
}
