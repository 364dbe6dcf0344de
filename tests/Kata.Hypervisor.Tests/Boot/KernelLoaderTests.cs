using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Tests.Boot.Infrastructure;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Boot;

/// <summary>Format detection and the errors a user sees for files that are not bootable kernels.</summary>
public class KernelLoaderTests
{
    [Fact]
    public void RandomBytes_NotALinuxKernel()
    {
        using var dir = new TempDirectory();
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        bytes[0] = 0x12;
        string path = dir.Write("random.bin", bytes);
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.StartsWith($"{path} is not a Linux kernel: neither an ELF vmlinux nor a bzImage (first bytes 12 ", e.Message);
    }

    [Fact]
    public void TextFile_NotALinuxKernel_ShowsTheText()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("script.sh", "#!/bin/sh\necho hello\n"u8.ToArray());
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("is not a Linux kernel", e.Message);
        Assert.Contains("first bytes 23 21 2f 62 69 6e 2f 73 \"#!/bin/s\"", e.Message);
    }

    [Fact]
    public void EmptyFile_NotALinuxKernel()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("empty", []);
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("the file is empty", e.Message);
    }

    [Fact]
    public void MissingFile_ClearError()
    {
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(
            () => KernelLoader.Load(memory, "/nonexistent/vmlinux", ElfBootMode.Pvh));
        Assert.StartsWith("cannot open kernel /nonexistent/vmlinux", e.Message);
    }

    [Fact]
    public void TruncatedElf_Header()
    {
        using var dir = new TempDirectory();
        byte[] elf = new ElfBuilder { Entry = 0x100_0000 }.AddLoad(0x100_0000, new byte[64]).Build();
        string path = dir.Write("truncated", elf[..40]);
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("truncated ELF file: 40 bytes", e.Message);
    }

    [Fact]
    public void TruncatedElf_ProgramHeaders()
    {
        using var dir = new TempDirectory();
        byte[] elf = new ElfBuilder { Entry = 0x100_0000 }.AddLoad(0x100_0000, new byte[64]).Build();
        string path = dir.Write("truncated", elf[..100]);
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("truncated ELF file: its program headers", e.Message);
    }

    [Fact]
    public void TruncatedElf_SegmentData()
    {
        using var dir = new TempDirectory();
        byte[] elf = new ElfBuilder { Entry = 0x100_0000 }.AddLoad(0x100_0000, new byte[4096]).Build();
        string path = dir.Write("truncated", elf[..1000]);
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("truncated ELF file: the segment at file offset", e.Message);
    }

    [Fact]
    public void Elf32_Rejected()
    {
        using var dir = new TempDirectory();
        byte[] elf = new ElfBuilder { ElfClass = 1, Machine = 3 }.AddLoad(0x100_0000, new byte[64]).Build();
        string path = dir.Write("vmlinux32", elf);
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("is a 32-bit ELF (ELFCLASS32)", e.Message);
    }

    [Fact]
    public void NonX86Elf_Rejected()
    {
        using var dir = new TempDirectory();
        byte[] elf = new ElfBuilder { Machine = 183, Entry = 0x100_0000 }.AddLoad(0x100_0000, new byte[64]).Build();
        string path = dir.Write("Image", elf);
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("is an ELF for EM_AARCH64, not x86_64", e.Message);
    }

    [Fact]
    public void BigEndianElf_Rejected()
    {
        using var dir = new TempDirectory();
        byte[] elf = new ElfBuilder { DataEncoding = 2 }.AddLoad(0x100_0000, new byte[64]).Build();
        string path = dir.Write("be", elf);
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("big-endian", e.Message);
    }

    [Fact]
    public void RelocatableObject_Rejected()
    {
        using var dir = new TempDirectory();
        byte[] elf = new ElfBuilder { Type = 1 }.AddLoad(0x100_0000, new byte[64]).Build();
        string path = dir.Write("foo.o", elf);
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("not an executable", e.Message);
    }

    [Fact]
    public void DetectsBzImage()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("bzImage", new BzImageBuilder().Build());
        using var memory = GuestMemories.OfMiB(64);
        KernelImage kernel = KernelLoader.Load(memory, path, ElfBootMode.Pvh);
        Assert.Equal(BootProtocol.Linux64, kernel.Protocol);
        Assert.StartsWith("bzImage 2.15", kernel.Description);
    }

    [Fact]
    public void BootSectorWithoutHdrS_NotALinuxKernel()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("mbr", new BzImageBuilder { WithHeaderMagic = false }.Build());
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => KernelLoader.Load(memory, path, ElfBootMode.Pvh));
        Assert.Contains("is not a Linux kernel", e.Message);
    }
}
