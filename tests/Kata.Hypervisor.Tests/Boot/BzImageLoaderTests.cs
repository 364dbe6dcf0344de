using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Boot.Infrastructure;
using Kata.Hypervisor.Vmm;

namespace Kata.Hypervisor.Tests.Boot;

/// <summary>bzImage loading (boot.rst, 64-bit boot protocol) with fake images from <see cref="BzImageBuilder"/>.</summary>
public class BzImageLoaderTests
{
    private static KernelImage Load(GuestMemory memory, BzImageBuilder builder)
    {
        using var dir = new TempDirectory();
        return KernelLoader.Load(memory, dir.Write("bzImage", builder.Build()), ElfBootMode.Pvh);
    }

    [Fact]
    public void Relocatable_LoadedAtPrefAddress_EntryAt0x200()
    {
        using var memory = GuestMemories.OfMiB(64);
        var builder = new BzImageBuilder();
        KernelImage kernel = Load(memory, builder);

        Assert.Equal(BootProtocol.Linux64, kernel.Protocol);
        Assert.Equal(new GuestAddress(0x100_0000), kernel.LoadStart);
        Assert.Equal(new GuestAddress(0x100_0200), kernel.Entry);
        // init_size from the runtime start (pref_address) is more than the payload.
        Assert.Equal(new GuestAddress(0x100_0000 + 0x40_0000), kernel.LoadEnd);
        Assert.Equal("bzImage 2.15 (6.12.0-test)", kernel.Description);
        Assert.Equal(0x7fff_ffffUL, kernel.InitrdAddressMax);

        var payload = new byte[builder.Payload.Length];
        memory.Read(new GuestAddress(0x100_0000), payload);
        Assert.Equal(builder.Payload, payload);
    }

    [Fact]
    public void SetupHeader_KeptFrom0x1f1ToTheEndTheJumpSays()
    {
        using var memory = GuestMemories.OfMiB(64);
        var builder = new BzImageBuilder();
        byte[] image = builder.Build();
        KernelImage kernel = Load(memory, builder);
        Assert.NotNull(kernel.SetupHeader);
        Assert.Equal(BzImageBuilder.HeaderEnd - 0x1f1, kernel.SetupHeader!.Length);
        Assert.Equal(image[0x1f1..BzImageBuilder.HeaderEnd], kernel.SetupHeader);
    }

    [Fact]
    public void NotRelocatable_LoadedAt1MiB_NeedsInitSizeFromPrefAddress()
    {
        using var memory = GuestMemories.OfMiB(64);
        KernelImage kernel = Load(memory, new BzImageBuilder { RelocatableKernel = 0 });
        Assert.Equal(new GuestAddress(0x10_0000), kernel.LoadStart);
        Assert.Equal(new GuestAddress(0x10_0200), kernel.Entry);
        Assert.Equal(new GuestAddress(0x100_0000 + 0x40_0000), kernel.LoadEnd);
    }

    [Fact]
    public void SetupSectsZero_MeansFour()
    {
        using var memory = GuestMemories.OfMiB(64);
        var builder = new BzImageBuilder { SetupSects = 0 };
        Load(memory, builder);
        var payload = new byte[builder.Payload.Length];
        memory.Read(new GuestAddress(0x100_0000), payload);
        Assert.Equal(builder.Payload, payload);
    }

    [Fact]
    public void OldProtocol_Rejected()
    {
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, new BzImageBuilder { Version = 0x0205 }));
        Assert.Contains("boot protocol 2.05, too old", e.Message);
    }

    [Fact]
    public void ProtocolWithoutXLoadFlags_Rejected()
    {
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, new BzImageBuilder { Version = 0x020b }));
        Assert.Contains("XLF_KERNEL_64", e.Message);
    }

    [Fact]
    public void ThirtyTwoBitBzImage_Rejected()
    {
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, new BzImageBuilder { XLoadFlags = 0 }));
        Assert.Contains("without the 64-bit entry point (XLF_KERNEL_64", e.Message);
    }

    [Fact]
    public void SetupOnly_Truncated()
    {
        using var memory = GuestMemories.OfMiB(64);
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, new BzImageBuilder { Payload = [] }));
        Assert.Contains("truncated bzImage", e.Message);
    }

    [Fact]
    public void InitSizeLargerThanGuest_SaysGiveMoreMemory()
    {
        using var memory = GuestMemories.OfMiB(32);
        var e = Assert.Throws<KernelLoadException>(() => Load(memory, new BzImageBuilder { InitSize = 64 << 20 }));
        Assert.Contains("needs 64 MiB of memory from 0x1000000", e.Message);
        Assert.Contains("--memory-mib", e.Message);
    }
}
