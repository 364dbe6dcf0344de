using Kata.Hypervisor.Devices.Virtio;
using static Kata.Hypervisor.Devices.Virtio.VirtqDescriptorFlags;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>The split virtqueue's rings (virtio 1.2 §2.7.6-§2.7.10, §2.7.13-§2.7.14): positions, used ring, notification suppression.</summary>
public sealed class VirtQueueTests
{
    private const ulong Data = 0x4_0000;

    [Fact]
    public void EmptyQueue_PopsNothing()
    {
        using var h = new VirtQueueHarness();
        Assert.False(h.Queue.TryPopAvailable(out _));
        Assert.Equal(0, h.Queue.ChainsPopped);
    }

    [Fact]
    public void ChainsComeOutInRingOrder_AndUsedElementsCarryIdAndLength()
    {
        using var h = new VirtQueueHarness();
        ushort a = h.Driver.Offer((Data, 4, true));
        ushort b = h.Driver.Offer((Data, 8, false), (Data + 0x100, 16, true));

        DescriptorChain first = h.Pop();
        DescriptorChain second = h.Pop();
        Assert.False(h.Queue.TryPopAvailable(out _));
        Assert.True(h.Queue.AddUsed(second, 12));
        Assert.True(h.Queue.AddUsed(first, 999)); // clamped to the writable length

        Assert.Equal(a, first.HeadIndex);
        Assert.Equal(b, second.HeadIndex);
        Assert.Equal([((uint)b, 12u), ((uint)a, 4u)], h.Driver.TakeUsed());
        Assert.Equal(0, h.Queue.InFlight);
    }

    [Fact]
    public void IndexesWrapAt65536()
    {
        using var h = new VirtQueueHarness(size: 4);
        for (int i = 0; i < 70_000; i++)
        {
            ushort head = h.Driver.Offer((Data, 1, true));
            DescriptorChain chain = h.Pop();
            Assert.Equal(head, chain.HeadIndex);
            Assert.True(h.Queue.AddUsed(chain, 1));
            Assert.Single(h.Driver.TakeUsed());
        }
        Assert.Equal(unchecked((ushort)70_000), h.Driver.ReadUsedIndex());
        Assert.Equal(VirtQueueFault.None, h.Queue.Fault);
    }

    [Fact]
    public void AvailIndexMoreThanSizeAheadOfUsed_IsAFault_AndTheQueueStops()
    {
        using var h = new VirtQueueHarness(size: 8);
        for (int i = 0; i < 8; i++)
        {
            h.Driver.Offer((Data, 1, true));
        }
        for (int i = 0; i < 8; i++)
        {
            h.Pop(); // eight in flight, none returned: legal
        }
        Assert.Equal(VirtQueueFault.None, h.Queue.Fault);

        // A ninth buffer while eight are outstanding: the driver reused descriptors it does not own.
        h.Driver.OfferHead(0);

        Assert.False(h.Queue.TryPopAvailable(out _));
        Assert.Equal(VirtQueueFault.AvailIndexJump, h.Queue.Fault);
        Assert.False(h.Queue.AddUsed(0, 1));
        Assert.False(h.Queue.NeedsNotification());
        Assert.Contains(h.Log.Messages, m => m.Contains("AvailIndexJump", StringComparison.Ordinal));

        h.Queue.Reset();
        Assert.Equal(VirtQueueFault.None, h.Queue.Fault);
        Assert.False(h.Queue.IsReady);
    }

    [Fact]
    public void AvailIndexJump_AfterEverythingWasReturned_IsAFaultToo()
    {
        using var h = new VirtQueueHarness(size: 16);
        h.Driver.PublishAvailIndex(0x8000);
        Assert.False(h.Queue.TryPopAvailable(out _));
        Assert.Equal(VirtQueueFault.AvailIndexJump, h.Queue.Fault);
    }

    [Fact]
    public void AvailIndexGoingBackwards_BehindChainsInFlight_IsAFault()
    {
        using var h = new VirtQueueHarness(size: 16);
        for (int i = 0; i < 6; i++)
        {
            h.Driver.Offer((Data, 1, true));
        }
        for (int i = 0; i < 6; i++)
        {
            h.Pop();
        }
        h.Queue.AddUsed(0, 1);
        h.Queue.AddUsed(1, 1);

        h.Driver.PublishAvailIndex(4); // six were taken; §2.7.6.1 forbids decrementing

        Assert.False(h.Queue.TryPopAvailable(out _));
        Assert.Equal(VirtQueueFault.AvailIndexJump, h.Queue.Fault);
        Assert.Equal(4, h.Queue.InFlight);
    }

