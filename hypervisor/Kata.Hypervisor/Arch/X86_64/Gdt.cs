using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// The boot GDT at <see cref="Layout.GdtStart"/> and the null IDT at <see cref="Layout.IdtStart"/>, and the conversion
/// of a descriptor to the cached segment state KVM_SET_SREGS takes (after Firecracker's arch/x86_64/gdt.rs). Descriptor
/// format: Intel SDM Vol. 3A §3.4.5 "Segment Descriptors". Four 8-byte entries fit before the IDT.
/// </summary>
public static class Gdt
{
    public const int EntryCount = 4;
    public const int SizeBytes = EntryCount * 8;

    /// <summary>Descriptor flags (the 0xF0FF mask of <see cref="Entry"/>): G, D/B, L, AVL | P, DPL, S, type.</summary>
    public const ushort Code64Flags = 0xa09b;    // G=1 L=1, present, code execute/read accessed
    public const ushort Code32Flags = 0xc09b;    // G=1 D=1, present, code execute/read accessed
    public const ushort DataFlags = 0xc093;      // G=1 B=1, present, data read/write accessed
    public const ushort TssFlags = 0x008b;       // present, system type 11: busy 32-bit (or 64-bit) TSS

    /// <summary>
    /// Linux 64-bit boot protocol (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"): CS must be __BOOT_CS
    /// (0x10), DS/ES/SS __BOOT_DS (0x18). The TSS takes the free slot 1; nothing loads it from memory (the kernel
    /// installs its own GDT and TSS), it only backs the TR state KVM requires.
    /// </summary>
    public const ushort Linux64TssSelector = 0x08, Linux64CodeSelector = 0x10, Linux64DataSelector = 0x18;

    /// <summary>
    /// PVH (xen docs/misc/pvh.pandoc): selectors are unspecified, segments flat 32-bit, TR a 32-bit TSS with limit
    /// 0x67; Linux's arch/x86/platform/pvh/head.S loads its own GDT first thing. Slots as Firecracker uses them.
    /// </summary>
    public const ushort PvhCodeSelector = 0x08, PvhDataSelector = 0x10, PvhTssSelector = 0x18;

    /// <summary>A segment descriptor from flags (masked with 0xF0FF), a 32-bit base and a 20-bit limit.</summary>
    public static ulong Entry(ushort flags, uint baseAddress, uint limit) =>
        ((ulong)(baseAddress & 0xff00_0000) << (56 - 24))
        | ((ulong)(flags & 0xf0ff) << 40)
        | ((ulong)(limit & 0x000f_0000) << (48 - 16))
        | ((ulong)(baseAddress & 0x00ff_ffff) << 16)
        | (limit & 0x0000_ffff);

    /// <summary>The four descriptors for <paramref name="protocol"/>, indexed by selector / 8.</summary>
    public static ulong[] Table(BootProtocol protocol) => protocol switch
    {
        BootProtocol.Linux64 =>
        [
            0,
            Entry(TssFlags, 0, 0x67),
            Entry(Code64Flags, 0, 0xfffff),
            Entry(DataFlags, 0, 0xfffff),
        ],
        BootProtocol.Pvh =>
        [
            0,
            Entry(Code32Flags, 0, 0xfffff),
            Entry(DataFlags, 0, 0xfffff),
            Entry(TssFlags, 0, 0x67),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "unknown boot protocol"),
    };

    /// <summary>
    /// The hidden (cached) segment register state for <paramref name="entry"/> loaded through
    /// <paramref name="selector"/>. The limit is stored expanded (byte granular) as the VMCS and kvm_segment hold it:
    /// with G=1 the 20-bit limit counts 4 KiB units (SDM Vol. 3A §3.4.5, Vol. 3C §24.4.1).
    /// </summary>
    public static KvmSegment SegmentFromEntry(ulong entry, ushort selector)
    {
        byte present = (byte)((entry >> 47) & 1);
        byte granularity = (byte)((entry >> 55) & 1);
        uint limit = (uint)(((entry >> 32) & 0x000f_0000) | (entry & 0xffff));
        return new KvmSegment
        {
            Base = ((entry >> 32) & 0xff00_0000) | ((entry >> 16) & 0x00ff_ffff),
            Limit = granularity == 1 ? (limit << 12) | 0xfff : limit,
            Selector = selector,
            Type = (byte)((entry >> 40) & 0xf),
            S = (byte)((entry >> 44) & 1),
            Dpl = (byte)((entry >> 45) & 3),
            Present = present,
            Avl = (byte)((entry >> 52) & 1),
            L = (byte)((entry >> 53) & 1),
            Db = (byte)((entry >> 54) & 1),
            G = granularity,
            Unusable = present == 0 ? (byte)1 : (byte)0,
        };
    }

    /// <summary>The cached state for the descriptor at <paramref name="selector"/> in <paramref name="table"/>.</summary>
    public static KvmSegment Segment(ReadOnlySpan<ulong> table, ushort selector) => SegmentFromEntry(table[selector >> 3], selector);

    /// <summary>Writes the GDT for <paramref name="protocol"/> and a null IDT (one zero gate) into guest memory.</summary>
    public static void Write(GuestMemory memory, BootProtocol protocol)
    {
        ulong[] table = Table(protocol);
        for (int i = 0; i < table.Length; i++)
        {
            memory.Write(Layout.GdtStart.Add((ulong)i * 8), table[i]);
        }
        memory.Write(Layout.IdtStart, 0UL);
    }

    /// <summary>GDTR for the table <see cref="Write"/> puts in guest memory.</summary>
    public static KvmDtable GdtRegister => new() { Base = Layout.GdtStart.Value, Limit = SizeBytes - 1 };

    /// <summary>IDTR for the null IDT: any interrupt or exception before the kernel loads its own IDT triple-faults.</summary>
    public static KvmDtable IdtRegister => new() { Base = Layout.IdtStart.Value, Limit = 8 - 1 };
}
