using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Boot.Infrastructure;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Boot;

/// <summary>ELF vmlinux loading with images built by <see cref="ElfBuilder"/>, into real guest memory.</summary>
public class ElfKernelLoaderTests
{
    private const ulong KernelBase = 0x100_0000; // LOAD_PHYSICAL_ADDR, 16 MiB
    private const ulong PvhEntry = 0x100_0400;
    private const ulong Startup64 = 0x100_0000;

    private static byte[] Text => Enumerable.Range(0, 5000).Select(i => (byte)(i * 13 + 1)).ToArray();
    private static byte[] Data => Enumerable.Range(0, 3000).Select(i => (byte)(i * 5 + 2)).ToArray();

    private static ElfBuilder Vmlinux(bool withPvhNote = true)
    {
        var builder = new ElfBuilder { Entry = Startup64 }
            .AddLoad(KernelBase, Text)
            .AddLoad(0x120_0000, Data, memorySize: 0x10_0000); // data + bss
        if (withPvhNote)
        {
            builder.AddNote("GNU", 3, new byte[20]).AddNote("Xen", 6, "xen-3.0\0"u8.ToArray()).AddPvhNote(PvhEntry);
        }
        return builder;
    }

    private static KernelImage Load(GuestMemory memory, byte[] elf, ElfBootMode mode)
    {
        using var dir = new TempDirectory();
        return KernelLoader.Load(memory, dir.Write("vmlinux", elf), mode);
    }

    [Fact]
    public void PvhNote_PvhProtocolAtNoteEntry_SegmentsAtPhysicalAddresses()
    {
        using var memory = GuestMemories.OfMiB(64);
        // Dirty the bss to prove it is zeroed.
        memory.Write(new GuestAddress(0x120_0000 + 3000), Enumerable.Repeat((byte)0xff, 4096).ToArray());

        KernelImage kernel = Load(memory, Vmlinux().Build(), ElfBootMode.Pvh);

        Assert.Equal(BootProtocol.Pvh, kernel.Protocol);
        Assert.Equal(new GuestAddress(PvhEntry), kernel.Entry);
        Assert.Equal("ELF vmlinux (PVH)", kernel.Description);
        Assert.Equal(new GuestAddress(KernelBase), kernel.LoadStart);
        Assert.Equal(new GuestAddress(0x130_0000), kernel.LoadEnd);
        Assert.Null(kernel.SetupHeader);
        Assert.Equal(0x7fff_ffffUL, kernel.InitrdAddressMax);

        var text = new byte[Text.Length];
        memory.Read(new GuestAddress(KernelBase), text);
        Assert.Equal(Text, text);
        var data = new byte[Data.Length];
        memory.Read(new GuestAddress(0x120_0000), data);
        Assert.Equal(Data, data);
        var bss = new byte[4096];
        memory.Read(new GuestAddress(0x120_0000 + 3000), bss);
        Assert.All(bss, b => Assert.Equal(0, b));
    }

    [Fact]
    public void PvhNote_FourByteDescriptor_AndEightByteNoteAlignment()
    {
        using var memory = GuestMemories.OfMiB(64);
        var builder = new ElfBuilder { Entry = Startup64, NoteAlignment = 8 }
            .AddLoad(KernelBase, Text)
            .AddNote("GNU", 5, new byte[12])
            .AddPvhNote(PvhEntry, descriptorBytes: 4);
        KernelImage kernel = Load(memory, builder.Build(), ElfBootMode.Pvh);
        Assert.Equal(BootProtocol.Pvh, kernel.Protocol);
        Assert.Equal(new GuestAddress(PvhEntry), kernel.Entry);
    }

    [Fact]
    public void Linux64Mode_UsesElfEntry_EvenWithPvhNote()
    {
        using var memory = GuestMemories.OfMiB(64);
        KernelImage kernel = Load(memory, Vmlinux().Build(), ElfBootMode.Linux64);
        Assert.Equal(BootProtocol.Linux64, kernel.Protocol);
        Assert.Equal(new GuestAddress(Startup64), kernel.Entry);
        Assert.Equal("ELF vmlinux (64-bit entry)", kernel.Description);
    }

    [Fact]
    public void PvhModeWithoutNote_FallsBackToLinux64_AndSaysSo()
    {
        using var memory = GuestMemories.OfMiB(64);
        KernelImage kernel = Load(memory, Vmlinux(withPvhNote: false).Build(), ElfBootMode.Pvh);
        Assert.Equal(BootProtocol.Linux64, kernel.Protocol);
        Assert.Equal(new GuestAddress(Startup64), kernel.Entry);
        Assert.Contains("no PVH note", kernel.Description);
        Assert.Contains("CONFIG_PVH", kernel.Description);
    }

