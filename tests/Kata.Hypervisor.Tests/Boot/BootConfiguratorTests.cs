using System.Buffers.Binary;
using Kata.Hypervisor.Arch.X86_64;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Boot.Infrastructure;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Boot;

/// <summary>
/// What the kernel finds at entry, read back from guest memory at the raw offsets of zero-page.rst, boot.rst and
/// xen's start_info.h (independently of the product's structs).
/// </summary>
public class BootConfiguratorTests
{
    private const string Cmdline = "console=ttyS0 reboot=k panic=1";

    private static KernelImage ElfKernel(BootProtocol protocol) => new()
    {
        Protocol = protocol,
        Entry = new GuestAddress(0x100_0400),
        LoadStart = new GuestAddress(0x100_0000),
        LoadEnd = new GuestAddress(0x130_0000),
        Description = "test vmlinux",
        InitrdAddressMax = 0x7fff_ffff,
    };

    private static byte[] ReadBytes(GuestMemory memory, GuestAddress address, int length)
    {
        var bytes = new byte[length];
        memory.Read(address, bytes);
        return bytes;
    }

    [Fact]
    public void Cmdline_WrittenNulTerminated()
    {
        using var memory = GuestMemories.OfMiB(64);
        memory.Write(Layout.CmdlineStart, Enumerable.Repeat((byte)'x', 64).ToArray());
        BootConfigurator.Write(memory, ElfKernel(BootProtocol.Pvh), Cmdline, null, E820Map.ForMemory(memory));
        byte[] bytes = ReadBytes(memory, Layout.CmdlineStart, Cmdline.Length + 1);
        Assert.Equal(System.Text.Encoding.ASCII.GetBytes(Cmdline + "\0"), bytes);
    }

    [Fact]
    public void Cmdline_LongestAccepted_OneMoreRejected()
    {
        using var memory = GuestMemories.OfMiB(64);
        string longest = new('a', Layout.CmdlineMaxSize - 1);
        BootConfigurator.Write(memory, ElfKernel(BootProtocol.Pvh), longest, null, E820Map.ForMemory(memory));
        var e = Assert.Throws<VmConfigException>(() =>
            BootConfigurator.Write(memory, ElfKernel(BootProtocol.Pvh), longest + "a", null, E820Map.ForMemory(memory)));
        Assert.Equal("cmdline: 2048 bytes is longer than the 2047 Linux accepts (COMMAND_LINE_SIZE)", e.Message);
    }

    [Fact]
    public void Cmdline_WithNul_Rejected()
    {
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<VmConfigException>(() =>
            BootConfigurator.Write(memory, ElfKernel(BootProtocol.Pvh), "console=ttyS0\0init=/bin/sh", null, E820Map.ForMemory(memory)));
        Assert.Contains("NUL character at position 13", e.Message);
    }

