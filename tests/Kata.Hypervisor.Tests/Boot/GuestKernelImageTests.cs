using System.Buffers.Binary;
using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Boot.Infrastructure;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Boot;

/// <summary>The loaders against the real guest kernel from `make guest-kernel` (skipped when it is not built).</summary>
public class GuestKernelImageTests
{
    [Fact]
    public void Vmlinux_HasPvhNote_LoadsForPvh()
    {
        string path = RepositoryRoot.GuestArtifactOrSkip("vmlinux");
        using var memory = GuestMemories.OfMiB(256);
        KernelImage kernel = KernelLoader.Load(memory, path, ElfBootMode.Pvh);
        Assert.Equal(BootProtocol.Pvh, kernel.Protocol);
        Assert.Equal("ELF vmlinux (PVH)", kernel.Description);
        // PVH enters in 32-bit mode inside the image loaded at LOAD_PHYSICAL_ADDR (16 MiB).
        Assert.True(kernel.Entry.Value < 1UL << 32);
        Assert.True(kernel.Entry >= kernel.LoadStart && kernel.Entry < kernel.LoadEnd, $"entry {kernel.Entry}");
        Assert.Equal(0x100_0000UL, kernel.LoadStart.Value);
    }

    [Fact]
    public void Vmlinux_Linux64Entry_IsPhysStartup64()
    {
        string path = RepositoryRoot.GuestArtifactOrSkip("vmlinux");
        using var memory = GuestMemories.OfMiB(256);
        KernelImage kernel = KernelLoader.Load(memory, path, ElfBootMode.Linux64);
        Assert.Equal(BootProtocol.Linux64, kernel.Protocol);
        // vmlinux.lds.S: ENTRY(phys_startup_64), so e_entry is already physical (0x1000123 in the 6.12 guest kernel;
        // pvh_start_xen comes first in .head.text, at the load address).
        byte[] header = new byte[64];
        using (FileStream file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }
        ulong elfEntry = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(0x18));
        Assert.Equal(new GuestAddress(elfEntry), kernel.Entry);
        Assert.True(kernel.Entry > kernel.LoadStart && kernel.Entry < kernel.LoadEnd, $"entry {kernel.Entry}");

        using var pvhMemory = GuestMemories.OfMiB(256);
        Assert.NotEqual(KernelLoader.Load(pvhMemory, path, ElfBootMode.Pvh).Entry, kernel.Entry);
    }

    [Fact]
    public void Vmlinux_WithInitrdAndBootData_InA64MiBGuest()
    {
        string path = RepositoryRoot.GuestArtifactOrSkip("vmlinux");
        using var dir = new TempDirectory();
        string initrd = dir.Write("initrd", new byte[1 << 20]);
        using var memory = GuestMemories.OfMiB(64);
        KernelImage kernel = KernelLoader.Load(memory, path, ElfBootMode.Pvh);
        InitrdLocation location = InitrdLoader.Load(memory, initrd, kernel);
        Assert.True(location.Address >= kernel.LoadEnd);
        BootConfigurator.Write(memory, kernel, "console=ttyS0", location, E820Map.ForMemory(memory));
        Assert.Equal(HvmStartInfo.MagicValue, memory.Read<uint>(Kata.Hypervisor.Arch.X86_64.Layout.PvhInfoStart));
    }

    [Fact]
    public void BzImage_LoadsForThe64BitProtocol()
    {
        string path = RepositoryRoot.GuestArtifactOrSkip("bzImage");
        using var memory = GuestMemories.OfMiB(256);
        KernelImage kernel = KernelLoader.Load(memory, path, ElfBootMode.Pvh);
        Assert.Equal(BootProtocol.Linux64, kernel.Protocol);
        Assert.StartsWith("bzImage 2.", kernel.Description);
        Assert.Equal(kernel.LoadStart.Add(0x200), kernel.Entry);
        Assert.NotNull(kernel.SetupHeader);
        Assert.Equal(0xaa55, BitConverter.ToUInt16(kernel.SetupHeader!, 0x1fe - 0x1f1));
    }
}
