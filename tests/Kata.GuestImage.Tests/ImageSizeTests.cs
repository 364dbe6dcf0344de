using Kata.GuestImage.Tests.Infrastructure;

namespace Kata.GuestImage.Tests;

/// <summary>The size goals of the guest image: kernel ≤ 8 MiB, initramfs ≤ 16 MiB.</summary>
public class ImageSizeTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void TheKernelFitsIn8MiB()
    {
        long size = new FileInfo(GuestImageFiles.Vmlinux).Length;
        Assert.True(size <= 8 * MiB, $"build/guest/vmlinux is {size} bytes, over 8 MiB");
    }

    [Fact]
    public void TheInitramfsFitsIn16MiB()
    {
        long size = new FileInfo(GuestImageFiles.Initramfs).Length;
        Assert.True(size <= 16 * MiB, $"build/guest/initramfs.cpio.gz is {size} bytes, over 16 MiB");
    }
}