    [Fact]
    public void Pvh_StartInfoModuleListAndMemoryMap()
    {
        using var memory = GuestMemories.OfMiB(256);
        IReadOnlyList<E820Entry> e820 = E820Map.ForMemory(memory);
        var initrd = new InitrdLocation(new GuestAddress(0xfc0_0000), 0x12_3456);
        BootConfigurator.Write(memory, ElfKernel(BootProtocol.Pvh), Cmdline, initrd, e820);

        byte[] info = ReadBytes(memory, Layout.PvhInfoStart, 56);
        Assert.Equal(0x336e_c578u, BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(0x00))); // magic
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(0x04)));           // version
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(0x08)));           // flags
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(0x0c)));           // nr_modules
        ulong modlist = BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(0x10));
        Assert.Equal(Layout.CmdlineStart.Value, BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(0x18)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(0x20)));          // rsdp_paddr
        ulong memmap = BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(0x28));
        Assert.Equal((uint)e820.Count, BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(0x30)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(0x34)));

        // Both tables live in the PVH page, after the start info, 8-byte aligned, not overlapping.
        Assert.InRange(modlist, Layout.PvhInfoStart.Value + 56, Layout.ZeroPageStart.Value - 32);
        Assert.InRange(memmap, modlist + 32, Layout.ZeroPageStart.Value - 24UL * (ulong)e820.Count);
        Assert.Equal(0UL, modlist % 8);
        Assert.Equal(0UL, memmap % 8);

        byte[] module = ReadBytes(memory, new GuestAddress(modlist), 32);
        Assert.Equal(0xfc0_0000UL, BinaryPrimitives.ReadUInt64LittleEndian(module.AsSpan(0x00)));
        Assert.Equal(0x12_3456UL, BinaryPrimitives.ReadUInt64LittleEndian(module.AsSpan(0x08)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(module.AsSpan(0x10)));

        byte[] table = ReadBytes(memory, new GuestAddress(memmap), 24 * e820.Count);
        for (int i = 0; i < e820.Count; i++)
        {
            Span<byte> entry = table.AsSpan(24 * i, 24);
            Assert.Equal(e820[i].Address, BinaryPrimitives.ReadUInt64LittleEndian(entry));
            Assert.Equal(e820[i].Size, BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]));
            Assert.Equal((uint)e820[i].Type, BinaryPrimitives.ReadUInt32LittleEndian(entry[16..]));
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(entry[20..]));
        }
    }

    [Fact]
    public void Pvh_WithoutInitrd_NoModules()
    {
        using var memory = GuestMemories.OfMiB(64);
        BootConfigurator.Write(memory, ElfKernel(BootProtocol.Pvh), Cmdline, null, E820Map.ForMemory(memory));
        byte[] info = ReadBytes(memory, Layout.PvhInfoStart, 56);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(0x0c)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(0x10)));
    }

    [Fact]
    public void ZeroPage_ForElfVmlinux_HasASyntheticHeader()
    {
        using var memory = GuestMemories.OfMiB(256);
        memory.Write(Layout.ZeroPageStart, Enumerable.Repeat((byte)0xee, 4096).ToArray()); // proves a full rewrite
        IReadOnlyList<E820Entry> e820 = E820Map.ForMemory(memory);
        var initrd = new InitrdLocation(new GuestAddress(0xfc0_0000), 0x12_3456);
        BootConfigurator.Write(memory, ElfKernel(BootProtocol.Linux64), Cmdline, initrd, e820);

        byte[] zp = ReadBytes(memory, Layout.ZeroPageStart, 4096);
        Assert.Equal(0xaa55, BinaryPrimitives.ReadUInt16LittleEndian(zp.AsSpan(0x1fe)));       // boot_flag
        Assert.Equal("HdrS"u8.ToArray(), zp[0x202..0x206]);                                     // header
        Assert.Equal(0x020f, BinaryPrimitives.ReadUInt16LittleEndian(zp.AsSpan(0x206)));       // version
        Assert.Equal(0xff, zp[0x210]);                                                          // type_of_loader
        Assert.Equal(0x81, zp[0x211]);                                                          // LOADED_HIGH|CAN_USE_HEAP
        Assert.Equal(0xde00, BinaryPrimitives.ReadUInt16LittleEndian(zp.AsSpan(0x224)));       // heap_end_ptr
        Assert.Equal(0x20000u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x228)));     // cmd_line_ptr
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x0c8)));           // ext_cmd_line_ptr
        Assert.Equal(2047u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x238)));        // cmdline_size
        Assert.Equal(0xfc0_0000u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x218)));  // ramdisk_image
        Assert.Equal(0x12_3456u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x21c)));   // ramdisk_size
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x0c0)));           // ext_ramdisk_image
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x0c4)));           // ext_ramdisk_size
        Assert.Equal(0, zp[0x1ef]);                                                             // sentinel
        AssertE820Table(zp, e820);
        // Nothing else but the fields above, the header and the e820 table is set.
        Assert.All(zp[0x290..0x2d0], b => Assert.Equal(0, b));
        Assert.All(zp[(0x2d0 + 20 * e820.Count)..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void ZeroPage_ForBzImage_CopiesItsSetupHeader()
    {
        using var dir = new TempDirectory();
        using var memory = GuestMemories.OfMiB(256);
        var builder = new BzImageBuilder { Version = 0x020c, InitSize = 0x12_3000, PrefAddress = 0x100_0000 };
        byte[] image = builder.Build();
        KernelImage kernel = KernelLoader.Load(memory, dir.Write("bzImage", image), ElfBootMode.Pvh);
        IReadOnlyList<E820Entry> e820 = E820Map.ForMemory(memory);
        BootConfigurator.Write(memory, kernel, Cmdline, null, e820);

        byte[] zp = ReadBytes(memory, Layout.ZeroPageStart, 4096);
        Assert.Equal(image[0x1f1], zp[0x1f1]);                                                  // setup_sects
        Assert.Equal(image[0x1fe..0x210], zp[0x1fe..0x210]);                                    // boot_flag .. kernel_version
        Assert.Equal(0x020c, BinaryPrimitives.ReadUInt16LittleEndian(zp.AsSpan(0x206)));
        Assert.Equal(image[0x22c..0x26c], zp[0x22c..0x26c]);                                    // initrd_addr_max .. kernel_info_offset
        Assert.Equal(0x12_3000u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x260)));   // init_size
        Assert.Equal(0x100_0000UL, BinaryPrimitives.ReadUInt64LittleEndian(zp.AsSpan(0x258))); // pref_address
        Assert.Equal(0xff, zp[0x210]);
        Assert.Equal(0x81, zp[0x211]);                                                          // kernel's LOADED_HIGH kept
        Assert.Equal(0x20000u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x228)));
        Assert.Equal(2047u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x238)));        // the kernel's limit
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x218)));           // no initrd
        AssertE820Table(zp, e820);
    }

    [Fact]
    public void ZeroPage_CmdlineLongerThanTheBzImageAccepts_Rejected()
    {
        using var dir = new TempDirectory();
        using var memory = GuestMemories.OfMiB(64);
        KernelImage kernel = KernelLoader.Load(memory, dir.Write("bzImage", new BzImageBuilder { CmdlineSize = 10 }.Build()), ElfBootMode.Pvh);
        var e = Assert.Throws<VmConfigException>(() => BootConfigurator.Write(memory, kernel, Cmdline, null, E820Map.ForMemory(memory)));
        Assert.Contains("longer than the 10 this kernel accepts", e.Message);
    }

    [Fact]
    public void ZeroPage_TooManyE820Entries_Rejected()
    {
        using var memory = GuestMemories.OfMiB(64);
        E820Entry[] e820 = Enumerable.Range(0, 129).Select(i => new E820Entry((ulong)i << 20, 1 << 20, E820Type.Ram)).ToArray();
        Assert.Throws<ArgumentException>(() => BootConfigurator.Write(memory, ElfKernel(BootProtocol.Linux64), Cmdline, null, e820));
    }

    [Fact]
    public void ZeroPage_InitrdAbove4GiB_UsesExtFields()
    {
        var initrd = new InitrdLocation(new GuestAddress(0x1_2345_6000), 0x1_0000_0010);
        byte[] zp = BootConfigurator.BuildZeroPage(ElfKernel(BootProtocol.Linux64), 10, initrd, []);
        Assert.Equal(0x2345_6000u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x218)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x0c0)));
        Assert.Equal(0x10u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x21c)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x0c4)));
    }

    private static void AssertE820Table(byte[] zeroPage, IReadOnlyList<E820Entry> e820)
    {
        Assert.Equal(e820.Count, zeroPage[0x1e8]);                                               // e820_entries
        for (int i = 0; i < e820.Count; i++)
        {
            Span<byte> entry = zeroPage.AsSpan(0x2d0 + 20 * i, 20);
            Assert.Equal(e820[i].Address, BinaryPrimitives.ReadUInt64LittleEndian(entry));
            Assert.Equal(e820[i].Size, BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]));
            Assert.Equal((uint)e820[i].Type, BinaryPrimitives.ReadUInt32LittleEndian(entry[16..]));
        }
    }
}
