using Kata.Hypervisor.Memory;
using Microsoft.Win32.SafeHandles;

namespace Kata.Hypervisor.Boot;

/// <summary>
/// Range checks and bulk copies for the boot loaders. <see cref="GuestMemory"/> hands out spans of at most 2 GiB,
/// so large images are copied in chunks.
/// </summary>
internal static class GuestRam
{
    private const ulong ChunkBytes = 64UL << 20;

    /// <summary>True if every byte of [address, address+length) is RAM in one region.</summary>
    public static bool IsRam(GuestMemory memory, GuestAddress address, ulong length)
    {
        foreach (GuestMemoryRegion region in memory.Regions)
        {
            if (region.Contains(address))
            {
                return length <= region.End.Value - address.Value;
            }
        }
        return false;
    }

    /// <summary>The RAM region that ends at or below the 32-bit MMIO gap and holds the boot structures.</summary>
    public static GuestMemoryRegion LowRegion(GuestMemory memory)
    {
        GuestMemoryRegion? low = null;
        foreach (GuestMemoryRegion region in memory.Regions)
        {
            if (region.Start < Arch.X86_64.Layout.MmioGapStart)
            {
                low = region;
            }
        }
        return low ?? throw new KernelLoadException("the guest has no memory below the 32-bit MMIO gap");
    }

    /// <summary>
    /// Copies <paramref name="length"/> bytes at <paramref name="fileOffset"/> of <paramref name="file"/> into guest
    /// RAM. The caller has checked the range with <see cref="IsRam"/>; a short file is reported as truncated.
    /// </summary>
    public static void CopyFromFile(GuestMemory memory, GuestAddress address, SafeFileHandle file, long fileOffset,
        ulong length, string path)
    {
        ulong done = 0;
        while (done < length)
        {
            ulong chunk = Math.Min(ChunkBytes, length - done);
            GuestAddress at = address.Add(done);
            if (!memory.TryGetSpan(at, chunk, out Span<byte> destination))
            {
                throw new GuestMemoryException(at, chunk);
            }
            while (!destination.IsEmpty)
            {
                int read = RandomAccess.Read(file, destination, fileOffset + (long)done);
                if (read == 0)
                {
                    throw new KernelLoadException(
                        $"{path} is truncated: it ended at byte {fileOffset + (long)done} while loading it into guest memory");
                }
                destination = destination[read..];
                done += (ulong)read;
            }
        }
    }

    /// <summary>Zeroes [address, address+length) of guest RAM (a segment's bss).</summary>
    public static void Zero(GuestMemory memory, GuestAddress address, ulong length)
    {
        for (ulong done = 0; done < length;)
        {
            ulong chunk = Math.Min(ChunkBytes, length - done);
            GuestAddress at = address.Add(done);
            if (!memory.TryGetSpan(at, chunk, out Span<byte> span))
            {
                throw new GuestMemoryException(at, chunk);
            }
            span.Clear();
            done += chunk;
        }
    }

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; returns how many (fewer at end of file).</summary>
    public static int ReadPrefix(SafeFileHandle file, long offset, Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = RandomAccess.Read(file, destination[total..], offset + total);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }
}
