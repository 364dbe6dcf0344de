using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Arch.X86_64;

/// <summary>
/// Identity page tables for the first 1 GiB, for entry in long mode: one PML4 entry → one PDPT entry → 512 2 MiB
/// pages (Intel SDM Vol. 3A §4.5 "4-Level Paging", Tables 4-15, 4-17, 4-18). The Linux 64-bit boot protocol requires
/// the kernel, boot_params and command line to be identity mapped (Documentation/arch/x86/boot.rst).
/// </summary>
public static class PageTables
{
    public const ulong Present = 1UL << 0;
    public const ulong Writable = 1UL << 1;
    /// <summary>PS in a page-directory entry: the entry maps a 2 MiB page.</summary>
    public const ulong PageSize = 1UL << 7;

    public const ulong IdentityMappedBytes = 1UL << 30;
    private const int EntriesPerTable = 512;
    private const int TableBytes = EntriesPerTable * 8;

    /// <summary>Writes the three tables (whole pages, so stale entries cannot survive) and returns CR3.</summary>
    public static ulong Write(GuestMemory memory)
    {
        Span<ulong> table = stackalloc ulong[EntriesPerTable];

        table.Clear();
        table[0] = Layout.PdptStart.Value | Present | Writable;
        WriteTable(memory, Layout.Pml4Start, table);

        table[0] = Layout.PdStart.Value | Present | Writable;
        WriteTable(memory, Layout.PdptStart, table);

        for (int i = 0; i < EntriesPerTable; i++)
        {
            table[i] = ((ulong)i << 21) | Present | Writable | PageSize;
        }
        WriteTable(memory, Layout.PdStart, table);

        return Layout.Pml4Start.Value;
    }

    private static void WriteTable(GuestMemory memory, GuestAddress address, ReadOnlySpan<ulong> table) =>
        memory.Write(address, System.Runtime.InteropServices.MemoryMarshal.AsBytes(table)[..TableBytes]);
}