    [Fact]
    public void UndoPop_ReturnsTheLastChainToTheRing()
    {
        using var h = new VirtQueueHarness();
        ushort head = h.Driver.Offer((Data, 4, true));
        h.Pop();

        Assert.True(h.Queue.UndoPop());
        Assert.False(h.Queue.UndoPop());
        Assert.Equal(head, h.Pop().HeadIndex);
    }

    [Fact]
    public void AddUsed_WithNothingInFlight_IsRefused()
    {
        using var h = new VirtQueueHarness();
        Assert.False(h.Queue.AddUsed(0, 1));
        Assert.Equal(0, h.Driver.ReadUsedIndex());
    }

    [Fact]
    public void WithoutEventIdx_NoInterruptFlag_SuppressesNotifications()
    {
        using var h = new VirtQueueHarness();
        Assert.False(h.Queue.EventIndex);

        h.Driver.Offer((Data, 1, true));
        h.Queue.AddUsed(h.Pop(), 1);
        Assert.True(h.Queue.NeedsNotification());
        Assert.False(h.Queue.NeedsNotification()); // nothing new since

        h.Driver.SetAvailFlags(1); // VIRTQ_AVAIL_F_NO_INTERRUPT
        h.Driver.Offer((Data, 1, true));
        h.Queue.AddUsed(h.Pop(), 1);
        Assert.False(h.Queue.NeedsNotification());

        h.Driver.SetAvailFlags(0);
        h.Driver.Offer((Data, 1, true));
        h.Queue.AddUsed(h.Pop(), 1);
        Assert.True(h.Queue.NeedsNotification());
    }

    [Fact]
    public void WithEventIdx_UsedEventDecidesWhenToNotify_AndTheFlagIsIgnored()
    {
        using var h = new VirtQueueHarness(size: 16, features: VirtioFeatures.EventIndex);
        h.Driver.SetAvailFlags(1); // must be ignored with EVENT_IDX (§2.7.7.2)
        h.Driver.SetUsedEvent(2); // "interrupt me when used idx passes 2", i.e. reaches 3

        bool[] notified = new bool[5];
        for (int i = 0; i < 5; i++)
        {
            h.Driver.Offer((Data, 1, true));
            h.Queue.AddUsed(h.Pop(), 1);
            notified[i] = h.Queue.NeedsNotification();
        }

        Assert.Equal([true, false, true, false, false], notified);
    }

    [Fact]
    public void WithEventIdx_ABatchCrossingUsedEvent_NotifiesOnce()
    {
        using var h = new VirtQueueHarness(size: 16, features: VirtioFeatures.EventIndex);
        h.Driver.Offer((Data, 1, true));
        h.Queue.AddUsed(h.Pop(), 1);
        Assert.True(h.Queue.NeedsNotification()); // the first one always

        h.Driver.SetUsedEvent(3);
        for (int i = 0; i < 4; i++)
        {
            h.Driver.Offer((Data, 1, true));
            h.Queue.AddUsed(h.Pop(), 1);
        }
        Assert.True(h.Queue.NeedsNotification()); // used idx went 1 → 5, past 3
        Assert.False(h.Queue.NeedsNotification());
    }

    [Fact]
    public void WithEventIdx_AnEmptyRingPublishesAvailEvent()
    {
        using var h = new VirtQueueHarness(size: 16, features: VirtioFeatures.EventIndex);
        h.Driver.Offer((Data, 1, true));
        h.Driver.Offer((Data, 1, true));
        h.Pop();
        h.Pop();
        Assert.Equal(0, h.Driver.ReadAvailEvent()); // not empty yet when popping

        Assert.False(h.Queue.TryPopAvailable(out _));

        // §2.7.10: the device asks to be notified when the driver makes entry 2 available.
        Assert.Equal(2, h.Driver.ReadAvailEvent());
    }

