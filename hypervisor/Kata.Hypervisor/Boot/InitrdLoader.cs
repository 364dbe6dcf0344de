using Kata.Hypervisor.Memory;
using Microsoft.Win32.SafeHandles;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// Places the initrd as high as the kernel allows in the RAM below the 32-bit MMIO gap, page aligned, above the
/// kernel. High placement keeps it out of the kernel's way while it decompresses and sets up memory (boot.rst,
/// "initrd_addr_max": the initrd must end at or below this address; Firecracker and QEMU place it the same way).
/// </summary>
public static class InitrdLoader
{
    private const ulong PageSize = 4096;

    public static InitrdLocation Load(GuestMemory memory, string path, KernelImage kernel)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(kernel);
        using SafeFileHandle file = KernelLoader.Open(path, "initrd");
        ulong size = (ulong)RandomAccess.GetLength(file);
        GuestAddress address = Place(memory, path, kernel, size);
        GuestRam.CopyFromFile(memory, address, file, 0, size, path);
        return new InitrdLocation(address, size);
    }

    /// <summary>The highest page-aligned address where <paramref name="size"/> bytes fit; throws if none does.</summary>
    internal static GuestAddress Place(GuestMemory memory, string path, KernelImage kernel, ulong size)
    {
        GuestMemoryRegion low = GuestRam.LowRegion(memory);
        ulong addressMax = kernel.InitrdAddressMax == ulong.MaxValue ? ulong.MaxValue : kernel.InitrdAddressMax + 1;
        ulong limit = Math.Min(Math.Min(addressMax, low.End.Value), Arch.X86_64.Layout.MmioGapStart.Value);
        ulong floor = kernel.LoadEnd.AlignUp(PageSize).Value;
        if (size > limit || ((limit - size) & ~(PageSize - 1)) < floor)
        {
            throw new InitrdDoesNotFitException(path, size, limit, memory.TotalSize, kernel.LoadEnd.Value);
        }
        return new GuestAddress((limit - size) & ~(PageSize - 1));
    }
}
