namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// Where the tiny test guests put things in guest physical memory. This is the tests' own map, independent of
/// <c>Arch.X86_64.Layout</c>, so a change to the product layout cannot silently change what these tests prove.
/// </summary>
public static class TinyGuestLayout
{
    /// <summary>GDT: null, 32-bit code (0x08), data (0x10), 64-bit code (0x18).</summary>
    public const ulong GdtAddress = 0x500;
    public const ushort Code32Selector = 0x08;
    public const ushort DataSelector = 0x10;
    public const ushort Code64Selector = 0x18;

    /// <summary>Top of the boot stack (it grows down into 0x7000..0x7fff).</summary>
    public const ulong StackTop = 0x8000;

    /// <summary>Identity page tables for long mode: PML4, PDPT and four page directories of 2 MiB pages (4 GiB).</summary>
    public const ulong Pml4Address = 0x9000;
    public const ulong PdptAddress = 0xa000;
    public const ulong PageDirectoriesAddress = 0xb000;
    public const int MappedGiB = 4;

    /// <summary>Where the guest's code is loaded (in real mode: CS = 0x1000, IP = 0).</summary>
    public const ulong CodeAddress = 0x1_0000;

    /// <summary>Scratch RAM the tests and guests exchange data through (in real mode: DS = ES = 0x2000).</summary>
    public const ulong DataAddress = 0x2_0000;

    /// <summary>Guest RAM of a tiny guest: enough for everything above.</summary>
    public const ulong DefaultMemoryBytes = 2UL << 20;

    /// <summary>A guest physical address with no RAM behind it: accesses there exit as MMIO.</summary>
    public const ulong MmioAddress = 0xd000_0000;

    /// <summary>Three pages for KVM_SET_TSS_ADDR, far above the tiny guest's RAM.</summary>
    public const ulong KvmTssAddress = 0xfffb_d000;

    /// <summary>The port a guest writes to when it has finished (value = a result or status).</summary>
    public const ushort DonePort = 0x00f4;
}
