using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Block;

/// <summary>
/// A hostile guest against virtio-blk over a real image file: random and mutated requests and descriptor chains,
/// random register accesses, re-initializations and corrupted rings (<see cref="HostileBlockDriver"/>, fixed seeds).
/// No exception may escape, every call must return (a generous deadline bounds the whole run), the image keeps its
/// size, every byte that changed lies inside a write the device made for a valid OUT request, and a proper driver gets
/// a working device afterwards.
/// </summary>
public sealed class VirtioBlockFuzzTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);
    private const int Sectors = 256;

    /// <summary>tmpfs when there is one: the fuzzer's write-through fsyncs then cost nothing.</summary>
    private static string? FastDirectory => Directory.Exists("/dev/shm") ? "/dev/shm" : null;

    [Fact]
    public async Task ReadWriteDisk_SurvivesHostileChainsAndRegisterWrites_AndChangesOnlyWhatValidWritesWrote()
    {
        FuzzResult result = await Task.Run(() => Fuzz(seed: 0x0b1c_0001, operations: 200_000, readOnly: false, useLoop: false))
            .WaitAsync(Deadline, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());

        Assert.True(result.Chains >= 100_000, $"only {result.Chains} chains were offered");
        Assert.True(result.RegisterWrites >= 40_000, $"only {result.RegisterWrites} register writes");
        Assert.Equal(0, result.DeviceFailures);
        // The fuzzer reaches every outcome: served reads and writes, and each kind of refusal.
        Assert.True(result.Counters[VirtioBlockCounter.Reads] > 1_000, "too few reads were served");
        Assert.True(result.Counters[VirtioBlockCounter.Writes] > 1_000, "too few writes were served");
        Assert.True(result.Counters[VirtioBlockCounter.GetIds] > 100);
        Assert.True(result.Counters[VirtioBlockCounter.Flushes] > 100);
        Assert.True(result.Counters[VirtioBlockCounter.MalformedRequests] > 1_000);
        Assert.True(result.Counters[VirtioBlockCounter.OutOfRangeRequests] > 1_000);
        Assert.True(result.Counters[VirtioBlockCounter.UnsupportedRequests] > 1_000);
        Assert.True(result.Counters[VirtioBlockCounter.InvalidChains] > 1_000);
        Assert.True(result.Counters[VirtioBlockCounter.ChainsWithoutStatus] > 100);
        Assert.Equal(0, result.Counters[VirtioBlockCounter.HostIoErrors]);
        Assert.True(result.NeedsResets > 0);
    }

    [Fact]
    public async Task ReadOnlyDisk_StaysByteForByteTheSame()
    {
        FuzzResult result = await Task.Run(() => Fuzz(seed: 0x0b1c_0002, operations: 40_000, readOnly: true, useLoop: false))
            .WaitAsync(Deadline, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());

        Assert.Equal(0, result.DeviceFailures);
        Assert.Equal(0, result.Counters[VirtioBlockCounter.Writes]);
        Assert.True(result.Counters[VirtioBlockCounter.ReadOnlyViolations] > 100);
    }

    [Fact]
    public async Task OnTheEventLoop_SurvivesTwoHostileVcpus()
    {
        FuzzResult result = await Task.Run(() => Fuzz(seed: 0x0b1c_0003, operations: 30_000, readOnly: false, useLoop: true))
            .WaitAsync(Deadline, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());

        Assert.Equal(0, result.DeviceFailures);
        Assert.Equal(0, result.LoopHandlerFailures);
        Assert.True(result.Chains >= 10_000);
    }

    private sealed record FuzzResult(long Chains, long RegisterWrites, long NeedsResets, long DeviceFailures, long LoopHandlerFailures,
        IReadOnlyDictionary<VirtioBlockCounter, long> Counters)
    {
        public override string ToString() =>
            $"chains {Chains}, register writes {RegisterWrites}, needs-resets {NeedsResets}, device failures {DeviceFailures}, "
            + $"loop handler failures {LoopHandlerFailures}; " + string.Join(", ", Counters.Select(c => $"{c.Key} {c.Value}"));
    }

    private static FuzzResult Fuzz(int seed, int operations, bool readOnly, bool useLoop)
    {
        using var image = new TempImage(Sectors, FastDirectory);
        var disk = new RecordingDiskImage(DiskImageFile.Open(image.ImagePath, readOnly));
        using var device = new VirtioBlock(disk, Serilog.Core.Logger.None);
        using var bed = new VirtioTestBed(device);
        using VirtioEventLoop? loop = useLoop ? new VirtioEventLoop(Serilog.Core.Logger.None) : null;
        if (loop is not null)
        {
            bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000));
        }
        long chains = 0, registerWrites = 0;
        int threads = useLoop ? 2 : 1;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var fuzzer = new HostileBlockDriver(bed, new Random(seed + t), device.CapacitySectors, threadIndex: t);
            for (int i = 0; i < operations / threads; i++)
            {
                fuzzer.Step();
            }
            Interlocked.Add(ref chains, fuzzer.Chains);
            Interlocked.Add(ref registerWrites, fuzzer.RegisterWrites);
        });
        var counters = Enum.GetValues<VirtioBlockCounter>().ToDictionary(c => c, c => device.Counters[c]);

        // The host side stayed consistent: same size, and changed only inside writes the device made, all in range.
        byte[] now = image.Contents();
        Assert.Equal(image.Original.Length, now.Length);
        IReadOnlyList<(ulong Offset, int Length)> writes = disk.Writes;
        Assert.All(writes, w => Assert.True(w.Offset + (ulong)w.Length <= (ulong)now.Length, $"a write at {w.Offset} (+{w.Length}) went past the end"));
        bool[] written = new bool[now.Length];
        foreach ((ulong offset, int length) in writes)
        {
            Array.Fill(written, true, (int)offset, length);
        }
        for (int i = 0; i < now.Length; i++)
        {
            if (!written[i])
            {
                Assert.True(now[i] == image.Original[i], $"byte {i} changed although the device never wrote it");
            }
        }
        if (readOnly)
        {
            Assert.Empty(writes);
            Assert.Equal(image.Original, now);
        }

        // Afterwards a proper driver gets a working device that reads what the file holds.
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        const ulong header = 0x3_0000, data = 0x4_0000, status = 0x3_1000;
        bed.Memory.Write(new GuestAddress(header), new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0 });
        bed.Memory.Write(new GuestAddress(status), (byte)0xee);
        queue.Offer((header, 16, false), (data, 512, true), (status, 1, true));
        bed.Driver.Notify(0);
        Assert.True(SpinWait.SpinUntil(() => queue.ReadUsedIndex() == 1, TimeSpan.FromSeconds(30)));
        Assert.Equal([(0u, 513u)], queue.TakeUsed());
        Assert.Equal((byte)VirtioBlockStatus.Ok, bed.Memory.Read<byte>(new GuestAddress(status)));
        byte[] sector = new byte[512];
        bed.Memory.Read(new GuestAddress(data), sector);
        Assert.Equal(now.AsSpan(5 * 512, 512).ToArray(), sector);

        return new FuzzResult(chains, registerWrites, bed.Count(VirtioMmioCounter.NeedsResets), bed.Count(VirtioMmioCounter.DeviceFailures),
            loop?.HandlerFailures ?? 0, counters);
    }
}
