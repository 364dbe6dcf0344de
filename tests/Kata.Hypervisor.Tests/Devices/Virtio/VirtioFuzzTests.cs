using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Rng;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>
/// A hostile guest against virtio-rng through the MMIO transport: random and mutated descriptor chains, random avail
/// indexes and heads, corrupted rings, random register accesses of every width, re-initializations in between. With a
/// fixed seed, so a failure reproduces. Nothing may throw, every call returns, and the device still serves a proper
/// driver afterwards. Each test is bounded by a generous deadline.
/// </summary>
public sealed class VirtioFuzzTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);
    private const ulong MemoryBytes = 1UL << 20;
    private const ulong DataStart = 0x4_0000;

    [Fact]
    public async Task Rng_SurvivesRandomAndMutatedChainsAndRegisterWrites()
    {
        FuzzResult result = await Task.Run(() => Fuzz(seed: 0x5eed_0001, operations: 250_000, useLoop: false))
            .WaitAsync(Deadline, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());

        Assert.True(result.Chains >= 100_000, $"only {result.Chains} chains were offered");
        Assert.True(result.RegisterWrites >= 50_000, $"only {result.RegisterWrites} register writes");
        Assert.Equal(0, result.DeviceFailures);
        Assert.True(result.InvalidChains > 10_000, $"only {result.InvalidChains} chains were rejected: the fuzzer is too tame");
        Assert.True(result.ValidChainsServed > 10_000, $"only {result.ValidChainsServed} chains were served: the fuzzer never gets the device going");
        Assert.True(result.NeedsResets > 0);
    }

    [Fact]
    public async Task Rng_OnTheEventLoop_SurvivesTwoHostileVcpus()
    {
        FuzzResult result = await Task.Run(() => Fuzz(seed: 0x5eed_0002, operations: 40_000, useLoop: true))
            .WaitAsync(Deadline, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());

        Assert.Equal(0, result.DeviceFailures);
        Assert.Equal(0, result.LoopHandlerFailures);
        Assert.True(result.Chains >= 10_000);
    }

    private sealed record FuzzResult(long Chains, long RegisterWrites, long InvalidChains, long ValidChainsServed, long NeedsResets,
        long DeviceFailures, long LoopHandlerFailures);

    private static FuzzResult Fuzz(int seed, int operations, bool useLoop)
    {
        var rng = new VirtioRng(Serilog.Core.Logger.None, span => span.Fill(0xa5));
        using var bed = new VirtioTestBed(rng, MemoryBytes);
        using VirtioEventLoop? loop = useLoop ? new VirtioEventLoop(Serilog.Core.Logger.None) : null;
        if (loop is not null)
        {
            bed.Transport.AttachToEventLoop(loop, vm: null, new GuestAddress(0xd000_0000));
        }
        long chains = 0, registerWrites = 0;
        int threads = useLoop ? 2 : 1;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var fuzzer = new HostileDriver(bed, new Random(seed + t), threadIndex: t);
            for (int i = 0; i < operations / threads; i++)
            {
                fuzzer.Step();
            }
            Interlocked.Add(ref chains, fuzzer.Chains);
            Interlocked.Add(ref registerWrites, fuzzer.RegisterWrites);
        });

        long invalid = bed.Transport.Queues[0].InvalidChains;
        long served = rng.Requests - rng.InvalidChains - rng.ChainsWithoutWritableBuffers;
        // Afterwards a proper driver gets a working device.
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        bed.Memory.Write(new GuestAddress(DataStart), new byte[64]);
        queue.Offer((DataStart, 64, true));
        bed.Driver.Notify(0);
        Assert.True(SpinWait.SpinUntil(() => queue.ReadUsedIndex() == 1, TimeSpan.FromSeconds(30)));
        Assert.Equal([(0u, 64u)], queue.TakeUsed());
        Assert.Equal(0xa5, bed.Memory.Read<byte>(new GuestAddress(DataStart + 63)));
        return new FuzzResult(chains, registerWrites, invalid, served, bed.Count(VirtioMmioCounter.NeedsResets),
            bed.Count(VirtioMmioCounter.DeviceFailures), loop?.HandlerFailures ?? 0);
    }

    /// <summary>One hostile driver thread. Keeps a loose idea of the queue it set up, and lies about everything else.</summary>
    private sealed class HostileDriver : HostileVirtioDriver
    {
        private static readonly ulong[] Registers =
        [
            VirtioMmioRegister.DeviceFeaturesSel, VirtioMmioRegister.DriverFeatures, VirtioMmioRegister.DriverFeaturesSel,
            VirtioMmioRegister.QueueSel, VirtioMmioRegister.QueueNum, VirtioMmioRegister.QueueReady, VirtioMmioRegister.QueueNotify,
            VirtioMmioRegister.InterruptAck, VirtioMmioRegister.Status, VirtioMmioRegister.QueueDescLow, VirtioMmioRegister.QueueDescHigh,
            VirtioMmioRegister.QueueDriverLow, VirtioMmioRegister.QueueDriverHigh, VirtioMmioRegister.QueueDeviceLow,
            VirtioMmioRegister.QueueDeviceHigh, VirtioMmioRegister.ShmSel, VirtioMmioRegister.QueueReset, VirtioMmioRegister.ConfigGeneration,
            VirtioMmioRegister.MagicValue, VirtioMmioRegister.InterruptStatus,
        ];

        public HostileDriver(VirtioTestBed bed, Random random, int threadIndex)
            : base(bed, random, threadIndex, Registers, offerPercent: 50, readPercent: 8)
        {
        }

        protected override void OfferChain()
        {
            Chains++;
            ushort size = Queue?.Size ?? 16;
            VirtioGuestQueue queue = Queue ?? new VirtioGuestQueue(Bed.Memory, 0, size, QueueArea,
                new GuestAddress(QueueArea.Value + 16UL * size), new GuestAddress(QueueArea.Value + VirtioGuestQueue.UsedOffset(size)));
            int length = Random.Next(1, 5);
            ushort head = (ushort)Random.Next(size);
            for (int i = 0; i < length; i++)
            {
                int index = (head + i) % size;
                bool last = i == length - 1;
                var flags = VirtqDescriptorFlags.Write | (last ? 0 : VirtqDescriptorFlags.Next);
                ulong address = DataStart + (ulong)Random.Next(0, 0xb_0000);
                uint bytes = (uint)Random.Next(0, 0x1000);
                ushort next = (ushort)((index + 1) % size);
                // Mutate one field of about half the descriptors.
                switch (Random.Next(16))
                {
                    case 0: flags = (VirtqDescriptorFlags)Random.Next(0x10000); break;
                    case 1: next = (ushort)Random.Next(0x10000); break;
                    case 2: bytes = (uint)Random.NextInt64(0, 1L << 32); break;
                    case 3: address = (ulong)Random.NextInt64(); break;
                    case 4: address = ulong.MaxValue - (ulong)Random.Next(0x1000); break;
                    case 5: flags |= VirtqDescriptorFlags.Indirect; address = DataStart + (ulong)Random.Next(0, 0xb_0000) & ~15UL; bytes = (uint)(Random.Next(0, 20) * 16 + (Random.Next(4) == 0 ? Random.Next(16) : 0)); break;
                    case 6: next = (ushort)index; break;
                    case 7: flags &= ~VirtqDescriptorFlags.Write; break;
                }
                queue.WriteDescriptor(index, address, bytes, flags, next);
            }
            if (Random.Next(8) == 0)
            {
                // An indirect table full of garbage somewhere in the data area.
                byte[] garbage = new byte[Random.Next(16, 512)];
                Random.NextBytes(garbage);
                Bed.Memory.Write(new GuestAddress(DataStart + (ulong)Random.Next(0, 0xb_0000)), garbage);
            }
            int offers = Random.Next(1, 4);
            for (int i = 0; i < offers; i++)
            {
                queue.PutInRing(Random.Next(10) == 0 ? (ushort)Random.Next(0x10000) : head, ahead: i);
            }
            ushort published = Random.Next(20) == 0 ? (ushort)Random.Next(0x10000) : (ushort)(queue.AvailIndex + offers);
            queue.PublishAvailIndex(published);
            if (Random.Next(4) == 0)
            {
                queue.SetUsedEvent((ushort)Random.Next(0x10000));
                queue.SetAvailFlags((ushort)Random.Next(4));
            }
            Bed.Driver.Notify(Random.Next(10) == 0 ? Random.Next(-2, 3) : 0);
            if (Random.Next(2) == 0)
            {
                Bed.Driver.AcknowledgeInterrupt();
            }
            queue.TakeUsed();
        }
    }
}
