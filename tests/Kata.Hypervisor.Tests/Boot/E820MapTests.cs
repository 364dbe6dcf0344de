using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Tests.Boot.Infrastructure;

namespace Kata.Hypervisor.Tests.Boot;

public class E820MapTests
{
    [Fact]
    public void Guest256MiB_LowRamReservedLegacyAreaAndRamFrom1MiB()
    {
        using var memory = GuestMemories.OfMiB(256);
        IReadOnlyList<E820Entry> map = E820Map.ForMemory(memory);
        Assert.Equal(
            [
                new E820Entry(0, 0x9fc00, E820Type.Ram),
                new E820Entry(0x9fc00, 0x10_0000 - 0x9fc00, E820Type.Reserved),
                new E820Entry(0x10_0000, (256UL << 20) - 0x10_0000, E820Type.Ram),
            ],
            map);
    }

    [Fact]
    public void Guest5GiB_RamBelowTheMmioGapAndAbove4GiB()
    {
        using var memory = GuestMemories.OfMiB(5 << 10);
        IReadOnlyList<E820Entry> map = E820Map.ForMemory(memory);
        ulong gap = Layout.MmioGapStart.Value;
        Assert.Equal(4, map.Count);
        Assert.Equal(new E820Entry(0x10_0000, gap - 0x10_0000, E820Type.Ram), map[2]);
        Assert.Equal(new E820Entry(1UL << 32, (5UL << 30) - gap, E820Type.Ram), map[3]);
        // All RAM the guest has is reported as RAM, except the legacy 0x9fc00..1 MiB area.
        ulong ram = map.Where(e => e.Type == E820Type.Ram).Aggregate(0UL, (sum, e) => sum + e.Size);
        Assert.Equal(memory.TotalSize - (0x10_0000 - 0x9fc00), ram);
        Assert.DoesNotContain(map, e => e.Type == E820Type.Ram && e.Address < (1UL << 32) && e.End > gap);
    }
}
