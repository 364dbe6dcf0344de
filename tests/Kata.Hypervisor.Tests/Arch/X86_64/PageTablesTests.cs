using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

public class PageTablesTests
{
    [Fact]
    public void Write_IdentityMapsFirstGibWith2MibPages()
    {
        using var memory = new GuestMemory([(GuestAddress.Zero, 0x10_0000UL)]);
        // Stale data in the table pages must not survive.
        memory.Write(Layout.Pml4Start.Add(8), ulong.MaxValue);
        memory.Write(Layout.PdptStart.Add(8 * 511), ulong.MaxValue);

        ulong cr3 = PageTables.Write(memory);

        Assert.Equal(Layout.Pml4Start.Value, cr3);
        Assert.Equal(0xa003UL, memory.Read<ulong>(Layout.Pml4Start));
        Assert.Equal(0xb003UL, memory.Read<ulong>(Layout.PdptStart));
        for (ulong i = 1; i < 512; i++)
        {
            Assert.Equal(0UL, memory.Read<ulong>(Layout.Pml4Start.Add(i * 8)));
            Assert.Equal(0UL, memory.Read<ulong>(Layout.PdptStart.Add(i * 8)));
        }
        for (ulong i = 0; i < 512; i++)
        {
            Assert.Equal((i << 21) | 0x83, memory.Read<ulong>(Layout.PdStart.Add(i * 8)));
        }
    }

    [Fact]
    public void Write_FailsLoudlyWhenMemoryIsTooSmall()
    {
        using var memory = new GuestMemory([(GuestAddress.Zero, Layout.PdStart.Value)]);
        Assert.Throws<GuestMemoryException>(() => PageTables.Write(memory));
    }
}
