using System.Buffers.Binary;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Boot.Infrastructure;

namespace Kata.Hypervisor.Tests.Arch;

/// <summary>The MP table read back from guest memory at the raw offsets of the Intel MP spec 1.4, chapter 4.</summary>
public class MpTableTests
{
    private static readonly GuestAddress Start = Layout.EbdaStart;

    private static byte[] Read(GuestMemory memory, ulong address, int length)
    {
        var bytes = new byte[length];
        memory.Read(new GuestAddress(address), bytes);
        return bytes;
    }

    private static byte Sum(byte[] bytes) => bytes.Aggregate((byte)0, (sum, b) => (byte)(sum + b));

    private static (byte[] Floating, ulong TableAddress, byte[] Table) ReadTable(GuestMemory memory)
    {
        byte[] floating = Read(memory, Start.Value, 16);
        ulong tableAddress = BinaryPrimitives.ReadUInt32LittleEndian(floating.AsSpan(4));
        ushort length = BinaryPrimitives.ReadUInt16LittleEndian(Read(memory, tableAddress + 4, 2));
        return (floating, tableAddress, Read(memory, tableAddress, length));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(MpTable.MaxVcpus)]
    public void BothStructuresChecksumToZero(int vcpus)
    {
        using var memory = GuestMemories.OfMiB(64);
        MpTable.Write(memory, vcpus);
        (byte[] floating, _, byte[] table) = ReadTable(memory);
        Assert.Equal(0, Sum(floating));
        Assert.Equal(0, Sum(table));
    }

    [Fact]
    public void FloatingPointer_InTheLastKiBOfBaseMemory_PointsAtTheTable()
    {
        using var memory = GuestMemories.OfMiB(64);
        MpTable.Write(memory, 2);
        (byte[] floating, ulong tableAddress, byte[] table) = ReadTable(memory);
        Assert.Equal("_MP_"u8.ToArray(), floating[..4]);
        Assert.InRange(Start.Value, 639UL * 1024, 640UL * 1024 - 16); // where Linux's smp_scan_config() looks
        Assert.Equal(0UL, Start.Value % 16);
        Assert.Equal(Start.Value + 16, tableAddress);
        Assert.Equal(1, floating[8]);  // length in paragraphs
        Assert.Equal(4, floating[9]);  // spec rev 1.4
        Assert.All(floating[11..16], b => Assert.Equal(0, b)); // feature byte 1 = 0: configuration table present

        Assert.Equal("PCMP"u8.ToArray(), table[..4]);
        Assert.Equal(4, table[6]);
        Assert.Equal("KATA    "u8.ToArray(), table[8..16]);
        Assert.Equal(0xfee0_0000u, BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(0x24)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Entries_OneProcessorPerVcpu_IsaBus_IoApic_24IoInterrupts_2LocalInterrupts(int vcpus)
    {
        using var memory = GuestMemories.OfMiB(64);
        MpTable.Write(memory, vcpus);
        (_, _, byte[] table) = ReadTable(memory);

        var processors = new List<byte[]>();
        var buses = new List<byte[]>();
        var ioApics = new List<byte[]>();
        var ioInterrupts = new List<byte[]>();
        var localInterrupts = new List<byte[]>();
        int offset = 44;
        while (offset < table.Length)
        {
            int size = table[offset] == 0 ? 20 : 8;
            byte[] entry = table[offset..(offset + size)];
            (table[offset] switch
            {
                0 => processors,
                1 => buses,
                2 => ioApics,
                3 => ioInterrupts,
                4 => localInterrupts,
                _ => throw new Xunit.Sdk.XunitException($"unknown entry type {table[offset]}"),
            }).Add(entry);
            offset += size;
        }
        Assert.Equal(table.Length, offset);
        Assert.Equal(vcpus + 1 + 1 + 24 + 2, BinaryPrimitives.ReadUInt16LittleEndian(table.AsSpan(0x22))); // entry count

        Assert.Equal(vcpus, processors.Count);
        for (int i = 0; i < vcpus; i++)
        {
            byte[] cpu = processors[i];
            Assert.Equal(i, cpu[1]);                                    // local APIC id
            Assert.Equal(0x14, cpu[2]);                                 // local APIC version
            Assert.Equal(i == 0 ? 0x03 : 0x01, cpu[3]);                 // EN, BP on the first
            Assert.Equal(0x600u, BinaryPrimitives.ReadUInt32LittleEndian(cpu.AsSpan(4)));
            Assert.Equal(0x201u, BinaryPrimitives.ReadUInt32LittleEndian(cpu.AsSpan(8)));
        }

        byte[] bus = Assert.Single(buses);
        Assert.Equal(0, bus[1]);
        Assert.Equal("ISA   "u8.ToArray(), bus[2..8]);

        byte[] ioApic = Assert.Single(ioApics);
        Assert.Equal(vcpus, ioApic[1]);                                 // id after the vCPUs' APIC ids
        Assert.Equal(0x11, ioApic[2]);
        Assert.Equal(0x01, ioApic[3]);
        Assert.Equal(0xfec0_0000u, BinaryPrimitives.ReadUInt32LittleEndian(ioApic.AsSpan(4)));

        Assert.Equal(24, ioInterrupts.Count);
        for (int irq = 0; irq < 24; irq++)
        {
            byte[] e = ioInterrupts[irq];
            Assert.Equal(0, e[1]);                                      // INT
            Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(e.AsSpan(2)));
            Assert.Equal(0, e[4]);                                      // ISA bus
            Assert.Equal(irq, e[5]);
            Assert.Equal(vcpus, e[6]);                                  // the I/O APIC
            Assert.Equal(irq, e[7]);                                    // pin = irq
        }

        Assert.Equal(2, localInterrupts.Count);
        Assert.Equal([4, 3, 0, 0, 0, 0, 0, 0], localInterrupts[0]);   // ExtINT → LINT0 of APIC 0
        Assert.Equal([4, 1, 0, 0, 0, 0, 0xff, 1], localInterrupts[1]); // NMI → LINT1 of all APICs
    }

    [Fact]
    public void LargestGuest_StaysBelow1MiB()
    {
        Assert.True(Start.Value + (ulong)MpTable.Size(MpTable.MaxVcpus) <= Layout.HighMemoryStart.Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(255)]
    [InlineData(-1)]
    public void VcpuCountOutOfRange_Rejected(int vcpus)
    {
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<MpTableException>(() => MpTable.Write(memory, vcpus));
        Assert.Contains($"not {vcpus}", e.Message);
    }

    [Fact]
    public void NotEnoughGuestMemory_Rejected()
    {
        using var memory = new GuestMemory([(GuestAddress.Zero, Start.Value + 100)]);
        var e = Assert.Throws<MpTableException>(() => MpTable.Write(memory, 4));
        Assert.Contains("is not in guest RAM", e.Message);
    }
}
