using Kata.Hypervisor.Memory;
using Microsoft.Win32.SafeHandles;

namespace Kata.Bench.Virtio;

/// <summary>
/// (b) of the benchmark: reads through virtio-blk (guest request → event loop → pread into guest memory →
/// used ring → interrupt) against <c>pread</c> (<see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/>) on
/// the same file, from a single thread, over the same offsets. The file is read once beforehand, so both read from the
/// page cache: the figures are the device's overhead, not the disk's.
/// </summary>
internal static class BlockBench
{
    private const int RandomBytes = 4096;
    private const int SequentialBytes = 1 << 20;

    public static IEnumerable<Figure> Run(BenchOptions options)
    {
        string path = Path.Combine(options.ImageDirectory, $"kata-bench-virtio-{Environment.ProcessId}.img");
        long size = options.ImageMiB << 20;
        try
        {
            CreateImage(path, size);
            using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            using var guest = new BlockBenchGuest(path, options.QueueDepth, SequentialBytes);
            long[] offsets = RandomOffsets(options.RandomReads, size);
            byte[] buffer = new byte[SequentialBytes];
            int sequentialCount = (int)options.SequentialMiB;
            long SequentialOffset(int i) => (long)i * SequentialBytes % size;

            yield return Runs.Compare($"virtio-blk 4 KiB random read (queue depth {options.QueueDepth} vs pread)", "IOPS", higherIsBetter: true, options.Runs,
                () => options.RandomReads / guest.Read(options.RandomReads, RandomBytes, options.QueueDepth, i => offsets[i]),
                () => options.RandomReads / Pread(file, buffer.AsSpan(0, RandomBytes), options.RandomReads, i => offsets[i]));
            Verify(guest, file, RandomBytes, offsets[0]);

            yield return Runs.Compare("virtio-blk 4 KiB random read (queue depth 1 vs pread)", "IOPS", higherIsBetter: true, options.Runs,
                () => options.RandomReads / 4 / guest.Read(options.RandomReads / 4, RandomBytes, 1, i => offsets[i]),
                () => options.RandomReads / 4 / Pread(file, buffer.AsSpan(0, RandomBytes), options.RandomReads / 4, i => offsets[i]));

            int depth = Math.Min(options.QueueDepth, 4);
            yield return Runs.Compare($"virtio-blk 1 MiB sequential read (queue depth {depth} vs pread)", "MiB/s", higherIsBetter: true, options.Runs,
                () => sequentialCount / guest.Read(sequentialCount, SequentialBytes, depth, SequentialOffset),
                () => sequentialCount / Pread(file, buffer, sequentialCount, SequentialOffset));
            Verify(guest, file, SequentialBytes, 0);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Seconds for <paramref name="count"/> preads into <paramref name="buffer"/>.</summary>
    private static double Pread(SafeFileHandle file, Span<byte> buffer, int count, Func<int, long> offsetOf)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            if (RandomAccess.Read(file, buffer, offsetOf(i)) != buffer.Length)
            {
                throw new InvalidOperationException($"short pread at {offsetOf(i)}");
            }
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Reads one request's worth at <paramref name="offset"/> through the device (slot 0) and compares it with pread.</summary>
    private static void Verify(BlockBenchGuest guest, SafeFileHandle file, int requestBytes, long offset)
    {
        guest.Read(1, requestBytes, 1, _ => offset);
        byte[] throughDevice = new byte[requestBytes];
        guest.Memory.Read(new GuestAddress(BlockBenchGuest.DataAddress(0, requestBytes)), throughDevice);
        byte[] direct = new byte[requestBytes];
        RandomAccess.Read(file, direct, offset);
        if (!throughDevice.AsSpan().SequenceEqual(direct))
        {
            throw new InvalidOperationException($"the device read different bytes than pread at offset {offset}");
        }
    }

    private static void CreateImage(string path, long size)
    {
        var random = new Random(4096);
        byte[] chunk = new byte[SequentialBytes];
        using (FileStream stream = File.Create(path))
        {
            for (long written = 0; written < size; written += chunk.Length)
            {
                random.NextBytes(chunk);
                stream.Write(chunk);
            }
        }
        // Read it all once: both sides then read from the page cache.
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        for (long offset = 0; offset < size; offset += chunk.Length)
        {
            RandomAccess.Read(file, chunk, offset);
        }
    }

    private static long[] RandomOffsets(int count, long size)
    {
        var random = new Random(512);
        long blocks = size / RandomBytes;
        return [.. Enumerable.Range(0, count).Select(_ => random.NextInt64(blocks) * RandomBytes)];
    }
}
