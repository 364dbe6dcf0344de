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
    private sealed class HostileDriver
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

        private readonly VirtioTestBed _bed;
        private readonly Random _random;
        private readonly GuestAddress _queueArea;
        private VirtioGuestQueue? _queue;

        public HostileDriver(VirtioTestBed bed, Random random, int threadIndex)
        {
            _bed = bed;
            _random = random;
            _queueArea = new GuestAddress(VirtioTestBed.QueueArea.Value + (ulong)threadIndex * 0x1_0000);
        }

        public long Chains { get; private set; }
        public long RegisterWrites { get; private set; }

        public void Step()
        {
            int dice = _random.Next(100);
            if (dice < 50)
            {
                OfferHostileChain();
            }
            else if (dice < 80)
            {
                RandomRegisterWrite();
            }
            else if (dice < 88)
            {
                RandomRead();
            }
            else if (dice < 95)
            {
                Reinitialize();
            }
            else
            {
                CorruptRings();
            }
        }

        private void Reinitialize()
        {
            ushort size = (ushort)(1 << _random.Next(0, 9));
            ulong features = _random.Next(4) == 0 ? (ulong)_random.NextInt64() : _bed.Transport.OfferedFeatures & (ulong)_random.NextInt64() | VirtioFeatures.Version1;
            if (!_bed.Driver.Negotiate(features))
            {
                _queue = null;
                return;
            }
            _queue = _bed.Driver.SetUpQueue(0, size, _queueArea);
            _bed.Driver.DriverOk();
        }

        private void OfferHostileChain()
        {
            Chains++;
            ushort size = _queue?.Size ?? 16;
            VirtioGuestQueue queue = _queue ?? new VirtioGuestQueue(_bed.Memory, 0, size, _queueArea,
                new GuestAddress(_queueArea.Value + 16UL * size), new GuestAddress(_queueArea.Value + VirtioGuestQueue.UsedOffset(size)));
            int length = _random.Next(1, 5);
            ushort head = (ushort)_random.Next(size);
            for (int i = 0; i < length; i++)
            {
                int index = (head + i) % size;
                bool last = i == length - 1;
                var flags = VirtqDescriptorFlags.Write | (last ? 0 : VirtqDescriptorFlags.Next);
                ulong address = DataStart + (ulong)_random.Next(0, 0xb_0000);
                uint bytes = (uint)_random.Next(0, 0x1000);
                ushort next = (ushort)((index + 1) % size);
                // Mutate one field of about half the descriptors.
                switch (_random.Next(16))
                {
                    case 0: flags = (VirtqDescriptorFlags)_random.Next(0x10000); break;
                    case 1: next = (ushort)_random.Next(0x10000); break;
                    case 2: bytes = (uint)_random.NextInt64(0, 1L << 32); break;
                    case 3: address = (ulong)_random.NextInt64(); break;
                    case 4: address = ulong.MaxValue - (ulong)_random.Next(0x1000); break;
                    case 5: flags |= VirtqDescriptorFlags.Indirect; address = DataStart + (ulong)_random.Next(0, 0xb_0000) & ~15UL; bytes = (uint)(_random.Next(0, 20) * 16 + (_random.Next(4) == 0 ? _random.Next(16) : 0)); break;
                    case 6: next = (ushort)index; break;
                    case 7: flags &= ~VirtqDescriptorFlags.Write; break;
                }
                queue.WriteDescriptor(index, address, bytes, flags, next);
            }
            if (_random.Next(8) == 0)
            {
                // An indirect table full of garbage somewhere in the data area.
                byte[] garbage = new byte[_random.Next(16, 512)];
                _random.NextBytes(garbage);
                _bed.Memory.Write(new GuestAddress(DataStart + (ulong)_random.Next(0, 0xb_0000)), garbage);
            }
            int offers = _random.Next(1, 4);
            for (int i = 0; i < offers; i++)
            {
                queue.PutInRing(_random.Next(10) == 0 ? (ushort)_random.Next(0x10000) : head, ahead: i);
            }
            ushort published = _random.Next(20) == 0 ? (ushort)_random.Next(0x10000) : (ushort)(queue.AvailIndex + offers);
            queue.PublishAvailIndex(published);
            if (_random.Next(4) == 0)
            {
                queue.SetUsedEvent((ushort)_random.Next(0x10000));
                queue.SetAvailFlags((ushort)_random.Next(4));
            }
            _bed.Driver.Notify(_random.Next(10) == 0 ? _random.Next(-2, 3) : 0);
            if (_random.Next(2) == 0)
            {
                _bed.Driver.AcknowledgeInterrupt();
            }
            queue.TakeUsed();
        }

        private void RandomRegisterWrite()
        {
            RegisterWrites++;
            ulong offset = _random.Next(4) == 0 ? (ulong)_random.Next(0, 0x1100) : Registers[_random.Next(Registers.Length)];
            int width = _random.Next(8) switch
            {
                0 => 1,
                1 => 2,
                2 => 8,
                _ => 4,
            };
            byte[] data = new byte[width];
            _random.NextBytes(data);
            if (offset == VirtioMmioRegister.Status && _random.Next(2) == 0)
            {
                // Mostly plausible status values, to walk the state machine rather than bounce off it.
                data = BitConverter.GetBytes((uint)new[] { 0, 1, 3, 11, 15, 0x80, 0x40, 0x8b, 7, 9 }[_random.Next(10)]);
            }
            if (offset == VirtioMmioRegister.QueueNum && _random.Next(2) == 0)
            {
                data = BitConverter.GetBytes((uint)_random.Next(0, 600));
            }
            if (_random.Next(10) == 0)
            {
                offset += (ulong)_random.Next(1, 4); // misaligned
            }
            _bed.Transport.Write(offset, data);
        }

        private void RandomRead()
        {
            ulong offset = (ulong)_random.Next(0, 0x1100);
            byte[] data = new byte[new[] { 1, 2, 4, 8 }[_random.Next(4)]];
            _bed.Transport.Read(offset, data);
        }

        private void CorruptRings()
        {
            byte[] garbage = new byte[_random.Next(1, 64)];
            _random.NextBytes(garbage);
            ulong at = _queueArea.Value + (ulong)_random.Next(0, 0x3000);
            _bed.Memory.Write(new GuestAddress(at), garbage);
        }
    }
}
