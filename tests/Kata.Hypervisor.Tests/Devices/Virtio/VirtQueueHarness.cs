using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using Serilog;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>
/// A device-side <see cref="VirtQueue"/> and the driver-side <see cref="VirtioGuestQueue"/> over the same rings in real
/// guest memory, without a transport: for the queue's own rules.
/// </summary>
internal sealed class VirtQueueHarness : IDisposable
{
    public static readonly GuestAddress Rings = new(0x1_0000);
    public static readonly GuestAddress Data = new(0x4_0000);
    public static readonly GuestAddress IndirectTable = new(0x3_0000);

    public VirtQueueHarness(ushort size = 16, ulong features = VirtioFeatures.Version1, ulong memoryBytes = 1UL << 20)
    {
        Memory = new GuestMemory([(GuestAddress.Zero, memoryBytes)]);
        Logger = TestLogSink.CreateLogger(out TestLogSink sink);
        Log = sink;
        Memory.Write(Rings, new byte[VirtioGuestQueue.Footprint(size)]);
        Driver = new VirtioGuestQueue(Memory, 0, size, Rings, new GuestAddress(Rings.Value + 16UL * size),
            new GuestAddress(Rings.Value + VirtioGuestQueue.UsedOffset(size)));
        Queue = new VirtQueue(Memory, 0, size, Logger);
        Assert.Equal(VirtQueueSetupError.None, Queue.TryEnable(size, Driver.DescriptorTable, Driver.AvailRing, Driver.UsedRing));
        Queue.SetNegotiatedFeatures(features);
    }

    public GuestMemory Memory { get; }
    public ILogger Logger { get; }
    public TestLogSink Log { get; }
    public VirtioGuestQueue Driver { get; }
    public VirtQueue Queue { get; }

    /// <summary>Pops one chain, which must be there.</summary>
    public DescriptorChain Pop()
    {
        Assert.True(Queue.TryPopAvailable(out DescriptorChain? chain), "nothing was available");
        return chain;
    }

    /// <summary>Offers the chain starting at descriptor <paramref name="head"/> (already written) and pops it.</summary>
    public DescriptorChain OfferAndPop(ushort head)
    {
        Driver.OfferHead(head);
        return Pop();
    }

    public void Dispose() => Memory.Dispose();
}
