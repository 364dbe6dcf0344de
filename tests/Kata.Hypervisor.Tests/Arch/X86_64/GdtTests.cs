using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Interop;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

public class GdtTests
{
    [Fact]
    public void Entry_EncodesAsFirecrackerAndLinux()
    {
        // The same values Firecracker's regs.rs tests expect, and Linux's GDT_ENTRY_INIT for these flags.
        Assert.Equal(0x00af_9b00_0000_ffffUL, Gdt.Entry(Gdt.Code64Flags, 0, 0xfffff));
        Assert.Equal(0x00cf_9300_0000_ffffUL, Gdt.Entry(Gdt.DataFlags, 0, 0xfffff));
        Assert.Equal(0x00cf_9b00_0000_ffffUL, Gdt.Entry(Gdt.Code32Flags, 0, 0xfffff));
        Assert.Equal(0x0000_8b00_0000_0067UL, Gdt.Entry(Gdt.TssFlags, 0, 0x67));
        Assert.Equal(0x1200_9334_5678_ffffUL, Gdt.Entry(0x0093, 0x1234_5678, 0xffff));
    }

    [Fact]
    public void SegmentFromEntry_DecodesEveryField()
    {
        KvmSegment code = Gdt.SegmentFromEntry(Gdt.Entry(Gdt.Code64Flags, 0x10_0000, 0xfffff), 0x10);
        Assert.Equal((0x10_0000UL, 0xffff_ffffu, (ushort)0x10), (code.Base, code.Limit, code.Selector));
        Assert.Equal(((byte)0xb, (byte)1, (byte)0, (byte)1), (code.Type, code.Present, code.Dpl, code.S));
        Assert.Equal(((byte)1, (byte)0, (byte)1, (byte)0, (byte)0), (code.L, code.Db, code.G, code.Avl, code.Unusable));

        KvmSegment tss = Gdt.SegmentFromEntry(Gdt.Entry(Gdt.TssFlags, 0, 0x67), 0x18);
        Assert.Equal((0x67u, (byte)0xb, (byte)0, (byte)0, (byte)1), (tss.Limit, tss.Type, tss.S, tss.G, tss.Present));

        KvmSegment missing = Gdt.SegmentFromEntry(0, 0);
        Assert.Equal((byte)1, missing.Unusable);
    }

    [Theory]
    [InlineData(BootProtocol.Linux64)]
    [InlineData(BootProtocol.Pvh)]
    public void Write_PutsTableAndNullIdtInGuestMemory(BootProtocol protocol)
    {
        using var memory = new GuestMemory([(GuestAddress.Zero, 0x10000UL)]);
        memory.Write(Layout.IdtStart, ulong.MaxValue);
        Gdt.Write(memory, protocol);
        ulong[] table = Gdt.Table(protocol);
        for (int i = 0; i < Gdt.EntryCount; i++)
        {
            Assert.Equal(table[i], memory.Read<ulong>(Layout.GdtStart.Add((ulong)i * 8)));
        }
        Assert.Equal(0UL, memory.Read<ulong>(Layout.IdtStart));
        Assert.True(Layout.GdtStart.Value + Gdt.SizeBytes <= Layout.IdtStart.Value, "the GDT must end before the IDT");
    }

    [Fact]
    public void Linux64_SelectorsAreTheBootProtocols()
    {
        ulong[] table = Gdt.Table(BootProtocol.Linux64);
        // Documentation/arch/x86/boot.rst: __BOOT_CS = 0x10, __BOOT_DS = 0x18.
        Assert.Equal(1, Gdt.Segment(table, 0x10).L);
        Assert.Equal((byte)0x3, (byte)(Gdt.Segment(table, 0x18).Type & 0x3));
        Assert.Equal((byte)0xb, Gdt.Segment(table, Gdt.Linux64TssSelector).Type);
    }

    [Fact]
    public void Pvh_SegmentsAreFlat32Bit()
    {
        ulong[] table = Gdt.Table(BootProtocol.Pvh);
        KvmSegment code = Gdt.Segment(table, Gdt.PvhCodeSelector), data = Gdt.Segment(table, Gdt.PvhDataSelector);
        Assert.Equal((0UL, 0xffff_ffffu, (byte)1, (byte)0), (code.Base, code.Limit, code.Db, code.L));
        Assert.Equal((0UL, 0xffff_ffffu, (byte)1), (data.Base, data.Limit, data.Db));
        KvmSegment tss = Gdt.Segment(table, Gdt.PvhTssSelector);
        Assert.Equal((0x67u, (byte)0xb), (tss.Limit, tss.Type));
    }
}