    [Fact]
    public void VirtualEntry_TranslatedThroughItsSegment()
    {
        using var memory = GuestMemories.OfMiB(64);
        const ulong kernelMap = 0xffff_ffff_8100_0000; // __START_KERNEL_map + LOAD_PHYSICAL_ADDR
        byte[] elf = new ElfBuilder { Entry = kernelMap + 0x40 }
            .AddLoad(KernelBase, Text, virtualAddress: kernelMap).Build();
        KernelImage kernel = Load(memory, elf, ElfBootMode.Linux64);
        Assert.Equal(new GuestAddress(KernelBase + 0x40), kernel.Entry);
    }

    [Fact]
    public void EntryOutsideEverySegment_Rejected()
    {
        using var memory = GuestMemories.OfMiB(64);
        byte[] elf = new ElfBuilder { Entry = 0x300_0000 }.AddLoad(KernelBase, Text).Build();
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, elf, ElfBootMode.Pvh));
        Assert.Contains("the ELF entry point 0x3000000 is not inside any loadable segment", e.Message);
    }

    [Fact]
    public void PvhEntryOutsideEverySegment_Rejected()
    {
        using var memory = GuestMemories.OfMiB(64);
        byte[] elf = new ElfBuilder { Entry = Startup64 }.AddLoad(KernelBase, Text).AddPvhNote(0x80_0000).Build();
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, elf, ElfBootMode.Pvh));
        Assert.Contains("PVH entry point 0x800000", e.Message);
    }

    [Fact]
    public void MalformedPvhNoteDescriptor_Rejected()
    {
        using var memory = GuestMemories.OfMiB(64);
        byte[] elf = new ElfBuilder { Entry = Startup64 }.AddLoad(KernelBase, Text).AddPvhNote(PvhEntry, 2).Build();
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, elf, ElfBootMode.Pvh));
        Assert.Contains("malformed PVH note", e.Message);
    }

    [Fact]
    public void SegmentBeyondGuestMemory_SaysSizes()
    {
        using var memory = GuestMemories.OfMiB(32);
        byte[] elf = new ElfBuilder { Entry = Startup64 }.AddLoad(KernelBase, Text, memorySize: 64UL << 20).Build();
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, elf, ElfBootMode.Pvh));
        Assert.Contains($"kernel segment at 0x1000000 of {64 << 20} bytes does not fit in the guest's 32 MiB of memory", e.Message);
        Assert.Contains("--memory-mib", e.Message);
    }

    [Fact]
    public void SegmentBelow1MiB_Rejected()
    {
        using var memory = GuestMemories.OfMiB(32);
        byte[] elf = new ElfBuilder { Entry = 0x7000 }.AddLoad(0x7000, Text).Build();
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, elf, ElfBootMode.Linux64));
        Assert.Contains("kernel segment at 0x7000 is below 1 MiB", e.Message);
    }

    [Fact]
    public void FileSizeLargerThanMemorySize_Rejected()
    {
        using var memory = GuestMemories.OfMiB(32);
        byte[] elf = new ElfBuilder { Entry = Startup64 }.AddLoad(KernelBase, Text, memorySize: 16).Build();
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, elf, ElfBootMode.Linux64));
        Assert.Contains("more file bytes", e.Message);
    }

    [Fact]
    public void HostileSizes_RejectedWithoutCrashing()
    {
        using var memory = GuestMemories.OfMiB(32);
        // p_filesz far past the file, p_paddr + p_memsz wrapping 64 bits, a bad program header size.
        byte[] huge = new ElfBuilder { Entry = Startup64 }
            .AddLoad(KernelBase, Text, memorySize: ulong.MaxValue, fileSizeOverride: ulong.MaxValue - 10).Build();
        Assert.Throws<KernelLoadException>(() => Load(memory, huge, ElfBootMode.Linux64));
        byte[] wrap = new ElfBuilder { Entry = Startup64 }
            .AddLoad(0xffff_ffff_ffff_f000, Text, memorySize: 0x2000).Build();
        Assert.Throws<KernelLoadException>(() => Load(memory, wrap, ElfBootMode.Linux64));
        byte[] phentsize = new ElfBuilder { Entry = Startup64, ProgramHeaderEntrySizeOverride = 32 }
            .AddLoad(KernelBase, Text).Build();
        Assert.Throws<KernelLoadException>(() => Load(memory, phentsize, ElfBootMode.Linux64));
    }

    [Fact]
    public void FindNote_StopsAtMalformedNotes()
    {
        // namesz claims more bytes than the segment has.
        byte[] segment = [0xff, 0xff, 0xff, 0x7f, 4, 0, 0, 0, 18, 0, 0, 0, (byte)'X', (byte)'e', (byte)'n', 0];
        Assert.Null(ElfKernelLoader.FindNote(segment, 4, "Xen"u8, 18));
        Assert.Null(ElfKernelLoader.FindNote([1, 2, 3], 4, "Xen"u8, 18));
    }

    [Fact]
    public void NoLoadableSegments_Rejected()
    {
        using var memory = GuestMemories.OfMiB(32);
        byte[] elf = new ElfBuilder { Entry = Startup64 }.AddPvhNote(PvhEntry).Build();
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, elf, ElfBootMode.Pvh));
        Assert.Contains("without loadable segments", e.Message);
    }
}
