using Kata.Hypervisor.Boot;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Boot.Infrastructure;

namespace Kata.Hypervisor.Tests.Boot;

public class InitrdLoaderTests
{
    private static KernelImage Kernel(ulong loadEnd, ulong initrdAddressMax = 0x7fff_ffff) => new()
    {
        Protocol = BootProtocol.Linux64,
        Entry = new GuestAddress(0x100_0000),
        LoadStart = new GuestAddress(0x100_0000),
        LoadEnd = new GuestAddress(loadEnd),
        Description = "test kernel",
        InitrdAddressMax = initrdAddressMax,
    };

    [Fact]
    public void PlacedAtTheTopOfRam_PageAligned_AboveTheKernel_ContentsCopied()
    {
        using var dir = new TempDirectory();
        byte[] initrd = Enumerable.Range(0, (3 << 20) + 123).Select(i => (byte)(i * 31 + 7)).ToArray();
        string path = dir.Write("initrd.cpio.gz", initrd);
        using var memory = GuestMemories.OfMiB(256);
        KernelImage kernel = Kernel(0x130_0000);

        InitrdLocation location = InitrdLoader.Load(memory, path, kernel);

        Assert.Equal((ulong)initrd.Length, location.Size);
        Assert.Equal(0UL, location.Address.Value % 4096);
        Assert.True(location.Address >= kernel.LoadEnd);
        Assert.True(location.Address.Value + location.Size <= 256UL << 20);
        Assert.True((256UL << 20) - (location.Address.Value + location.Size) < 4096, "as high as possible");
        var copy = new byte[initrd.Length];
        memory.Read(location.Address, copy);
        Assert.Equal(initrd, copy);
    }

    [Fact]
    public void KeptBelowInitrdAddressMax()
    {
        using var memory = GuestMemories.OfMiB(2048);
        GuestAddress address = InitrdLoader.Place(memory, "initrd", Kernel(0x130_0000, initrdAddressMax: 0x37ff_ffff), 5 << 20);
        Assert.Equal(0x3800_0000UL - (5 << 20), address.Value);
    }

    [Fact]
    public void KeptBelowTheMmioGap_InALargeGuest()
    {
        using var memory = GuestMemories.OfMiB(5 << 10);
        GuestAddress address = InitrdLoader.Place(memory, "initrd", Kernel(0x130_0000, initrdAddressMax: ulong.MaxValue), 1 << 20);
        Assert.Equal(0xd000_0000UL - (1 << 20), address.Value);
    }

    [Fact]
    public void ExactlyFillsTheSpaceAboveTheKernel()
    {
        using var memory = GuestMemories.OfMiB(32);
        GuestAddress address = InitrdLoader.Place(memory, "initrd", Kernel(20 << 20), 12 << 20);
        Assert.Equal(20UL << 20, address.Value);
    }

    [Fact]
    public void TooBig_ThrowsWithSizesAndAdvice()
    {
        using var memory = GuestMemories.OfMiB(32);
        var e = Assert.Throws<InitrdDoesNotFitException>(
            () => InitrdLoader.Place(memory, "/images/initrd.img", Kernel(20 << 20), 40 << 20));
        Assert.Equal(
            "initrd /images/initrd.img of 40 MiB does not fit below 0x2000000 in a 32 MiB guest (the kernel ends at "
            + "0x1400000): give the VM more memory (--memory-mib)",
            e.Message);
        Assert.IsAssignableFrom<KernelLoadException>(e);
    }

    [Fact]
    public void WouldOverlapTheKernel_Throws()
    {
        using var memory = GuestMemories.OfMiB(32);
        Assert.Throws<InitrdDoesNotFitException>(
            () => InitrdLoader.Place(memory, "initrd", Kernel(20 << 20), (12 << 20) + 1));
    }
}
