using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// The x86_64 guest physical address map, in the spirit of Firecracker's arch/x86_64/layout.rs:
/// low memory holds the boot structures, the kernel loads at 1 MiB, RAM runs up to the 32-bit MMIO gap
/// (768 MiB below 4 GiB, holding virtio-mmio devices, the IOAPIC and LAPIC) and continues above 4 GiB.
/// </summary>
public static class Layout
{
    /// <summary>GDT used for 64-bit and 32-bit (PVH) entry.</summary>
    public static readonly GuestAddress GdtStart = new(0x500);
    /// <summary>A null IDT right after the GDT.</summary>
    public static readonly GuestAddress IdtStart = new(0x520);
    /// <summary>PVH hvm_start_info and, after it, its memory map table.</summary>
    public static readonly GuestAddress PvhInfoStart = new(0x6000);
    /// <summary>The "zero page" (struct boot_params) for the Linux 64-bit boot protocol.</summary>
    public static readonly GuestAddress ZeroPageStart = new(0x7000);
    /// <summary>Initial stack pointer for the boot vCPU.</summary>
    public static readonly GuestAddress BootStackPointer = new(0x8ff0);
    /// <summary>Identity-mapping page tables for 64-bit entry: PML4, PDPT, PD (1 GiB with 2 MiB pages).</summary>
    public static readonly GuestAddress Pml4Start = new(0x9000);
    public static readonly GuestAddress PdptStart = new(0xa000);
    public static readonly GuestAddress PdStart = new(0xb000);
    /// <summary>Kernel command line.</summary>
    public static readonly GuestAddress CmdlineStart = new(0x20000);
    /// <summary>Largest command line we pass (Linux x86 COMMAND_LINE_SIZE is 2048).</summary>
    public const int CmdlineMaxSize = 2048;
    /// <summary>Start of the Extended BIOS Data Area: low RAM ends here; the MP table lives in it.</summary>
    public static readonly GuestAddress EbdaStart = new(0x9fc00);
    /// <summary>Where the kernel is loaded (HIMEM_START) when its headers do not say otherwise.</summary>
    public static readonly GuestAddress HighMemoryStart = new(0x10_0000);

    /// <summary>The 32-bit MMIO gap: [MmioGapStart, 4 GiB).</summary>
    public static readonly GuestAddress MmioGapStart = new(0xd000_0000);
    public const ulong MmioGapSize = 768UL << 20;
    public static readonly GuestAddress FirstAddressPast32Bits = new(1UL << 32);

    /// <summary>Firecracker-style boot timer: the guest writes <see cref="Devices.Legacy.BootTimer.MagicValue"/> here.</summary>
    public static readonly GuestAddress BootTimerAddress = MmioGapStart;
    /// <summary>virtio-mmio devices, one 4 KiB window each, after the boot timer page.</summary>
    public static readonly GuestAddress VirtioMmioStart = new(MmioGapStart.Value + 0x1000);
    public const ulong VirtioMmioWindowSize = 0x1000;

    public static readonly GuestAddress IoapicStart = new(0xfec0_0000);
    public static readonly GuestAddress LapicStart = new(0xfee0_0000);
    /// <summary>Three pages KVM needs for the TSS on Intel (KVM_SET_TSS_ADDR), at the top of the MMIO gap.</summary>
    public static readonly GuestAddress KvmTssAddress = new(0xfffb_d000);

    /// <summary>Interrupt lines: the 8250 UART is on IRQ 4 (COM1); virtio devices take IRQs from 5 on.</summary>
    public const uint SerialIrq = 4;
    public const uint FirstDeviceIrq = 5;
    public const uint LastDeviceIrq = 23;

    /// <summary>Smallest guest we accept: enough for the boot structures and a kernel.</summary>
    public const ulong MinimumMemoryBytes = 16UL << 20;

    /// <summary>RAM ranges for a guest of <paramref name="memoryBytes"/>: below the gap, then above 4 GiB.</summary>
    public static IReadOnlyList<(GuestAddress Start, ulong Size)> RamRanges(ulong memoryBytes)
    {
        ulong below = Math.Min(memoryBytes, MmioGapStart.Value);
        var ranges = new List<(GuestAddress, ulong)> { (GuestAddress.Zero, below) };
        if (memoryBytes > below)
        {
            ranges.Add((FirstAddressPast32Bits, memoryBytes - below));
        }
        return ranges;
    }
}