    [Fact]
    public void WithoutEventIdx_AvailEventIsNeverWritten()
    {
        using var h = new VirtQueueHarness(size: 16);
        h.Driver.Offer((Data, 1, true));
        h.Pop();
        Assert.False(h.Queue.TryPopAvailable(out _));
        Assert.Equal(0, h.Driver.ReadAvailEvent());
        Assert.Equal(0, h.Driver.ReadUsedFlags());
    }

    [Fact]
    public void DisabledQueue_DoesNothing()
    {
        using var h = new VirtQueueHarness();
        h.Driver.Offer((Data, 1, true));
        h.Queue.Disable();

        Assert.False(h.Queue.TryPopAvailable(out _));
        Assert.False(h.Queue.NeedsNotification());
    }

    [Fact]
    public void Constructor_RejectsAMaximumThatIsNotAPowerOfTwo()
    {
        using var h = new VirtQueueHarness();
        Assert.Throws<ArgumentOutOfRangeException>(() => new VirtQueue(h.Memory, 0, 12, h.Logger));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VirtQueue(h.Memory, 0, 0, h.Logger));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VirtQueue(h.Memory, 0, 65535, h.Logger));
    }

    [Fact]
    public void RateLimitedLog_LetsABurstThrough_ThenCountsUntilTheWindowEnds()
    {
        long now = 0;
        var limit = new RateLimitedLog(burst: 3, window: TimeSpan.FromSeconds(10), timestamp: () => now);
        int entered = 0;
        for (int i = 0; i < 100; i++)
        {
            entered += limit.TryEnter(out _) ? 1 : 0;
        }
        now += System.Diagnostics.Stopwatch.Frequency * 11;

        Assert.Equal(3, entered);
        Assert.Equal(97, limit.TotalSuppressed);
        Assert.True(limit.TryEnter(out long suppressed));
        Assert.Equal(97, suppressed);
    }

    [Fact]
    public void InvalidChainWarnings_AreRateLimited()
    {
        using var h = new VirtQueueHarness(size: 16);
        for (int i = 0; i < 1000; i++)
        {
            h.Driver.WriteDescriptor(0, Data, 8, Next, 0);
            DescriptorChain chain = h.OfferAndPop(0);
            Assert.Equal(DescriptorChainError.ChainTooLong, chain.Error);
            h.Queue.AddUsed(chain, 0);
        }
        Assert.Equal(1000, h.Queue.InvalidChains);
        Assert.InRange(h.Log.Messages.Count(m => m.Contains("ChainTooLong", StringComparison.Ordinal)), 1, 100);
    }

    [Fact]
    public void ChainHelpers_OnGuestMemoryWithTwoRegions_StayInTheirRegion()
    {
        // A chain can use both RAM regions, but no single buffer may straddle the hole between them.
        using var memory = new Kata.Hypervisor.Memory.GuestMemory([(Kata.Hypervisor.Memory.GuestAddress.Zero, 1UL << 20), (new Kata.Hypervisor.Memory.GuestAddress(2UL << 20), 1UL << 20)]);
        var queue = new VirtQueue(memory, 0, 8, Serilog.Core.Logger.None);
        var driver = new Infrastructure.VirtioGuestQueue(memory, 0, 8, new(0x1000), new(0x1080), new(0x1100));
        Assert.Equal(VirtQueueSetupError.None, queue.TryEnable(8, driver.DescriptorTable, driver.AvailRing, driver.UsedRing));
        driver.WriteDescriptor(0, (1UL << 20) - 8, 8, Next | Write, 1);
        driver.WriteDescriptor(1, 2UL << 20, 8, Write, 0);
        driver.OfferHead(0);
        Assert.True(queue.TryPopAvailable(out DescriptorChain? chain));
        Assert.True(chain.IsValid);
        Assert.Equal(16, chain.WriteWritable(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()));
        Assert.Equal(16, memory.Read<byte>(new Kata.Hypervisor.Memory.GuestAddress((2UL << 20) + 7)));

        driver.WriteDescriptor(2, (1UL << 20) - 4, 8, Write, 0);
        driver.OfferHead(2);
        Assert.True(queue.TryPopAvailable(out DescriptorChain? straddling));
        Assert.Equal(DescriptorChainError.BufferOutsideGuestMemory, straddling.Error);
    }
}
