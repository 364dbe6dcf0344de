using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Rng;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using static Kata.Hypervisor.Devices.Virtio.VirtqDescriptorFlags;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>virtio-rng (virtio 1.2 §5.4) driven through the transport by a fake guest driver.</summary>
public sealed class VirtioRngTests
{
    private const ulong Data = 0x4_0000;

    /// <summary>A predictable "entropy" source: 1, 2, 3, … across calls.</summary>
    private sealed class CountingSource
    {
        private byte _next = 1;

        public int Calls { get; private set; }

        public void Fill(Span<byte> span)
        {
            Calls++;
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = _next++;
            }
        }
    }

    [Fact]
    public void Identity_Entropy_OneQueue_NoConfig()
    {
        var rng = new VirtioRng(Serilog.Core.Logger.None);
        using var bed = new VirtioTestBed(rng);

        Assert.Equal(4u, bed.Driver.Read(VirtioMmioRegister.DeviceId));
        Assert.Equal([VirtioRng.QueueSize], rng.QueueMaxSizes);
        Span<byte> config = [0xff, 0xff, 0xff, 0xff];
        bed.Transport.Read(VirtioMmioRegister.Config, config);
        Assert.Equal([0, 0, 0, 0], config.ToArray());
        ulong offered = bed.Driver.ReadDeviceFeatures();
        Assert.Equal(VirtioFeatures.Version1 | VirtioFeatures.EventIndex | VirtioFeatures.IndirectDescriptors, offered);
    }

    [Fact]
    public void FillsTheWritableBuffers_AndReportsTheBytesWritten()
    {
        var source = new CountingSource();
        var rng = new VirtioRng(Serilog.Core.Logger.None, source.Fill);
        using var bed = new VirtioTestBed(rng);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);

        ushort head = queue.Offer((Data, 5, true), (Data + 0x100, 3, true));
        bed.Driver.Notify(0);

        Assert.Equal([((uint)head, 8u)], queue.TakeUsed());
        byte[] first = new byte[5], second = new byte[3];
        bed.Memory.Read(new GuestAddress(Data), first);
        bed.Memory.Read(new GuestAddress(Data + 0x100), second);
        Assert.Equal([1, 2, 3, 4, 5], first);
        Assert.Equal([6, 7, 8], second);
        Assert.Equal(1u, bed.Driver.InterruptStatus);
        Assert.Equal(1, bed.Interrupt.Triggers);
        Assert.Equal(8, rng.BytesProvided);
        Assert.Equal(1, rng.Requests);
    }

    [Fact]
    public void RealEntropySource_FillsWithRandomBytes()
    {
        var rng = new VirtioRng(Serilog.Core.Logger.None);
        using var bed = new VirtioTestBed(rng);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);

        queue.Offer((Data, 4096, true));
        bed.Driver.Notify(0);

        Assert.Equal([(0u, 4096u)], queue.TakeUsed());
        byte[] bytes = new byte[4096];
        bed.Memory.Read(new GuestAddress(Data), bytes);
        Assert.True(bytes.Distinct().Count() > 200, "4 KiB from the host's entropy source should use most byte values");
    }

    [Fact]
    public void ARequestLargerThanTheCap_GetsTheCap()
    {
        var rng = new VirtioRng(Serilog.Core.Logger.None, span => span.Fill(0xee));
        using var bed = new VirtioTestBed(rng);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);

        queue.Offer((0x8_0000, 0x4_0000, true), (0xc_0000, 0x3_0000, true));
        bed.Driver.Notify(0);

        Assert.Equal([(0u, (uint)VirtioRng.MaxBytesPerChain)], queue.TakeUsed());
        Assert.Equal(0xee, bed.Memory.Read<byte>(new GuestAddress(0x8_0000 + VirtioRng.MaxBytesPerChain - 1)));
        Assert.Equal(0, bed.Memory.Read<byte>(new GuestAddress(0x8_0000 + VirtioRng.MaxBytesPerChain)));
    }

    [Fact]
    public void AChainWithoutWritableBuffers_IsReturnedEmpty_AndCounted()
    {
        var rng = new VirtioRng(Serilog.Core.Logger.None, span => span.Fill(0xee));
        using var bed = new VirtioTestBed(rng);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        bed.Memory.Write(new GuestAddress(Data), [1, 2, 3, 4]);

        ushort head = queue.Offer((Data, 4, false));
        bed.Driver.Notify(0);

        Assert.Equal([((uint)head, 0u)], queue.TakeUsed());
        Assert.Equal(1, rng.ChainsWithoutWritableBuffers);
        byte[] untouched = new byte[4];
        bed.Memory.Read(new GuestAddress(Data), untouched);
        Assert.Equal([1, 2, 3, 4], untouched);
    }

    [Fact]
    public void InvalidChains_AreReturnedEmpty_AndTheNextValidOneIsServed()
    {
        var rng = new VirtioRng(Serilog.Core.Logger.None, span => span.Fill(0x11));
        using var bed = new VirtioTestBed(rng);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        queue.WriteDescriptor(0, 0xdead_0000, 16, Write, 0); // outside RAM
        queue.WriteDescriptor(1, Data, 16, Write | Next, 1); // loops on itself
        queue.WriteDescriptor(2, Data, 16, Write, 0);
        queue.PutInRing(0);
        queue.PutInRing(1, ahead: 1);
        queue.PutInRing(2, ahead: 2);
        queue.PutInRing(40, ahead: 3); // no such descriptor
        queue.PublishAvailIndex(4);

        bed.Driver.Notify(0);

        Assert.Equal([(0u, 0u), (1u, 0u), (2u, 16u), (40u, 0u)], queue.TakeUsed());
        Assert.Equal(3, rng.InvalidChains);
        Assert.Equal(3, bed.Transport.Queues[0].InvalidChains);
        Assert.Equal(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.FeaturesOk | VirtioDeviceStatus.DriverOk, bed.Driver.Status);
    }

    [Fact]
    public void IndirectAndEventIdx_Work()
    {
        var rng = new VirtioRng(Serilog.Core.Logger.None, span => span.Fill(0x22));
        using var bed = new VirtioTestBed(rng);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        var table = new GuestAddress(0x3_0000);
        queue.WriteDescriptorAt(table, 0, Data, 10, Write | Next, 1);
        queue.WriteDescriptorAt(table, 1, Data + 0x100, 6, Write, 0);
        queue.WriteDescriptor(0, table.Value, 32, Indirect, 0);

        queue.OfferHead(0);
        bed.Driver.Notify(0);

        Assert.Equal([(0u, 16u)], queue.TakeUsed());
        Assert.Equal(1, queue.ReadAvailEvent()); // the device wants to hear about the next buffer
        Assert.Equal(1, bed.Interrupt.Triggers); // the first completion always notifies
        Assert.Equal(1u, bed.Driver.AcknowledgeInterrupt());

        queue.SetUsedEvent(5); // no interrupt wanted until used idx passes 5
        queue.Offer((Data + 0x200, 4, true));
        bed.Driver.Notify(0);

        Assert.Equal([(0u, 4u)], queue.TakeUsed());
        Assert.Equal(2, queue.ReadAvailEvent());
        Assert.Equal(1, bed.Interrupt.Triggers);
        Assert.Equal(0u, bed.Driver.InterruptStatus);
    }

    [Fact]
    public void EntropySourceFailure_ReturnsTheChainEmpty_AndTheDeviceGoesOn()
    {
        bool fail = true;
        var rng = new VirtioRng(Serilog.Core.Logger.None, span =>
        {
            if (fail)
            {
                throw new IOException("getrandom failed");
            }
            span.Fill(0x33);
        });
        using var bed = new VirtioTestBed(rng);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);

        queue.Offer((Data, 8, true));
        bed.Driver.Notify(0);
        fail = false;
        queue.Offer((Data, 8, true));
        bed.Driver.Notify(0);

        Assert.Equal([(0u, 0u), (1u, 8u)], queue.TakeUsed());
        Assert.Equal(1, rng.EntropyFailures);
        Assert.Equal(0, bed.Count(VirtioMmioCounter.NeedsResets));
    }

    [Fact]
    public void AFullQueue_IsServedInOneCall_AndEveryHeadComesBackOnce()
    {
        var rng = new VirtioRng(Serilog.Core.Logger.None, span => span.Fill(0x44));
        using var bed = new VirtioTestBed(rng);
        VirtioGuestQueue queue = bed.Driver.Start(256, VirtioTestBed.QueueArea);
        for (int i = 0; i < 256; i++)
        {
            queue.Offer((Data + (ulong)i * 64, 64, true));
        }

        bed.Driver.Notify(0);

        IReadOnlyList<(uint Id, uint Length)> used = queue.TakeUsed();
        Assert.Equal(256, used.Count);
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (uint)i), used.Select(u => u.Id).Order());
        Assert.All(used, u => Assert.Equal(64u, u.Length));
    }

    [Fact]
    public void ResetInTheMiddleOfIo_DropsWhatWasPending_AndTheDeviceWorksAfterReinitialization()
    {
        var rng = new VirtioRng(Serilog.Core.Logger.None, span => span.Fill(0x55));
        using var bed = new VirtioTestBed(rng);
        VirtioGuestQueue queue = bed.Driver.Start(16, VirtioTestBed.QueueArea);
        queue.Offer((Data, 8, true));
        bed.Driver.Notify(0);
        queue.Offer((Data + 0x100, 8, true)); // offered, not yet notified

        bed.Driver.WriteStatus(VirtioDeviceStatus.Reset);
        bed.Driver.Notify(0);

        Assert.Equal([(0u, 8u)], queue.TakeUsed());
        Assert.Equal(0, bed.Memory.Read<byte>(new GuestAddress(Data + 0x100)));
        Assert.Equal(1, rng.Requests);

        VirtioGuestQueue again = bed.Driver.Start(16, new GuestAddress(0x2_0000));
        again.Offer((Data + 0x200, 8, true));
        bed.Driver.Notify(0);
        Assert.Equal([(0u, 8u)], again.TakeUsed());
        Assert.Equal(0x55, bed.Memory.Read<byte>(new GuestAddress(Data + 0x207)));
    }
}
