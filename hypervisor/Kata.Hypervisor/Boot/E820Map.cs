using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// The guest's physical memory map as the kernel sees it (through boot_params.e820_table or the PVH memmap): RAM
/// below the EBDA, the legacy EBDA/VGA/BIOS area [0x9fc00, 1 MiB) reserved (it holds the MP table; a PC BIOS reports
/// it the same way), RAM from 1 MiB to the end of the low region, and every region above the MMIO gap as RAM.
/// </summary>
public static class E820Map
{
    public static IReadOnlyList<E820Entry> ForMemory(GuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ulong ebda = Layout.EbdaStart.Value;
        ulong highMemory = Layout.HighMemoryStart.Value;
        var entries = new List<E820Entry>();
        foreach (GuestMemoryRegion region in memory.Regions)
        {
            ulong start = region.Start.Value;
            ulong end = region.End.Value;
            if (start >= highMemory)
            {
                entries.Add(new E820Entry(start, end - start, E820Type.Ram));
                continue;
            }
            if (start < ebda)
            {
                entries.Add(new E820Entry(start, Math.Min(end, ebda) - start, E820Type.Ram));
            }
            if (end > ebda)
            {
                ulong reservedStart = Math.Max(start, ebda);
                entries.Add(new E820Entry(reservedStart, highMemory - reservedStart, E820Type.Reserved));
            }
            if (end > highMemory)
            {
                entries.Add(new E820Entry(highMemory, end - highMemory, E820Type.Ram));
            }
        }
        return entries;
    }
}
